// Frames the gateway builds itself: TCP RST and ICMP/ICMPv6 "administratively prohibited"
// unreachables, addressed as if from the other end of the packet they answer (a transparent
// bridge has no address of its own), same VLAN tags.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/packet.h"

namespace pw::dp {

inline constexpr size_t kMaxInjectedFrame = 1400;

// A RST toward the sender of `v` (to_sender) or toward its receiver. With `with_ack`, RST|ACK.
// Returns the frame length, 0 when `v` is not TCP or `out` is too small.
size_t build_tcp_rst(const PacketView& v, bool to_sender, uint32_t seq, uint32_t ack,
                     bool with_ack, std::span<uint8_t> out);

// ICMP type 3 code 13 (RFC 1812) or ICMPv6 type 1 code 1 (RFC 4443) toward the sender of `v`,
// quoting as much of the offending datagram as the RFCs allow (8 bytes past the IPv4 header;
// up to 1280 bytes in all for IPv6).
size_t build_icmp_prohibited(const PacketView& v, std::span<uint8_t> out);

}  // namespace pw::dp
