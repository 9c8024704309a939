// The per-lcore flow table: one entry for both directions of a flow, keyed on VLAN + 5-tuple,
// fixed capacity chosen at start, no allocation after construction, no locks (one table per
// lcore; both directions of a flow reach the same lcore).
//
// Layout: an entry pool (the flows) and an open-addressing index of (signature, entry) slots
// with linear probing and backward-shift deletion (no tombstones, so probe lengths stay short
// under churn). The index has twice as many slots as the pool has entries: load <= 0.5.
// Expired entries are reclaimed in bounded time: lazily when a lookup meets one, and by a
// clock hand that visits a fixed number of entries per burst.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ip.h"

namespace pw::dp {

struct PacketView;

// Six 8-byte words, built and compared word by word (no byte stores followed by word loads).
struct FlowKey {
  std::array<uint8_t, 16> addr_a{};  // the lower (address, port) end
  std::array<uint8_t, 16> addr_b{};
  uint16_t port_a = 0, port_b = 0;
  uint16_t vlan_outer = 0, vlan_inner = 0;
  uint8_t proto = 0;
  uint8_t family = 0;
  std::array<uint8_t, 6> zero{};  // explicit padding, always zero
  bool operator==(const FlowKey&) const = default;
};

static_assert(std::endian::native == std::endian::little, "flow keys pack ports as LE words");
static_assert(sizeof(FlowKey) == 48, "FlowKey is six words: hashed and compared as words");

// The key of a packet's flow; `*src_is_a` tells which end sent it.
FlowKey flow_key(const PacketView& v, bool* src_is_a);
uint32_t flow_hash(const FlowKey& k);
bool key_equal(const FlowKey& a, const FlowKey& b);

enum class FlowState : uint8_t {
  Free, TcpSynSent, TcpSynReceived, TcpEstablished, TcpClosing, Udp, Icmp
};

// One side of a TCP connection, as seen by the gateway.
struct TcpSide {
  uint32_t isn = 0;
  uint32_t end = 0;      // highest sequence number sent + 1 (seq + len, SYN and FIN count 1)
  uint32_t max_win = 0;  // largest window this side advertised (scaled)
  uint32_t acked = 0;    // highest ACK this side sent
  uint8_t wscale = 0xff;
  bool fin = false;
};

struct Flow {
  FlowKey key;
  uint64_t id = 0;
  uint64_t created_ns = 0;
  uint64_t last_ns = 0;
  std::array<uint64_t, 2> packets{};  // [0]: from the initiator, [1]: from the responder
  std::array<uint64_t, 2> bytes{};
  std::array<TcpSide, 2> tcp{};
  uint64_t generation = 0;  // policy generation the verdict was taken under
  uint64_t inspection_key = 0;  // CompiledService::inspection_key of the service that opened it
  uint32_t stream = UINT32_MAX;  // normaliser slot, or none
  void* inspector_state = nullptr;
  const void* inspector = nullptr;  // the proto::Inspector that owns inspector_state
  uint16_t service = UINT16_MAX;  // CompiledService id, or none
  uint32_t dpi = UINT32_MAX;      // nDPI flow state while the flow is being classified
  uint16_t app = 0;               // nDPI protocol (0: unknown)
  uint8_t dpi_packets = 0;
  FlowState state = FlowState::Free;
  bool initiator_is_a = true;
  bool to_printers = true;  // the initiator is the peer (not the printer)
  bool suspicious = false;  // mirror every frame
  bool mirror_all = false;  // the service says mirror always
  bool mirror_never = false;  // the service says mirror never
  bool pass_through = false;  // past inspection
  bool ftp_control = false;   // an FTP control flow registered in the FTP session table
  bool ftp_data = false;      // a passive data connection of such a session
  bool live = false;          // handed out by insert(), not yet removed
  bool secured = false;       // its inspector reported the session protected (TLS up)
  bool inspect_closed = false;  // FIN both ways or RST: inspection state given back
  bool source_counted = false;  // counted in its initiator's share of the table (until released)
  bool session_noted = false;   // its end was looked at by the short-TLS-session signal
  bool group_query = false;     // a UDP query to a multicast or broadcast group (answers awaited)
  uint8_t buffers_held = 0;     // BufferPool buffers its inspector holds (counted per source)
  uint32_t hash = 0;
  // Links of the list of flows under inspection, least recently active first (pool index + 1;
  // 0: none). Cold: touched per inspected segment only.
  uint32_t list_prev = 0, list_next = 0;
  bool listed = false;

