// A small packet builder for tests: Ethernet (+802.1Q/802.1ad), IPv4 (+options), IPv6
// (+extension headers), TCP (+options), UDP, ICMP/ICMPv6, ARP, fragments; correct lengths and
// checksums unless told otherwise. Writes pcaps too.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pw::testing {

using Bytes = std::vector<uint8_t>;

struct L2 {
  L2() = default;
  L2(std::vector<uint16_t> v) : vlans(std::move(v)) {}  // NOLINT: implicit on purpose
  std::vector<uint16_t> vlans;  // outer first; two tags: 802.1ad (0x88a8) then 802.1Q
  uint8_t src_mac_last = 1;
  uint8_t dst_mac_last = 2;
};

struct Ip {
  Ip() = default;
  Ip(std::string s, std::string d) : src(std::move(s)), dst(std::move(d)) {}
  std::string src, dst;  // v4 or v6 literal
  uint8_t ttl = 64;
  uint16_t id = 1;
  Bytes v4_options;  // raw, padded by the caller to a multiple of 4
  // IPv6 extension headers before the upper layer, as (next-header type, body) where body is
  // the header without its first two bytes (next header, length); padded to 8-byte units.
  std::vector<std::pair<uint8_t, Bytes>> v6_ext;
};

struct Tcp {
  Tcp() = default;
  Tcp(uint16_t sp, uint16_t dp, uint8_t fl, uint32_t sq, uint32_t ak)
      : sport(sp), dport(dp), flags(fl), seq(sq), ack(ak) {}
  uint16_t sport = 40000, dport = 80;
  uint8_t flags = 0x10;  // ACK
  uint32_t seq = 1000, ack = 0;
  uint16_t window = 65535;
  uint16_t urgent = 0;  // urgent pointer (set URG in flags for it to mean anything)
  Bytes options;  // raw, padded to a multiple of 4
};

Bytes ipv4_datagram(const Ip& ip, uint8_t proto, std::span<const uint8_t> l4);
Bytes ipv6_datagram(const Ip& ip, uint8_t proto, std::span<const uint8_t> l4);
Bytes ip_datagram(const Ip& ip, uint8_t proto, std::span<const uint8_t> l4);
Bytes ether(const L2& l2, uint16_t ethertype, std::span<const uint8_t> payload);

// L4 segments with checksums for the given addresses.
Bytes tcp_segment(const Ip& ip, const Tcp& t, std::span<const uint8_t> payload);
Bytes udp_datagram(const Ip& ip, uint16_t sport, uint16_t dport, std::span<const uint8_t> payload);
Bytes icmp_message(const Ip& ip, uint8_t type, uint8_t code, uint32_t rest,
                   std::span<const uint8_t> payload);

// Whole frames.
Bytes tcp_frame(const Ip& ip, const Tcp& t, std::span<const uint8_t> payload = {},
                const L2& l2 = {});
Bytes tcp_frame(const Ip& ip, const Tcp& t, const std::string& payload, const L2& l2 = {});
Bytes udp_frame(const Ip& ip, uint16_t sport, uint16_t dport, std::span<const uint8_t> payload = {},
                const L2& l2 = {});
Bytes icmp_frame(const Ip& ip, uint8_t type, uint8_t code, uint32_t rest = 0,
                 std::span<const uint8_t> payload = {}, const L2& l2 = {});
Bytes arp_frame(const std::string& sender, const std::string& target, const L2& l2 = {});

// Splits the IP datagram of `frame` (not itself a fragment) into fragments at the given payload
// offsets (multiples of 8, ascending, excluding 0); IPv6 gets a fragment header.
std::vector<Bytes> fragment(const Bytes& frame, const std::vector<size_t>& cuts, uint32_t id = 7);
// One raw fragment of an IPv4/IPv6 datagram: `payload` at byte `offset` of the fragmentable part.
Bytes raw_fragment(const Ip& ip, uint8_t proto, size_t offset, bool more,
                   std::span<const uint8_t> payload, uint32_t id = 7, const L2& l2 = {});

struct PcapFrame {
  Bytes data;
  uint64_t ts_ns = 0;
};
// Writes an Ethernet pcap (nanosecond timestamps); returns false on error.
bool write_pcap(const std::string& path, const std::vector<PcapFrame>& frames);
std::vector<PcapFrame> read_pcap(const std::string& path);

Bytes bytes(const std::string& s);

// Appends `more` to `to`, element by element: GCC 12 at -O3 reports vector::insert of a range at
// the end of a small vector as a read out of bounds (-Warray-bounds), which it is not.
inline void append(Bytes& to, std::span<const uint8_t> more) {
  to.reserve(to.size() + more.size());
  for (uint8_t b : more) to.push_back(b);
}

}  // namespace pw::testing
