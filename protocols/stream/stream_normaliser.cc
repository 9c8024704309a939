#include "protocols/stream/stream_normaliser.h"

#include <algorithm>
#include <stdexcept>

namespace pw::proto {

namespace {
// Sequence-space comparisons (RFC 793 section 3.3, modulo 2^32).
bool seq_lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool seq_le(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) <= 0; }
}  // namespace

StreamNormaliser::StreamNormaliser(size_t streams, size_t window) : window_(window) {
  if (streams == 0 || window < 64 || (window & (window - 1)))
    throw std::invalid_argument("stream normaliser: window must be a power of two >= 64");
  streams_.resize(streams);
  for (size_t i = streams; i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
  ring_.resize(streams * 2 * window);
}

uint32_t StreamNormaliser::open() {
  if (free_.empty()) return kNone;
  uint32_t s = free_.back();
  free_.pop_back();
  streams_[s] = Stream{};
  return s;
}

void StreamNormaliser::close(uint32_t s) {
  if (s != kNone) free_.push_back(s);
}

void StreamNormaliser::start(uint32_t s, Dir d, uint32_t next_seq) {
  Half& h = streams_[s].half[static_cast<size_t>(d)];
  h.started = true;
  h.fin = false;
  h.next = h.acked = next_seq;
}

SegmentResult StreamNormaliser::segment(uint32_t s, Dir d, uint32_t seq,
                                        std::span<const uint8_t> payload, bool fin,
                                        std::optional<uint32_t> ack, const Inspector* inspector,
                                        FlowState* state, Context& ctx) {
  using Action = SegmentResult::Action;
  Stream& st = streams_[s];
  Half& me = st.half[static_cast<size_t>(d)];
  Half& other = st.half[d == Dir::ToServer ? 1 : 0];
  // The receiver's acknowledgement frees the copy of the other direction's bytes.
  if (ack && other.started && seq_lt(other.acked, *ack) && seq_le(*ack, other.next + 1))
    other.acked = seq_lt(other.next, *ack) ? other.next : *ack;
  if (!me.started) return {Action::Drop, Reason::TcpOutOfWindow};
  const uint32_t len = static_cast<uint32_t>(payload.size());
  if (len == 0 && !fin) return {};
  const uint32_t end = seq + len;
  if (me.fin && len > 0 && seq_lt(me.next - 1, end))
    return {Action::Drop, Reason::TcpOutOfWindow};  // data beyond the FIN
  if (seq_lt(me.next, seq)) return {Action::Drop, Reason::TcpOutOfOrder};

  // Old bytes [seq, min(end, next)): compare those the receiver has not acknowledged.
  uint32_t old_end = seq_lt(end, me.next) ? end : me.next;
  uint32_t cmp_from = seq_lt(seq, me.acked) ? me.acked : seq;
  if (seq_lt(cmp_from, old_end)) {
    const uint8_t* r = ring(s, d);
    for (uint32_t x = cmp_from; x != old_end; ++x)
      if (r[x & (window_ - 1)] != payload[x - seq]) return {Action::Drop, Reason::TcpOverlapConflict};
  }
  SegmentResult res;
  // New bytes [next, end).
  if (seq_lt(me.next, end)) {
    const uint32_t skip = me.next - seq;
    const uint32_t n = end - me.next;
    if (static_cast<size_t>(end - me.acked) > window_)
      return {Action::Drop, Reason::TcpStreamWindowFull};
    auto fresh = payload.subspan(skip, n);
    if (inspector) {
      Decision dec = inspector->on_data(*state, d, std::as_bytes(fresh), ctx);
      if (dec.verdict == Verdict::Deny)
        return {Action::Kill, dec.reason == Reason::Forwarded ? Reason::InspectorDeny : dec.reason};
      if (dec.verdict == Verdict::PassThrough) res.pass_through = true;
    }
    uint8_t* r = ring(s, d);
    for (uint32_t i = 0; i < n; ++i) r[(me.next + i) & (window_ - 1)] = fresh[i];
    me.next = end;
  }
  if (fin && end == me.next && !me.fin) {
    if (inspector) {
      const Decision dec = inspector->on_end(*state, d, ctx);
      if (dec.verdict == Verdict::Deny)
        return {Action::Kill, dec.reason == Reason::Forwarded ? Reason::InspectorDeny : dec.reason};
    }
    me.fin = true;
    me.next += 1;  // the FIN occupies one sequence number
  }
  return res;
}

}  // namespace pw::proto
