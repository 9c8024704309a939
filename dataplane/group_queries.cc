#include "dataplane/group_queries.h"

#include <bit>
#include <cstring>

#include "common/hash.h"

namespace pw::dp {

namespace {

void address_words(const IpAddr& a, uint64_t* hi, uint64_t* lo) {
  std::memcpy(hi, a.bytes.data(), 8);
  std::memcpy(lo, a.bytes.data() + 8, 8);
}

}  // namespace

GroupQueryTable::GroupQueryTable(size_t entries)
    : slots_(std::make_unique<Slot[]>(std::bit_ceil(std::max(entries, kWays)))),
      mask_(std::bit_ceil(std::max(entries, kWays)) - 1) {}

uint64_t GroupQueryTable::ports_word(const GroupQuery& q) {
  return uint64_t{q.client_port} | uint64_t{q.group_port} << 16 |
         uint64_t{static_cast<uint16_t>(q.vlan_outer & 0x0fff)} << 32 |
         uint64_t{static_cast<uint16_t>(q.vlan_inner & 0x0fff)} << 44 |
         uint64_t{q.client.family == Family::V6 ? 1u : 0u} << 56;
}

size_t GroupQueryTable::bucket(const GroupQuery& q) const {
  uint64_t hi, lo;
  address_words(q.client, &hi, &lo);
  const uint64_t h = fmix64(hi ^ fmix64_round(lo) ^ (ports_word(q) * 0x9e3779b97f4a7c15ull));
  return static_cast<size_t>(h) & mask_ & ~(kWays - 1);
}

void GroupQueryTable::record(const GroupQuery& q, uint64_t now_ns) {
  uint64_t hi, lo;
  address_words(q.client, &hi, &lo);
  const uint64_t ports = ports_word(q);
  const size_t b = bucket(q);
  // The same query again, else a free or lapsed slot, else the one whose window ends first.
  size_t pick = b;
  uint64_t oldest = UINT64_MAX;
  bool found = false;
  for (size_t i = b; i < b + kWays; ++i) {
    const Slot& s = slots_[i];
    const uint64_t until = s.until.load(std::memory_order_relaxed);
    if (until > now_ns && s.hi.load(std::memory_order_relaxed) == hi &&
        s.lo.load(std::memory_order_relaxed) == lo && s.ports.load(std::memory_order_relaxed) == ports) {
      pick = i;
      found = true;
      break;
    }
    const uint64_t age = until <= now_ns ? 0 : until;
    if (age < oldest) {
      oldest = age;
      pick = i;
    }
  }
  if (!found && oldest != 0) ++evictions_;
  Slot& s = slots_[pick];
  const uint32_t seq = s.seq.load(std::memory_order_relaxed);
  s.seq.store(seq + 1, std::memory_order_relaxed);  // odd: being written
  std::atomic_thread_fence(std::memory_order_release);
  s.hi.store(hi, std::memory_order_relaxed);
  s.lo.store(lo, std::memory_order_relaxed);
  s.ports.store(ports, std::memory_order_relaxed);
  s.until.store(now_ns + kAnswerWindowNs, std::memory_order_relaxed);
  s.seq.store(seq + 2, std::memory_order_release);
}

bool GroupQueryTable::answers(const GroupQuery& q, uint64_t now_ns) const {
  uint64_t hi, lo;
  address_words(q.client, &hi, &lo);
  const uint64_t ports = ports_word(q);
  const size_t b = bucket(q);
  for (size_t i = b; i < b + kWays; ++i) {
    const Slot& s = slots_[i];
    const uint32_t before = s.seq.load(std::memory_order_acquire);
    if (before & 1) continue;
    const bool match = s.hi.load(std::memory_order_relaxed) == hi &&
                       s.lo.load(std::memory_order_relaxed) == lo &&
                       s.ports.load(std::memory_order_relaxed) == ports &&
                       s.until.load(std::memory_order_relaxed) > now_ns;
    std::atomic_thread_fence(std::memory_order_acquire);
    if (s.seq.load(std::memory_order_relaxed) != before) continue;  // rewritten meanwhile
    if (match) return true;
  }
  return false;
}

}  // namespace pw::dp
