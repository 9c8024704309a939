#include "dataplane/tcp_tracker.h"

#include <algorithm>

namespace pw::dp {

namespace {
// Sequence-space comparisons (RFC 9293 section 3.4, modulo 2^32).
bool seq_lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool seq_gt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }
}  // namespace

Reason tcp_check(const PacketView& v, const Flow& fl, int side) {
  const TcpSide& me = fl.tcp[static_cast<size_t>(side)];
  const TcpSide& peer = fl.tcp[static_cast<size_t>(1 - side)];
  const uint8_t fg = v.tcp_flags;
  if (fg & kSyn) {
    if (side == 0) {
      // A retransmitted SYN carries the same initial sequence number.
      if ((fg & kAck) || fl.state != FlowState::TcpSynSent || v.seq != me.isn)
        return Reason::TcpOutOfWindow;
      return Reason::Forwarded;
    }
    if (!(fg & kAck) || v.ack != peer.isn + 1) return Reason::TcpOutOfWindow;
    if (fl.state == FlowState::TcpSynSent) return Reason::Forwarded;
    // A retransmitted SYN-ACK (the responder did not get the handshake's ACK) carries the same
    // ISN; it changes nothing. Any other SYN-ACK is forged.
    if ((fl.state == FlowState::TcpSynReceived || fl.state == FlowState::TcpEstablished) &&
        v.seq == me.isn)
      return Reason::Forwarded;
    return Reason::TcpOutOfWindow;
  }
  if (fl.state == FlowState::TcpSynSent) {
    // Before the SYN-ACK only the responder's RST acknowledging the SYN is acceptable.
    if (side == 1 && (fg & kRst) && (fg & kAck) && v.ack == peer.isn + 1)
      return Reason::Forwarded;
    return Reason::TcpOutOfWindow;
  }
  const uint32_t len = v.payload_length + ((fg & kFin) ? 1 : 0);
  const uint32_t peer_win = std::max<uint32_t>(peer.max_win, 1);
  const uint32_t slack = std::max<uint32_t>(peer.max_win, 65535);
  if (fg & kRst) {
    // RFC 5961 section 3: the receiver resets only on a RST at exactly its RCV.NXT, which lies
    // between the last byte it acknowledged and the end of what was sent to it. Any other RST,
    // even inside the window, is blind or stale: the gateway neither forwards it (an older
    // printer stack would honour it) nor lets it close the flow.
    if (seq_lt(v.seq, peer.acked) || seq_gt(v.seq, me.end)) return Reason::TcpRstOutOfWindow;
    return Reason::Forwarded;
  }
  // Data must fit the receiver's window (plus one byte: zero-window probes), and must not be
  // older than one window behind what this side already sent.
  if (seq_gt(v.seq + len, peer.acked + peer_win + 1)) return Reason::TcpOutOfWindow;
  if (seq_lt(v.seq + len, me.end - slack)) return Reason::TcpOutOfWindow;
  // An ACK cannot acknowledge bytes the other side never sent.
  if ((fg & kAck) && seq_gt(v.ack, peer.end)) return Reason::TcpOutOfWindow;
  if ((fg & kAck) && seq_lt(v.ack, peer.end - std::max<uint32_t>(me.max_win, 66000) - 65535))
    return Reason::TcpOutOfWindow;
  return Reason::Forwarded;
}

TcpChange tcp_commit(const PacketView& v, Flow& fl, int side) {
  TcpSide& me = fl.tcp[static_cast<size_t>(side)];
  TcpSide& peer = fl.tcp[static_cast<size_t>(1 - side)];
  const uint8_t fg = v.tcp_flags;
  if (fg & kSyn) {
    if (side == 1 && fl.state != FlowState::TcpSynSent) return {};  // a retransmitted SYN-ACK
    me.isn = v.seq;
    me.end = v.seq + 1 + v.payload_length;
    me.wscale = v.wscale;
    me.max_win = v.window;  // never scaled in a SYN (RFC 7323 section 2.2)
    if (side == 1) {
      me.acked = v.ack;
      peer.acked = v.seq;  // bounds the responder's data until the initiator acknowledges
      fl.state = FlowState::TcpSynReceived;
    }
    return {};
  }
  const bool scaled = fl.tcp[0].wscale != 0xff && fl.tcp[1].wscale != 0xff;
  const uint32_t win = uint32_t{v.window} << (scaled ? me.wscale : 0);
  me.max_win = std::max(me.max_win, win);
  // Only bytes move the end of what a side sent: a pure ACK's sequence number is not checked by
  // the receiver, so a forged one must not move it (the RSTs the gateway builds use it).
  const uint32_t len = v.payload_length + ((fg & kFin) ? 1 : 0);
  const uint32_t end = v.seq + len;
  if (len > 0 && seq_gt(end, me.end)) me.end = end;
  if ((fg & kAck) && seq_gt(v.ack, me.acked)) me.acked = v.ack;
  TcpChange change;
  if (fg & kFin) {
    me.fin = true;
    change.fin = true;
  }
  if (fg & kRst) {
    fl.state = FlowState::TcpClosing;
    change.closed = true;
    return change;
  }
  if (fl.state == FlowState::TcpSynReceived && side == 0 && (fg & kAck) && v.ack == peer.isn + 1) {
    fl.state = FlowState::TcpEstablished;
  }
  if (me.fin && peer.fin) fl.state = FlowState::TcpClosing;
  // Both FINs sent and acknowledged: no byte of the flow can be retransmitted any more, so the
  // inspection state goes now rather than at the end of the closing timeout.
  const TcpSide& a = fl.tcp[0];
  const TcpSide& b = fl.tcp[1];
  change.closed = a.fin && b.fin && !seq_gt(a.end, b.acked) && !seq_gt(b.end, a.acked);
  return change;
}

}  // namespace pw::dp
