// Ethernet / 802.1Q / 802.1ad, ARP, IPv4 (options), IPv6 (extension headers), TCP (options),
// UDP, ICMP, ICMPv6. Every read is bounds-checked against the span it reads from.
#include <algorithm>
#include <array>

#include "dataplane/packet.h"

namespace pw::dp {

namespace {

constexpr size_t kEthHeader = 14;
constexpr int kMaxIpv6ExtHeaders = 8;

Reason parse_arp(std::span<const uint8_t> l3) {
  // Ethernet/IPv4 ARP (RFC 826): htype 1, ptype 0x0800, hlen 6, plen 4, 28 bytes.
  if (l3.size() < 28) return Reason::MalformedArp;
  if (load16(&l3[0]) != 1 || load16(&l3[2]) != kEtherIpv4 || l3[4] != 6 || l3[5] != 4)
    return Reason::MalformedArp;
  uint16_t op = load16(&l3[6]);
  if (op != 1 && op != 2) return Reason::MalformedArp;
  return Reason::Forwarded;
}

Reason parse_ipv4_options(std::span<const uint8_t> opts) {
  size_t i = 0;
  while (i < opts.size()) {
    uint8_t type = opts[i];
    if (type == 0) break;  // end of option list
    if (type == 1) {       // no-operation
      ++i;
      continue;
    }
    if (i + 1 >= opts.size()) return Reason::MalformedIpv4;
    uint8_t len = opts[i + 1];
    if (len < 2 || i + len > opts.size()) return Reason::MalformedIpv4;
    if (type == 131 || type == 137) return Reason::Ipv4SourceRoute;  // LSRR, SSRR
    i += len;
  }
  return Reason::Forwarded;
}

Reason parse_ipv4(std::span<const uint8_t> l3, PacketView& v) {
  if (l3.size() < 20) return Reason::MalformedIpv4;
  if ((l3[0] >> 4) != 4) return Reason::MalformedIpv4;
  size_t ihl = size_t{l3[0] & 0x0fu} * 4;
  if (ihl < 20 || ihl > l3.size()) return Reason::MalformedIpv4;
  size_t total = load16(&l3[2]);
  if (total < ihl || total > l3.size()) return Reason::MalformedIpv4;
  if (ipv4_header_checksum(l3.first(ihl)) != 0) return Reason::BadIpv4Checksum;
  if (Reason r = parse_ipv4_options(l3.subspan(20, ihl - 20)); r != Reason::Forwarded) return r;
  v.ip = l3.first(total);
  v.l3 = L3::Ipv4;
  v.src = IpAddr::v4(load32(&l3[12]));
  v.dst = IpAddr::v4(load32(&l3[16]));
  v.ttl = l3[8];
  v.ip_proto = l3[9];
  uint16_t frag = load16(&l3[6]);
  if (frag & 0x8000) return Reason::MalformedIpv4;  // reserved flag must be zero (RFC 791)
  v.more_fragments = frag & 0x2000;
  v.frag_offset = static_cast<uint16_t>((frag & 0x1fff) * 8);
  v.is_fragment = v.more_fragments || v.frag_offset != 0;
  v.frag_id = load16(&l3[4]);
  v.l4_offset = static_cast<uint16_t>(ihl);
  v.frag_payload_offset = static_cast<uint16_t>(ihl);
  if (v.ip_proto != kProtoTcp && v.ip_proto != kProtoUdp && v.ip_proto != kProtoIcmp &&
      v.ip_proto != kProtoIgmp)
    return Reason::UnsupportedIpProto;
  return Reason::Forwarded;
}

Reason parse_ipv6(std::span<const uint8_t> l3, PacketView& v) {
  if (l3.size() < 40) return Reason::MalformedIpv6;
  if ((l3[0] >> 4) != 6) return Reason::MalformedIpv6;
  size_t payload = load16(&l3[4]);
  // Payload length 0 announces a jumbogram (RFC 2675), which Ethernet cannot carry.
  if (payload == 0 || 40 + payload > l3.size()) return Reason::MalformedIpv6;
  v.ip = l3.first(40 + payload);
  v.l3 = L3::Ipv6;
  std::array<uint8_t, 16> a, b;
  std::copy(&l3[8], &l3[24], a.begin());
  std::copy(&l3[24], &l3[40], b.begin());
  v.src = IpAddr::v6(a);
  v.dst = IpAddr::v6(b);
  v.ttl = l3[7];
  const auto ip = v.ip;
  uint8_t next = l3[6];
  size_t off = 40;
  int seen_hbh = 0, seen_rt = 0, seen_frag = 0, seen_dst = 0;
  for (int n = 0;; ++n) {
    if (n > kMaxIpv6ExtHeaders) return Reason::MalformedIpv6Ext;
    switch (next) {
      case kProtoTcp:
      case kProtoUdp:
      case kProtoIcmpv6:
        v.ip_proto = next;
        v.l4_offset = static_cast<uint16_t>(off);
        if (!v.is_fragment) v.frag_payload_offset = static_cast<uint16_t>(off);
        return Reason::Forwarded;
      case 0:   // hop-by-hop options: only directly after the IPv6 header (RFC 8200 4.1)
      case 43:  // routing
      case 60:  // destination options
      case 51: {  // authentication header (RFC 4302): length in 4-byte units minus 2
        if (next == 0 && (off != 40 || seen_hbh++)) return Reason::MalformedIpv6Ext;
        if (next == 43 && seen_rt++) return Reason::MalformedIpv6Ext;
        if (next == 60 && ++seen_dst > 2) return Reason::MalformedIpv6Ext;
        if (off + 8 > ip.size()) return Reason::MalformedIpv6Ext;
        size_t len = next == 51 ? (size_t{ip[off + 1]} + 2) * 4 : (size_t{ip[off + 1]} + 1) * 8;
        if (off + len > ip.size()) return Reason::MalformedIpv6Ext;
        if (next == 43 && ip[off + 2] == 0) return Reason::Ipv6RoutingType0;
        next = ip[off];
        off += len;
        break;
      }
      case 44: {  // fragment
        if (seen_frag++) return Reason::MalformedIpv6Ext;
        if (off + 8 > ip.size()) return Reason::MalformedIpv6Ext;
        uint16_t fo = load16(&ip[off + 2]);
        uint16_t offset = fo & 0xfff8;
        bool more = fo & 1;
        uint8_t inner = ip[off];
        if (offset != 0 || more) {
          // A real fragment: the rest is the fragmentable part, parsed after reassembly.
          v.is_fragment = true;
          v.more_fragments = more;
          v.frag_offset = offset;
          v.frag_id = load32(&ip[off + 4]);
          v.frag_payload_offset = static_cast<uint16_t>(off + 8);
          v.ip_proto = inner;
          v.l4_offset = static_cast<uint16_t>(off + 8);
          return Reason::Forwarded;
        }
        // An atomic fragment (RFC 6946) is processed as a whole datagram.
        next = inner;
        off += 8;
        break;
      }
      case 135: case 139: case 140: case 253: case 254:  // mobility, HIP, shim6, experiments
        return Reason::UnknownIpv6Ext;
      default:
        v.ip_proto = next;
        return Reason::UnsupportedIpProto;
    }
  }
}

Reason parse_tcp_options(std::span<const uint8_t> opts, PacketView& v) {
  size_t i = 0;
  while (i < opts.size()) {
    uint8_t kind = opts[i];
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= opts.size()) return Reason::MalformedTcp;
    uint8_t len = opts[i + 1];
    if (len < 2 || i + len > opts.size()) return Reason::MalformedTcp;
    switch (kind) {
      case 2:  // MSS
        if (len != 4) return Reason::MalformedTcp;
        break;
      case 3:  // window scale (RFC 7323: shift at most 14)
        if (len != 3) return Reason::MalformedTcp;
        v.wscale = std::min<uint8_t>(opts[i + 2], 14);
        break;
      case 4:  // SACK permitted
        if (len != 2) return Reason::MalformedTcp;
        break;
      case 5:  // SACK blocks
        if ((len - 2) % 8 != 0) return Reason::MalformedTcp;
        break;
      case 8:  // timestamps
        if (len != 10) return Reason::MalformedTcp;
        break;
      default:
        break;
    }
    i += len;
  }
  return Reason::Forwarded;
}

}  // namespace

