// TCP connection tracking for a bump in the wire: the handshake and its retransmissions, the
// window checks of RFC 9293 and the reset checks of RFC 5961, per flow, in two steps so that a
// segment is judged before anything of it is inspected and recorded only once it is forwarded.
// Pure functions over the Flow's two TcpSides and state; the pipeline acts on what they report.
#pragma once

#include "common/reason.h"
#include "dataplane/flow_table.h"
#include "dataplane/packet.h"

namespace pw::dp {

// Whether segment `v` from `side` (0: the initiator) fits the tracked connection: Forwarded,
// or the reason to drop it (tcp-out-of-window, tcp-rst-out-of-window). Not for a flow's first
// segment (its SYN).
//  - SYN: a retransmission with the same ISN; SYN-ACK: acknowledging the SYN, or a
//    retransmission with the same ISN (forwarded, changes nothing); anything else is forged.
//  - RST: only between what the receiver acknowledged and what was sent to it (RFC 5961 3: a
//    receiver resets only at its RCV.NXT); any other is blind or stale, and dropped.
//  - data within the receiver's window, not older than a window; ACKs of bytes sent.
Reason tcp_check(const PacketView& v, const Flow& fl, int side);

// What recording a forwarded segment changed.
struct TcpChange {
  bool fin = false;     // this side sent its FIN
  bool closed = false;  // reset, or both FINs sent and acknowledged: no byte can come again
};
// Records forwarded segment `v`: sequence ends, windows, acknowledgements, state. A pure ACK's
// sequence number never moves a side's end (the RSTs the gateway builds use it).
TcpChange tcp_commit(const PacketView& v, Flow& fl, int side);

}  // namespace pw::dp
