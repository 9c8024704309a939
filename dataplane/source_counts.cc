#include "dataplane/source_counts.h"

#include <cstring>
#include <stdexcept>

namespace pw::dp {

SourceCounts::SourceCounts(size_t max_total) : max_total_(max_total) {
  if (max_total == 0 || max_total > (size_t{1} << 30))
    throw std::invalid_argument("source counts: capacity");
  size_t n = 16;
  while (n < max_total * 2) n <<= 1;  // load <= 0.5: short probe runs
  slots_.resize(n);
  mask_ = n - 1;
}

size_t SourceCounts::home(const IpAddr& a) const {
  uint64_t w[2];
  std::memcpy(w, a.bytes.data(), 16);
  uint64_t h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
               static_cast<uint64_t>(a.family);
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return static_cast<size_t>(h) & mask_;
}

size_t SourceCounts::find(const IpAddr& a) const {
  for (size_t s = home(a);; s = (s + 1) & mask_) {
    if (slots_[s].n == 0) return SIZE_MAX;
    if (slots_[s].addr == a) return s;
  }
}

uint32_t SourceCounts::count(const IpAddr& a) const {
  size_t s = find(a);
  return s == SIZE_MAX ? 0 : slots_[s].n;
}

bool SourceCounts::add(const IpAddr& a) {
  if (total_ >= max_total_) return false;
  size_t s = home(a);
  while (slots_[s].n != 0 && !(slots_[s].addr == a)) s = (s + 1) & mask_;
  if (slots_[s].n == 0) {
    slots_[s].addr = a;
    ++used_;
  }
  ++slots_[s].n;
  ++total_;
  return true;
}

void SourceCounts::remove(const IpAddr& a) {
  size_t s = find(a);
  if (s == SIZE_MAX) return;
  --total_;
  if (--slots_[s].n != 0) return;
  --used_;
  // Backward-shift deletion: pull later members of the probe run into the hole unless their
  // home lies between the hole and where they sit.
  size_t hole = s;
  for (size_t j = (s + 1) & mask_; slots_[j].n != 0; j = (j + 1) & mask_) {
    size_t h = home(slots_[j].addr);
    bool between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (!between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
}

}  // namespace pw::dp