bool PacketView::is_multicast_dst() const {
  if (l3 == L3::Ipv4) {
    uint32_t d = dst.v4_host_order();
    return (d >> 28) == 0xe || d == 0xffffffffu;
  }
  return l3 == L3::Ipv6 && dst.bytes[0] == 0xff;
}

uint16_t ipv4_header_checksum(std::span<const uint8_t> hdr) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < hdr.size(); i += 2) sum += load16(&hdr[i]);
  if (i < hdr.size()) sum += uint32_t{hdr[i]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t l4_checksum(const PacketView& v, std::span<const uint8_t> l4) {
  uint64_t sum = 0;
  auto add_bytes = [&](const uint8_t* p, size_t n) {
    size_t i = 0;
    for (; i + 1 < n; i += 2) sum += load16(p + i);
    if (i < n) sum += uint32_t{p[i]} << 8;
  };
  if (v.l3 == L3::Ipv4) {
    add_bytes(v.src.bytes.data(), 4);
    add_bytes(v.dst.bytes.data(), 4);
    sum += v.ip_proto;
    sum += l4.size();
  } else {
    add_bytes(v.src.bytes.data(), 16);
    add_bytes(v.dst.bytes.data(), 16);
    sum += l4.size();
    sum += v.ip_proto;
  }
  add_bytes(l4.data(), l4.size());
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

bool l4_checksum_ok(const PacketView& v) {
  auto l4 = v.ip.subspan(v.l4_offset);
  // An all-zero UDP checksum over IPv4 means "none" (RFC 768); IPv6 requires one (RFC 8200).
  if (v.ip_proto == kProtoUdp && v.l3 == L3::Ipv4 && l4.size() >= 8 && load16(&l4[6]) == 0)
    return true;
  return l4_checksum(v, l4) == 0;
}

Reason parse_l4(PacketView& v) {
  if (v.l4_offset > v.ip.size()) return Reason::MalformedIpv4;
  auto l4 = v.ip.subspan(v.l4_offset);
  switch (v.ip_proto) {
    case kProtoTcp: {
      if (l4.size() < 20) return Reason::MalformedTcp;
      size_t doff = static_cast<size_t>(l4[12] >> 4) * 4;
      if (doff < 20 || doff > l4.size()) return Reason::MalformedTcp;
      v.sport = load16(&l4[0]);
      v.dport = load16(&l4[2]);
      if (v.sport == 0 || v.dport == 0) return Reason::MalformedTcp;
      v.seq = load32(&l4[4]);
      v.ack = load32(&l4[8]);
      v.tcp_flags = l4[13];
      v.window = load16(&l4[14]);
      if (Reason r = parse_tcp_options(l4.subspan(20, doff - 20), v); r != Reason::Forwarded)
        return r;
      const uint8_t f = v.tcp_flags;
      if ((f & (kSyn | kFin | kRst | kAck)) == 0) return Reason::TcpBadFlags;  // null, xmas
      if ((f & kSyn) && (f & (kFin | kRst))) return Reason::TcpBadFlags;
      if ((f & kFin) && !(f & kAck)) return Reason::TcpBadFlags;  // FIN scan
      v.payload_offset = static_cast<uint16_t>(v.l4_offset + doff);
      v.payload_length = static_cast<uint16_t>(l4.size() - doff);
      return Reason::Forwarded;
    }
    case kProtoUdp: {
      if (l4.size() < 8) return Reason::MalformedUdp;
      size_t len = load16(&l4[4]);
      if (len != l4.size()) return Reason::MalformedUdp;
      v.sport = load16(&l4[0]);
      v.dport = load16(&l4[2]);
      if (v.dport == 0) return Reason::MalformedUdp;
      v.payload_offset = static_cast<uint16_t>(v.l4_offset + 8);
      v.payload_length = static_cast<uint16_t>(len - 8);
      return Reason::Forwarded;
    }
    case kProtoIcmp:
    case kProtoIcmpv6: {
      if (l4.size() < 8) return Reason::MalformedIcmp;
      v.icmp_type = l4[0];
      v.icmp_code = l4[1];
      // Echo request/reply: the identifier stands in for both ports, so that a request and its
      // reply are one flow.
      bool echo = v.ip_proto == kProtoIcmp ? (v.icmp_type == 8 || v.icmp_type == 0)
                                           : (v.icmp_type == 128 || v.icmp_type == 129);
      v.sport = v.dport = echo ? load16(&l4[4]) : 0;
      v.payload_offset = static_cast<uint16_t>(v.l4_offset + 8);
      v.payload_length = static_cast<uint16_t>(l4.size() - 8);
      return Reason::Forwarded;
    }
    case kProtoIgmp: {
      // IGMP (RFC 3376 4): type, then at least 7 more bytes. The pipeline passes only the
      // segment's own membership messages (TTL 1, to a multicast group).
      if (v.l3 != L3::Ipv4 || l4.size() < 8) return Reason::UnsupportedIpProto;
      v.icmp_type = l4[0];
      v.payload_offset = static_cast<uint16_t>(v.l4_offset + 8);
      v.payload_length = static_cast<uint16_t>(l4.size() - 8);
      return Reason::Forwarded;
    }
    default:
      return Reason::UnsupportedIpProto;
  }
}

Reason parse_frame(std::span<const uint8_t> frame, PacketView& v) {
  v = PacketView{};
  v.frame = frame;
  if (frame.size() < kEthHeader) return Reason::MalformedEthernet;
  size_t off = 12;
  uint16_t et = load16(&frame[off]);
  while (et == kEtherVlan || et == kEtherQinQ) {
    if (v.vlan_count == 2) return Reason::TooManyVlanTags;
    if (off + 6 > frame.size()) return Reason::MalformedVlan;
    uint16_t vid = load16(&frame[off + 2]) & 0x0fff;
    if (v.vlan_count == 0) v.vlan_outer = vid;
    else v.vlan_inner = vid;
    ++v.vlan_count;
    off += 4;
    et = load16(&frame[off]);
  }
  v.ethertype = et;
  off += 2;
  v.l3_offset = static_cast<uint16_t>(off);
  auto l3 = frame.subspan(off);
  switch (et) {
    case kEtherIpv4: {
      Reason r = parse_ipv4(l3, v);
      if (r != Reason::Forwarded || v.is_fragment) return r;
      return parse_l4(v);
    }
    case kEtherIpv6: {
      Reason r = parse_ipv6(l3, v);
      if (r != Reason::Forwarded || v.is_fragment) return r;
      return parse_l4(v);
    }
    case kEtherArp:
      v.l3 = L3::Arp;
      return parse_arp(l3);
    default:
      v.l3 = L3::Other;
      return Reason::Forwarded;
  }
}

}  // namespace pw::dp
