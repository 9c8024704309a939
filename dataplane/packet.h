// A parsed frame: offsets and decoded fields, no copies. Pure C++ (no DPDK), so the same parser
// runs in the DPDK workers, `printwall replay`, the tests and the fuzzers.
#pragma once

#include <cstdint>
#include <span>

#include "common/ip.h"
#include "common/reason.h"

namespace pw::dp {

inline constexpr uint16_t kEtherIpv4 = 0x0800;
inline constexpr uint16_t kEtherArp = 0x0806;
inline constexpr uint16_t kEtherVlan = 0x8100;
inline constexpr uint16_t kEtherQinQ = 0x88a8;
inline constexpr uint16_t kEtherIpv6 = 0x86dd;
inline constexpr uint16_t kEtherEapol = 0x888e;
inline constexpr uint16_t kEtherLldp = 0x88cc;

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoIgmp = 2;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;

enum TcpFlag : uint8_t {
  kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20,
};

inline uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t load32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline void store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

enum class L3 : uint8_t { None, Arp, Ipv4, Ipv6, Other };

struct PacketView {
  std::span<const uint8_t> frame;

  // Layer 2.
  uint8_t vlan_count = 0;
  uint16_t vlan_outer = 0;  // VLAN IDs (12 bits); outer is the S-tag with QinQ
  uint16_t vlan_inner = 0;
  uint16_t ethertype = 0;  // after the tags
  uint16_t l3_offset = 0;  // into frame
  L3 l3 = L3::None;

  // Layer 3. `ip` is the IP datagram (header to the end of the IP length, Ethernet padding
  // excluded); for a reassembled datagram it points into the reassembly buffer.
  std::span<const uint8_t> ip;
  IpAddr src, dst;
  uint8_t ip_proto = 0;  // upper-layer protocol (after IPv6 extension headers)
  uint8_t ttl = 0;
  uint16_t l4_offset = 0;  // into ip
  bool is_fragment = false;
  bool more_fragments = false;
  uint16_t frag_offset = 0;  // bytes
  uint32_t frag_id = 0;
  uint16_t frag_payload_offset = 0;  // into ip: first byte after the fragmentable part's headers

  // Layer 4 (valid when !is_fragment).
  uint16_t sport = 0, dport = 0;
  uint8_t tcp_flags = 0;
  uint32_t seq = 0, ack = 0;
  uint16_t window = 0;
  uint8_t wscale = 0xff;  // 0xff: no window-scale option
  uint8_t icmp_type = 0, icmp_code = 0;
  uint16_t payload_offset = 0;  // into ip
  uint16_t payload_length = 0;

  std::span<const uint8_t> payload() const { return ip.subspan(payload_offset, payload_length); }
  // TCP only (after parse_l4): the urgent pointer, meaningful when URG is set (RFC 9293 3.8.5).
  uint16_t tcp_urgent_pointer() const { return load16(&ip[l4_offset + 18u]); }
  bool is_ip() const { return l3 == L3::Ipv4 || l3 == L3::Ipv6; }
  bool is_multicast_dst() const;
};

// Parses layers 2 to 4. Returns Reason::Forwarded when the frame is well formed (fragments stop
// after layer 3: reassemble, then call parse_l4), or the reason to drop it. Never reads outside
// `frame`.
Reason parse_frame(std::span<const uint8_t> frame, PacketView& v);

// Parses the layer-4 header of `v.ip` at `v.l4_offset` (used again on reassembled datagrams).
Reason parse_l4(PacketView& v);

// Internet checksum of `hdr` (RFC 1071; IPv4 header, ICMP); 0 when the stored one is right.
uint16_t ipv4_header_checksum(std::span<const uint8_t> hdr);
// TCP/UDP/ICMPv6 checksum over the pseudo-header and `l4` (RFC 793, 768, 8200 section 8.1);
// 0 when the stored checksum is right.
uint16_t l4_checksum(const PacketView& v, std::span<const uint8_t> l4);
bool l4_checksum_ok(const PacketView& v);

}  // namespace pw::dp
