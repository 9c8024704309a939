#include "dataplane/flow_table.h"

#include <cstring>
#include <stdexcept>

#include "dataplane/packet.h"

namespace pw::dp {

FlowKey flow_key(const PacketView& v, bool* src_is_a) {
  FlowKey k;
  k.vlan_outer = v.vlan_outer;
  k.vlan_inner = v.vlan_inner;
  k.proto = v.ip_proto;
  k.family = static_cast<uint8_t>(v.src.family);
  // Order the two ends so that both directions give the same key.
  bool src_first = v.src.bytes < v.dst.bytes ||
                   (v.src.bytes == v.dst.bytes && v.sport <= v.dport);
  if (src_first) {
    k.addr_a = v.src.bytes;
    k.addr_b = v.dst.bytes;
    k.port_a = v.sport;
    k.port_b = v.dport;
  } else {
    k.addr_a = v.dst.bytes;
    k.addr_b = v.src.bytes;
    k.port_a = v.dport;
    k.port_b = v.sport;
  }
  *src_is_a = src_first;
  return k;
}

uint32_t flow_hash(const FlowKey& k) {
  // 64-bit multiply-xorshift over the key's words (keys are not attacker-chosen beyond the
  // 5-tuple; the index tolerates collisions, and a secret per-boot seed hardens it).
  static const uint64_t seed = reinterpret_cast<uintptr_t>(&seed) * 0x9e3779b97f4a7c15ull;
  uint64_t words[6] = {};
  static_assert(sizeof(FlowKey) <= sizeof(words));
  std::memcpy(words, &k, sizeof(FlowKey));
  uint64_t h = seed;
  for (uint64_t w : words) {
    h ^= w;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return static_cast<uint32_t>(h ^ (h >> 29));
}

FlowTable::FlowTable(size_t capacity, FlowTimeouts t, FullAction full)
    : timeouts_(t), full_(full) {
  if (capacity == 0 || capacity > (1u << 30)) throw std::invalid_argument("flow table capacity");
  pool_.resize(capacity);
  free_.reserve(capacity);
  for (size_t i = capacity; i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
  size_t n = 1;
  while (n < capacity * 2) n <<= 1;
  slots_.resize(n);
  mask_ = n - 1;
}

uint64_t FlowTable::timeout(const Flow& f) const {
  switch (f.state) {
    case FlowState::TcpSynSent:
    case FlowState::TcpSynReceived: return timeouts_.tcp_syn_ns;
    case FlowState::TcpEstablished: return timeouts_.tcp_established_ns;
    case FlowState::TcpClosing: return timeouts_.tcp_closing_ns;
    case FlowState::Udp: return timeouts_.udp_ns;
    case FlowState::Icmp: return timeouts_.icmp_ns;
    case FlowState::Free: return 0;
  }
  return 0;
}

size_t FlowTable::find_slot(const FlowKey& key, uint32_t hash) const {
  for (size_t s = home(hash);; s = (s + 1) & mask_) {
    const Slot& sl = slots_[s];
    if (!sl.entry) return SIZE_MAX;
    if (sl.sig == hash && pool_[sl.entry - 1].key == key) return s;
  }
}

void FlowTable::erase_slot(size_t s) {
  // Backward-shift deletion: move later entries of the probe run into the hole when their home
  // slot is not between the hole and their position.
  size_t hole = s;
  for (size_t j = (s + 1) & mask_; slots_[j].entry; j = (j + 1) & mask_) {
    size_t h = home(slots_[j].sig);
    bool between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (!between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
}

void FlowTable::remove(Flow* f) {
  if (!f || !f->live) return;
  size_t s = find_slot(f->key, f->hash);
  if (s != SIZE_MAX && &pool_[slots_[s].entry - 1] == f) erase_slot(s);
  f->state = FlowState::Free;
  f->live = false;
  free_.push_back(static_cast<uint32_t>(f - pool_.data()));
  --used_;
}

Flow* FlowTable::evict_one() {
  // The least recently seen of the next few entries under the clock hand.
  Flow* victim = nullptr;
  for (size_t i = 0; i < 8; ++i) {
    Flow& f = pool_[(hand_ + i) % pool_.size()];
    if (!f.live) continue;
    if (!victim || f.last_ns < victim->last_ns) victim = &f;
  }
  hand_ = (hand_ + 8) % pool_.size();
  return victim;
}

}  // namespace pw::dp