  // 0 for a frame from the initiator, 1 from the responder.
  int side_of(bool src_is_a) const { return src_is_a == initiator_is_a ? 0 : 1; }
};

// A flow's two addresses as IpAddr, the initiator (client) first.
struct FlowEnds {
  IpAddr client, server;
};
inline FlowEnds flow_ends(const Flow& f) {
  IpAddr a, b;
  a.family = b.family = static_cast<Family>(f.key.family);
  a.bytes = f.key.addr_a;
  b.bytes = f.key.addr_b;
  return f.initiator_is_a ? FlowEnds{a, b} : FlowEnds{b, a};
}

struct FlowTimeouts {
  uint64_t tcp_syn_ns = 10'000'000'000ull;
  // An established TCP flow whose inspector holds state and has not finished (before TLS).
  uint64_t tcp_inspecting_ns = 30'000'000'000ull;
  uint64_t tcp_established_ns = 7200'000'000'000ull;
  uint64_t tcp_closing_ns = 30'000'000'000ull;
  uint64_t udp_ns = 60'000'000'000ull;
  uint64_t icmp_ns = 30'000'000'000ull;
};

class FlowTable {
 public:
  enum class FullAction : uint8_t { DropNew, EvictOldest };

  FlowTable(size_t capacity, FlowTimeouts t, FullAction full = FullAction::DropNew);

  // The live flow for `key`, or nullptr. An entry found idle past its timeout is reclaimed
  // (reported through on_expire) and not returned.
  template <typename OnExpire>
  Flow* find(const FlowKey& key, uint32_t hash, uint64_t now, OnExpire&& on_expire);
  // A new entry (live, state Free, key and hash set), or nullptr when the table is full and the
  // full-table action is drop-new (or eviction found nothing to evict).
  template <typename OnExpire>
  Flow* insert(const FlowKey& key, uint32_t hash, uint64_t now, OnExpire&& on_expire);
  void remove(Flow* f);
  // Visits up to `budget` entries from the clock hand and reclaims the expired ones.
  template <typename OnExpire>
  size_t expire(uint64_t now, size_t budget, OnExpire&& on_expire);

  bool expired(const Flow& f, uint64_t now) const { return now - f.last_ns > timeout(f); }
  uint64_t timeout(const Flow& f) const;
  // Prefetch hints for a burst: the index slot of `hash`, then (once that slot is in cache) the
  // entry it points to.
  void prefetch_slot(uint32_t hash) const { __builtin_prefetch(&slots_[home(hash)]); }
  void prefetch_entry(uint32_t hash) const {
    const Slot& s = slots_[home(hash)];
    if (s.entry) {
      const char* p = reinterpret_cast<const char*>(&pool_[s.entry - 1]);
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64);
      __builtin_prefetch(p + 128);
    }
  }
  size_t size() const { return used_; }
  size_t capacity() const { return pool_.size(); }
  // Flow ids from now on: first, first + step, ... (the daemon gives each worker its own
  // residue and a start from the clock, so that ids differ across workers and restarts).
  void set_ids(uint64_t first, uint64_t step) {
    next_id_ = first ? first : 1;
    id_step_ = step ? step : 1;
  }
  size_t bytes_per_entry() const { return sizeof(Flow) + 2 * sizeof(Slot); }
  uint64_t inserts() const { return inserts_; }
  uint64_t evictions() const { return evictions_; }
  // Pool entry `i` (0..capacity-1), live or not: for incremental scans.
  const Flow& at(size_t i) const { return pool_[i]; }
  Flow& at(size_t i) { return pool_[i]; }
  uint32_t index_of(const Flow& f) const { return static_cast<uint32_t>(&f - pool_.data()); }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const auto& f : pool_)
      if (f.live) fn(f);
  }

 private:
  struct Slot {
    uint32_t sig = 0;
    uint32_t entry = 0;  // pool index + 1; 0: empty
  };
  size_t home(uint32_t hash) const { return hash & mask_; }
  size_t find_slot(const FlowKey& key, uint32_t hash) const;  // slot index or SIZE_MAX
  void erase_slot(size_t s);
  Flow* evict_one();

  std::vector<Flow> pool_;
  std::vector<uint32_t> free_;  // stack of free pool indexes
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t used_ = 0;
  size_t hand_ = 0;
  uint64_t next_id_ = 1, id_step_ = 1;
  uint64_t inserts_ = 0, evictions_ = 0;
  FlowTimeouts timeouts_;
  FullAction full_;
};

