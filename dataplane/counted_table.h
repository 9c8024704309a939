// A bounded map from a key to a count (and a value set with the first one): how many flows each
// source address holds (stream max-flows-per-source), how many FTP control connections in TLS
// each (client, printer) pair has. Exact counts in a fixed open-addressing table, linear probing
// with backward-shift deletion; sized for `max_total` counted items at once (every key present
// counts at least one, so there are never more keys than that): no allocation after
// construction, no locks (one per lcore).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace pw::dp {

template <typename Key, typename Hash, typename Value = uint8_t>
class CountedTable {
 public:
  explicit CountedTable(size_t max_total) : max_total_(max_total) {
    if (max_total == 0 || max_total > (size_t{1} << 30))
      throw std::invalid_argument("counted table: capacity");
    size_t n = 16;
    while (n < max_total * 2) n <<= 1;  // load <= 0.5: short probe runs
    slots_.resize(n);
    mask_ = n - 1;
  }

  uint32_t count(const Key& k) const {
    size_t s = find(k);
    return s == SIZE_MAX ? 0 : slots_[s].n;
  }
  // The value stored with `k`'s first count, or null when `k` has none.
  const Value* value(const Key& k) const {
    size_t s = find(k);
    return s == SIZE_MAX ? nullptr : &slots_[s].value;
  }
  // One more for `k` (the value is kept from its first add); false, nothing counted, when
  // `max_total` items are counted already.
  bool add(const Key& k, const Value& v = Value{}) {
    if (total_ >= max_total_) return false;
    size_t s = home(k);
    while (slots_[s].n != 0 && !(slots_[s].key == k)) s = (s + 1) & mask_;
    if (slots_[s].n == 0) {
      slots_[s].key = k;
      slots_[s].value = v;
      ++used_;
    }
    ++slots_[s].n;
    ++total_;
    return true;
  }
  // One less for `k` (no-op when it has none).
  void remove(const Key& k) {
    size_t s = find(k);
    if (s == SIZE_MAX) return;
    --total_;
    if (--slots_[s].n != 0) return;
    --used_;
    // Backward-shift deletion: pull later members of the probe run into the hole unless their
    // home lies between the hole and where they sit.
    size_t hole = s;
    for (size_t j = (s + 1) & mask_; slots_[j].n != 0; j = (j + 1) & mask_) {
      size_t h = home(slots_[j].key);
      bool between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (!between) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
  }
  size_t total() const { return total_; }  // items counted
  size_t keys() const { return used_; }    // distinct keys

 private:
  struct Slot {
    Key key{};
    uint32_t n = 0;  // 0: empty
    Value value{};
  };
  size_t home(const Key& k) const { return static_cast<size_t>(Hash{}(k)) & mask_; }
  size_t find(const Key& k) const {
    for (size_t s = home(k);; s = (s + 1) & mask_) {
      if (slots_[s].n == 0) return SIZE_MAX;
      if (slots_[s].key == k) return s;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t max_total_;
  size_t total_ = 0;
  size_t used_ = 0;
};

}  // namespace pw::dp
