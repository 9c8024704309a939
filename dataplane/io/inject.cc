#include "dataplane/io/inject.h"

#include <algorithm>
#include <cstring>

namespace pw::dp {

namespace {

// Ethernet header (MACs swapped toward the sender) and the VLAN tags of `v`; returns its length.
size_t l2_header(const PacketView& v, bool to_sender, uint8_t* out) {
  const uint8_t* f = v.frame.data();
  if (to_sender) {
    std::memcpy(out, f + 6, 6);
    std::memcpy(out + 6, f, 6);
  } else {
    std::memcpy(out, f, 12);
  }
  size_t tags = v.l3_offset - 12;  // tags and the final ethertype
  std::memcpy(out + 12, f + 12, tags);
  return v.l3_offset;
}

size_t ip_header(const PacketView& v, const IpAddr& src, const IpAddr& dst, uint8_t proto,
                 size_t payload, uint8_t* out) {
  if (v.l3 == L3::Ipv4) {
    out[0] = 0x45;
    out[1] = 0;
    store16(out + 2, static_cast<uint16_t>(20 + payload));
    store16(out + 4, 0);
    store16(out + 6, 0x4000);  // DF
    out[8] = 64;
    out[9] = proto;
    store16(out + 10, 0);
    std::memcpy(out + 12, src.bytes.data(), 4);
    std::memcpy(out + 16, dst.bytes.data(), 4);
    store16(out + 10, ipv4_header_checksum({out, 20}));
    return 20;
  }
  store32(out, 0x60000000);
  store16(out + 4, static_cast<uint16_t>(payload));
  out[6] = proto;
  out[7] = 64;
  std::memcpy(out + 8, src.bytes.data(), 16);
  std::memcpy(out + 24, dst.bytes.data(), 16);
  return 40;
}

void finish_checksum(uint8_t* l3, size_t ip_len, size_t l4_len, size_t csum_at, const IpAddr& src,
                     const IpAddr& dst, uint8_t proto, L3 family) {
  PacketView pv;
  pv.l3 = family;
  pv.src = src;
  pv.dst = dst;
  pv.ip_proto = proto;
  uint8_t* l4 = l3 + ip_len;
  store16(l4 + csum_at, 0);
  store16(l4 + csum_at, l4_checksum(pv, {l4, l4_len}));
}

}  // namespace

size_t build_tcp_rst(const PacketView& v, bool to_sender, uint32_t seq, uint32_t ack,
                     bool with_ack, std::span<uint8_t> out) {
  if (v.ip_proto != kProtoTcp || !v.is_ip()) return 0;
  size_t need = v.l3_offset + 40 + 20;
  if (out.size() < need || v.l3_offset > 64) return 0;
  uint8_t* p = out.data();
  size_t l2 = l2_header(v, to_sender, p);
  const IpAddr& src = to_sender ? v.dst : v.src;
  const IpAddr& dst = to_sender ? v.src : v.dst;
  size_t ih = ip_header(v, src, dst, kProtoTcp, 20, p + l2);
  uint8_t* t = p + l2 + ih;
  store16(t, to_sender ? v.dport : v.sport);
  store16(t + 2, to_sender ? v.sport : v.dport);
  store32(t + 4, seq);
  store32(t + 8, with_ack ? ack : 0);
  t[12] = 5 << 4;
  t[13] = static_cast<uint8_t>(kRst | (with_ack ? kAck : 0));
  store16(t + 14, 0);
  store16(t + 16, 0);
  store16(t + 18, 0);
  finish_checksum(p + l2, ih, 20, 16, src, dst, kProtoTcp, v.l3);
  return l2 + ih + 20;
}

size_t build_icmp_prohibited(const PacketView& v, std::span<uint8_t> out) {
  if (!v.is_ip() || v.l3_offset > 64) return 0;
  const bool v4 = v.l3 == L3::Ipv4;
  // Quote: IPv4 header + 8 bytes (RFC 792); IPv6: as much as keeps the packet <= 1280 (RFC 4443).
  size_t quote = v4 ? std::min(v.ip.size(), size_t{(v.ip[0] & 0x0fu) * 4u + 8u})
                    : std::min(v.ip.size(), size_t{1280 - 40 - 8});
  size_t need = v.l3_offset + (v4 ? 20 : 40) + 8 + quote;
  if (out.size() < need) return 0;
  uint8_t* p = out.data();
  size_t l2 = l2_header(v, true, p);
  const uint8_t proto = v4 ? kProtoIcmp : kProtoIcmpv6;
  size_t ih = ip_header(v, v.dst, v.src, proto, 8 + quote, p + l2);
  uint8_t* m = p + l2 + ih;
  m[0] = v4 ? 3 : 1;   // destination unreachable
  m[1] = v4 ? 13 : 1;  // communication administratively prohibited
  store16(m + 2, 0);
  store32(m + 4, 0);
  std::memcpy(m + 8, v.ip.data(), quote);
  if (v4) {
    store16(m + 2, ipv4_header_checksum({m, 8 + quote}));
  } else {
    finish_checksum(p + l2, ih, 8 + quote, 2, v.dst, v.src, proto, v.l3);
  }
  return l2 + ih + 8 + quote;
}

}  // namespace pw::dp
