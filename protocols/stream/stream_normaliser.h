// The TCP stream normaliser for flows under inspection (design.md invariant 2): inspectors see
// each byte once, in order; only bytes they have seen are forwarded.
//
// Per direction it keeps the next expected sequence number and a copy of the bytes forwarded
// but not yet acknowledged by the receiver (a ring of `window` bytes):
//  - a segment at the next expected byte is inspected, then forwarded;
//  - a segment beyond it is dropped (the sender retransmits once the gap is filled): holding
//    would need another copy of every out-of-order frame, dropping costs one retransmission;
//  - a retransmission that overlaps bytes already inspected is compared with the copy: identical
//    is forwarded, different is dropped (the classic overlap evasion: the receiver may keep either
//    version, so the gateway keeps neither); bytes already acknowledged by the receiver cannot
//    matter to it and are not compared;
//  - a segment that would leave more than `window` bytes unacknowledged is dropped: the window of
//    an inspected flow is clamped to what the gateway can compare.
// Pure C++: no packets, no clocks, no allocation after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocols/inspector.h"

namespace pw::proto {

struct SegmentResult {
  enum class Action : uint8_t { Forward, Drop, Kill };
  Action action = Action::Forward;
  Reason reason = Reason::Forwarded;
  bool pass_through = false;  // the inspector is done: stop normalising this flow
};

class StreamNormaliser {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // `streams` flows at once, `window` bytes kept per direction (a power of two).
  StreamNormaliser(size_t streams, size_t window);

  uint32_t open();  // kNone when every stream is in use
  void close(uint32_t s);
  // The first sequence number of direction `d`'s data (the SYN's sequence + 1).
  void start(uint32_t s, Dir d, uint32_t next_seq);

  // One TCP segment of direction `d`: its sequence number, payload, FIN flag and, if it carries
  // an ACK, the acknowledgement (of the other direction's bytes). `inspector` may be null
  // (normalise only).
  SegmentResult segment(uint32_t s, Dir d, uint32_t seq, std::span<const uint8_t> payload,
                        bool fin, std::optional<uint32_t> ack, const Inspector* inspector,
                        FlowState* state, Context& ctx);

  size_t in_use() const { return streams_.size() - free_.size(); }
  size_t capacity() const { return streams_.size(); }
  size_t window() const { return window_; }
  size_t memory_bytes() const { return ring_.size() + streams_.size() * sizeof(Stream); }

 private:
  struct Half {
    bool started = false;
    bool fin = false;
    uint32_t next = 0;   // next expected sequence number
    uint32_t acked = 0;  // first byte not acknowledged by the receiver
  };
  struct Stream {
    Half half[2];
  };
  uint8_t* ring(uint32_t s, Dir d) {
    return &ring_[(size_t{s} * 2 + static_cast<size_t>(d)) * window_];
  }

  size_t window_;
  std::vector<Stream> streams_;
  std::vector<uint32_t> free_;
  std::vector<uint8_t> ring_;
};

}  // namespace pw::proto