template <typename OnExpire>
Flow* FlowTable::find(const FlowKey& key, uint32_t hash, uint64_t now, OnExpire&& on_expire) {
  size_t s = find_slot(key, hash);
  if (s == SIZE_MAX) return nullptr;
  Flow* f = &pool_[slots_[s].entry - 1];
  if (expired(*f, now)) {
    on_expire(*f);
    remove(f);
    return nullptr;
  }
  return f;
}

template <typename OnExpire>
Flow* FlowTable::insert(const FlowKey& key, uint32_t hash, uint64_t now, OnExpire&& on_expire) {
  if (free_.empty()) {
    if (full_ != FullAction::EvictOldest) return nullptr;
    Flow* victim = evict_one();
    if (!victim) return nullptr;
    on_expire(*victim);
    remove(victim);
    ++evictions_;
  }
  uint32_t idx = free_.back();
  free_.pop_back();
  Flow& f = pool_[idx];
  f = Flow{};
  f.key = key;
  f.hash = hash;
  f.id = next_id_;
  next_id_ += id_step_;
  f.created_ns = f.last_ns = now;
  f.live = true;
  size_t s = home(hash);
  while (slots_[s].entry) s = (s + 1) & mask_;
  slots_[s] = {hash, idx + 1};
  ++used_;
  ++inserts_;
  return &f;
}

template <typename OnExpire>
size_t FlowTable::expire(uint64_t now, size_t budget, OnExpire&& on_expire) {
  size_t n = 0;
  for (size_t i = 0; i < budget && !pool_.empty(); ++i) {
    Flow& f = pool_[hand_];
    hand_ = hand_ + 1 == pool_.size() ? 0 : hand_ + 1;
    if (f.live && expired(f, now)) {
      on_expire(f);
      remove(&f);
      ++n;
    }
  }
  return n;
}

// Flows of one table in a doubly linked list through Flow::list_prev/list_next, oldest first:
// the flows under inspection in order of their last activity (expiry and eviction take the
// front). O(1) everything, no allocation.
class FlowList {
 public:
  explicit FlowList(FlowTable& t) : t_(t) {}
  void push_back(Flow& f) {
    const uint32_t i = t_.index_of(f) + 1;
    f.list_prev = tail_;
    f.list_next = 0;
    f.listed = true;
    if (tail_) t_.at(tail_ - 1).list_next = i;
    else head_ = i;
    tail_ = i;
    ++size_;
  }
  void remove(Flow& f) {
    if (!f.listed) return;
    if (f.list_prev) t_.at(f.list_prev - 1).list_next = f.list_next;
    else head_ = f.list_next;
    if (f.list_next) t_.at(f.list_next - 1).list_prev = f.list_prev;
    else tail_ = f.list_prev;
    f.list_prev = f.list_next = 0;
    f.listed = false;
    --size_;
  }
  void touch(Flow& f) {
    if (!f.listed || t_.index_of(f) + 1 == tail_) return;
    remove(f);
    push_back(f);
  }
  Flow* front() { return head_ ? &t_.at(head_ - 1) : nullptr; }
  size_t size() const { return size_; }

 private:
  FlowTable& t_;
  uint32_t head_ = 0, tail_ = 0;
  size_t size_ = 0;
};

}  // namespace pw::dp
