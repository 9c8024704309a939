#include "dataplane/flow_table.h"

#include <cstring>
#include <stdexcept>

#include "dataplane/packet.h"

namespace pw::dp {

namespace {
// Loads of the 16-byte address as two native words: a fast total order (not the numeric one;
// any order works, both directions only have to agree on it).
// -1, 0, 1 for a <, ==, > b.
inline int addr_cmp(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b) {
  uint64_t x[2], y[2];
  std::memcpy(x, a.data(), 16);
  std::memcpy(y, b.data(), 16);
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  if (x[1] != y[1]) return x[1] < y[1] ? -1 : 1;
  return 0;
}
}  // namespace

FlowKey flow_key(const PacketView& v, bool* src_is_a) {
  FlowKey k;
  // Order the two ends so that both directions give the same key.
  int c = addr_cmp(v.src.bytes, v.dst.bytes);
  bool src_first = c < 0 || (c == 0 && v.sport <= v.dport);
  const IpAddr& a = src_first ? v.src : v.dst;
  const IpAddr& b = src_first ? v.dst : v.src;
  std::memcpy(k.addr_a.data(), a.bytes.data(), 16);
  std::memcpy(k.addr_b.data(), b.bytes.data(), 16);
  // Ports and VLANs as one word, protocol and family as another: two stores.
  uint64_t pv = uint64_t{src_first ? v.sport : v.dport} | uint64_t{src_first ? v.dport : v.sport} << 16 |
                uint64_t{v.vlan_outer} << 32 | uint64_t{v.vlan_inner} << 48;
  uint64_t pf = uint64_t{v.ip_proto} | uint64_t{static_cast<uint8_t>(v.src.family)} << 8;
  std::memcpy(&k.port_a, &pv, 8);
  std::memcpy(&k.proto, &pf, 8);
  *src_is_a = src_first;
  return k;
}

uint32_t flow_hash(const FlowKey& k) {
  // Independent multiplies of the key's words (they pipeline), then a final avalanche. A seed
  // chosen per process keeps the bucket of a 5-tuple unpredictable from outside.
  static const uint64_t seed = reinterpret_cast<uintptr_t>(&seed) * 0x9e3779b97f4a7c15ull;
  uint64_t w[6];
  std::memcpy(w, &k, sizeof w);
  uint64_t h = seed ^ ((w[0] ^ seed) * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
               (w[2] * 0x165667b19e3779f9ull) ^ (w[3] * 0xd6e8feb86659fd93ull) ^
               (w[4] * 0xff51afd7ed558ccdull) ^ (w[5] * 0xc4ceb9fe1a85ec53ull);
  h ^= h >> 31;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 29;
  return static_cast<uint32_t>(h);
}

bool key_equal(const FlowKey& a, const FlowKey& b) {
  uint64_t x[6], y[6];
  std::memcpy(x, &a, sizeof x);
  std::memcpy(y, &b, sizeof y);
  return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) |
          (x[5] ^ y[5])) == 0;
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
    case FlowState::TcpEstablished:
      return f.inspector_state && !f.secured ? timeouts_.tcp_inspecting_ns
                                             : timeouts_.tcp_established_ns;
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
    if (sl.sig == hash && key_equal(pool_[sl.entry - 1].key, key)) return s;
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
