// IPv4 and IPv6 fragment reassembly, bounded, before any layer-4 decision (design.md invariant 2).
// One implementation for every path (DPDK workers, replay, tests), so the behaviour is the same
// everywhere.
//
// The original fragment frames are kept (copies, in a fixed pool) so that once the reassembled
// datagram has been judged they are forwarded unchanged, as they came: the gateway stays
// transparent and never emits a frame larger than the ones it received.
//
// Dropped, with the whole datagram, and counted: overlapping fragments (any overlap, even with
// identical bytes: RFC 5722 for IPv6, and the classic Teardrop/Rose evasions for IPv4); a first
// fragment too small to hold the layer-4 header, or a later one that starts inside it (RFC
// 1858); more fragments than max-fragments; a datagram over max-size; a non-last fragment whose
// length is not a multiple of 8; a datagram not completed within the timeout.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "common/reason.h"
#include "dataplane/packet.h"

namespace pw::dp {

struct ReassemblyLimits {
  size_t max_datagrams = 4096;
  size_t max_fragments = 64;  // per datagram
  uint64_t timeout_ns = 5'000'000'000ull;
  size_t max_size = 65535;  // reassembled datagram (header + payload)
  size_t frame_slots = 0;   // fragment frames kept at once; 0: 4 per datagram
};

class Reassembler {
 public:
  static constexpr size_t kMaxFrame = 2048;

  enum class Status : uint8_t { Held, Complete, Dropped };
  struct Result {
    Status status = Status::Held;
    Reason reason = Reason::Forwarded;  // why it was dropped
    uint32_t dropped_frames = 0;        // frames discarded with the datagram (incl. this one)
  };

  explicit Reassembler(const ReassemblyLimits& limits);

  // Adds the fragment `v` (v.is_fragment) that arrived in frame `v.frame`. On Complete,
  // `datagram()` is a PacketView of the reassembled datagram (layer 4 parsed by the caller) and
  // `frames()` the original frames in arrival order; both stay valid until the next call.
  Result add(const PacketView& v, uint64_t now);

  const PacketView& datagram() const { return datagram_; }
  size_t frame_count() const { return done_frames_.size(); }
  std::span<const uint8_t> frame(size_t i) const;

  // Visits up to `budget` datagrams from a clock hand and drops those older than the timeout;
  // returns the number of frames discarded.
  size_t expire(uint64_t now, size_t budget, uint64_t* datagrams_expired = nullptr);

  size_t pending() const { return used_; }
  size_t memory_bytes() const;

 private:
  struct Key {
    std::array<uint8_t, 16> src{}, dst{};
    uint32_t id = 0;
    uint16_t vlan_outer = 0, vlan_inner = 0;
    uint8_t proto = 0, family = 0;
    uint16_t reserved = 0;  // no padding: the key is hashed as bytes
    bool operator==(const Key&) const = default;
  };
  static_assert(std::has_unique_object_representations_v<Key>);
  struct Piece {
    uint16_t offset;  // payload offset in the datagram
    uint16_t length;
    uint32_t slot;    // frame slot
  };
  struct Datagram {
    bool live = false;
    Key key;
    uint32_t hash = 0;
    uint64_t created_ns = 0;
    uint32_t total = 0;  // payload length, known once the last fragment arrived (0: unknown)
    std::vector<Piece> pieces;  // reserved max_fragments at start; arrival order
  };
  struct Slot {
    uint16_t frame_len = 0;
    uint16_t payload_offset = 0;  // of the fragment's payload within the frame
    uint16_t header_len = 0;      // IP header bytes before the fragment payload (first fragment)
    uint16_t ip_offset = 0;       // of the IP header within the frame
  };

  Datagram* lookup(const Key& k, uint32_t hash, bool create, uint64_t now);
  void release(Datagram& d);
  uint32_t drop(Datagram& d);
  size_t home(uint32_t h) const { return h & mask_; }
  void unindex(Datagram& d);
  Result complete(Datagram& d);

  ReassemblyLimits lim_;
  std::vector<Datagram> table_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> index_;  // table index + 1; 0: empty
  size_t mask_ = 0;
  size_t used_ = 0;
  size_t hand_ = 0;
  std::vector<Slot> slots_;
  std::vector<uint8_t> slot_bytes_;  // kMaxFrame per slot
  std::vector<uint32_t> free_slots_;
  std::vector<uint8_t> buffer_;  // the reassembled datagram
  PacketView datagram_;
  std::vector<uint32_t> done_frames_;  // slots of the completed datagram, until the next call
};

}  // namespace pw::dp
