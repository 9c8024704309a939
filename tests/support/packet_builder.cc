#include "tests/support/packet_builder.h"

#include <pcap/pcap.h>

#include <cstring>
#include <stdexcept>

#include "common/ip.h"
#include "dataplane/packet.h"

namespace pw::testing {

namespace {

using dp::load16;
using dp::store16;
using dp::store32;

IpAddr addr(const std::string& s) {
  auto a = parse_ip(s);
  if (!a) throw std::invalid_argument("bad address " + s);
  return *a;
}

bool is_v6(const Ip& ip) { return ip.src.find(':') != std::string::npos; }

uint16_t checksum(const Ip& ip, uint8_t proto, std::span<const uint8_t> l4) {
  dp::PacketView v;
  v.l3 = is_v6(ip) ? dp::L3::Ipv6 : dp::L3::Ipv4;
  v.src = addr(ip.src);
  v.dst = addr(ip.dst);
  v.ip_proto = proto;
  return dp::l4_checksum(v, l4);
}

}  // namespace

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes ipv4_datagram(const Ip& ip, uint8_t proto, std::span<const uint8_t> l4) {
  size_t hl = 20 + ip.v4_options.size();
  Bytes b(hl + l4.size());
  b[0] = static_cast<uint8_t>(0x40 | (hl / 4));
  store16(&b[2], static_cast<uint16_t>(b.size()));
  store16(&b[4], ip.id);
  b[8] = ip.ttl;
  b[9] = proto;
  auto s = addr(ip.src), d = addr(ip.dst);
  std::memcpy(&b[12], s.bytes.data(), 4);
  std::memcpy(&b[16], d.bytes.data(), 4);
  std::copy(ip.v4_options.begin(), ip.v4_options.end(), b.begin() + 20);
  store16(&b[10], dp::ipv4_header_checksum({b.data(), hl}));
  std::copy(l4.begin(), l4.end(), b.begin() + static_cast<long>(hl));
  return b;
}

Bytes ipv6_datagram(const Ip& ip, uint8_t proto, std::span<const uint8_t> l4) {
  Bytes ext;
  uint8_t first = proto;
  for (size_t i = 0; i < ip.v6_ext.size(); ++i) {
    const auto& [type, body] = ip.v6_ext[i];
    if (i == 0) first = type;
    uint8_t next = i + 1 < ip.v6_ext.size() ? ip.v6_ext[i + 1].first : proto;
    size_t total = 2 + body.size();
    size_t padded = (total + 7) / 8 * 8;
    size_t start = ext.size();
    ext.resize(start + padded);
    ext[start] = next;
    ext[start + 1] = static_cast<uint8_t>(padded / 8 - 1);
    if (type == 51) ext[start + 1] = static_cast<uint8_t>(padded / 4 - 2);  // AH counts 4-byte units
    std::copy(body.begin(), body.end(), ext.begin() + static_cast<long>(start + 2));
  }
  Bytes b(40 + ext.size() + l4.size());
  store32(&b[0], 0x60000000);
  store16(&b[4], static_cast<uint16_t>(ext.size() + l4.size()));
  b[6] = first;
  b[7] = ip.ttl;
  auto s = addr(ip.src), d = addr(ip.dst);
  std::memcpy(&b[8], s.bytes.data(), 16);
  std::memcpy(&b[24], d.bytes.data(), 16);
  std::copy(ext.begin(), ext.end(), b.begin() + 40);
  std::copy(l4.begin(), l4.end(), b.begin() + 40 + static_cast<long>(ext.size()));
  return b;
}

Bytes ip_datagram(const Ip& ip, uint8_t proto, std::span<const uint8_t> l4) {
  return is_v6(ip) ? ipv6_datagram(ip, proto, l4) : ipv4_datagram(ip, proto, l4);
}

Bytes ether(const L2& l2, uint16_t ethertype, std::span<const uint8_t> payload) {
  Bytes b(12);
  b[5] = l2.dst_mac_last;
  b[0] = 0x02;
  b[6] = 0x02;
  b[11] = l2.src_mac_last;
  for (size_t i = 0; i < l2.vlans.size(); ++i) {
    uint16_t tpid = (l2.vlans.size() > 1 && i == 0) ? dp::kEtherQinQ : dp::kEtherVlan;
    b.push_back(static_cast<uint8_t>(tpid >> 8));
    b.push_back(static_cast<uint8_t>(tpid));
    b.push_back(static_cast<uint8_t>(l2.vlans[i] >> 8));
    b.push_back(static_cast<uint8_t>(l2.vlans[i]));
  }
  b.push_back(static_cast<uint8_t>(ethertype >> 8));
  b.push_back(static_cast<uint8_t>(ethertype));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes tcp_segment(const Ip& ip, const Tcp& t, std::span<const uint8_t> payload) {
  size_t hl = 20 + t.options.size();
  Bytes b(hl + payload.size());
  store16(&b[0], t.sport);
  store16(&b[2], t.dport);
  store32(&b[4], t.seq);
  store32(&b[8], t.ack);
  b[12] = static_cast<uint8_t>((hl / 4) << 4);
  b[13] = t.flags;
  store16(&b[14], t.window);
  store16(&b[18], t.urgent);
  std::copy(t.options.begin(), t.options.end(), b.begin() + 20);
  std::copy(payload.begin(), payload.end(), b.begin() + static_cast<long>(hl));
  store16(&b[16], checksum(ip, dp::kProtoTcp, b));
  return b;
}

Bytes udp_datagram(const Ip& ip, uint16_t sport, uint16_t dport, std::span<const uint8_t> payload) {
  Bytes b(8 + payload.size());
  store16(&b[0], sport);
  store16(&b[2], dport);
  store16(&b[4], static_cast<uint16_t>(b.size()));
  std::copy(payload.begin(), payload.end(), b.begin() + 8);
  uint16_t c = checksum(ip, dp::kProtoUdp, b);
  store16(&b[6], c == 0 ? 0xffff : c);
  return b;
}

Bytes icmp_message(const Ip& ip, uint8_t type, uint8_t code, uint32_t rest,
                   std::span<const uint8_t> payload) {
  Bytes b(8 + payload.size());
  b[0] = type;
  b[1] = code;
  store32(&b[4], rest);
  std::copy(payload.begin(), payload.end(), b.begin() + 8);
  if (is_v6(ip))
    store16(&b[2], checksum(ip, dp::kProtoIcmpv6, b));
  else
    store16(&b[2], dp::ipv4_header_checksum(b));
  return b;
}

Bytes tcp_frame(const Ip& ip, const Tcp& t, std::span<const uint8_t> payload, const L2& l2) {
  Bytes seg = tcp_segment(ip, t, payload);
  return ether(l2, is_v6(ip) ? dp::kEtherIpv6 : dp::kEtherIpv4,
               ip_datagram(ip, dp::kProtoTcp, seg));
}

Bytes tcp_frame(const Ip& ip, const Tcp& t, const std::string& payload, const L2& l2) {
  Bytes p = bytes(payload);
  return tcp_frame(ip, t, std::span<const uint8_t>(p), l2);
}

Bytes udp_frame(const Ip& ip, uint16_t sport, uint16_t dport, std::span<const uint8_t> payload,
                const L2& l2) {
  Bytes d = udp_datagram(ip, sport, dport, payload);
  return ether(l2, is_v6(ip) ? dp::kEtherIpv6 : dp::kEtherIpv4, ip_datagram(ip, dp::kProtoUdp, d));
}

Bytes icmp_frame(const Ip& ip, uint8_t type, uint8_t code, uint32_t rest,
                 std::span<const uint8_t> payload, const L2& l2) {
  Bytes m = icmp_message(ip, type, code, rest, payload);
  bool v6 = is_v6(ip);
  return ether(l2, v6 ? dp::kEtherIpv6 : dp::kEtherIpv4,
               ip_datagram(ip, v6 ? dp::kProtoIcmpv6 : dp::kProtoIcmp, m));
}

Bytes arp_frame(const std::string& sender, const std::string& target, const L2& l2) {
  Bytes a(28);
  store16(&a[0], 1);
  store16(&a[2], dp::kEtherIpv4);
  a[4] = 6;
  a[5] = 4;
  store16(&a[6], 1);
  a[8] = 0x02;
  a[13] = l2.src_mac_last;
  auto s = addr(sender), t = addr(target);
  std::memcpy(&a[14], s.bytes.data(), 4);
  std::memcpy(&a[24], t.bytes.data(), 4);
  return ether(l2, dp::kEtherArp, a);
}

std::vector<Bytes> fragment(const Bytes& frame, const std::vector<size_t>& cuts, uint32_t id) {
  dp::PacketView v;
  if (dp::parse_frame(frame, v) != Reason::Forwarded) throw std::invalid_argument("frame");
  const bool v6 = v.l3 == dp::L3::Ipv6;
  const size_t hdr = v6 ? 40 : v.l4_offset;  // v6: no extension headers in tests' datagrams
  Bytes l2(frame.begin(), frame.begin() + v.l3_offset);
  auto body = v.ip.subspan(hdr);
  std::vector<size_t> edges = cuts;
  edges.insert(edges.begin(), 0);
  edges.push_back(body.size());
  std::vector<Bytes> out;
  for (size_t i = 0; i + 1 < edges.size(); ++i) {
    size_t off = edges[i], len = edges[i + 1] - edges[i];
    bool more = i + 2 < edges.size();
    Bytes ipb;
    if (!v6) {
      ipb.assign(v.ip.begin(), v.ip.begin() + static_cast<long>(hdr));
      store16(&ipb[2], static_cast<uint16_t>(hdr + len));
      store16(&ipb[4], static_cast<uint16_t>(id));
      store16(&ipb[6], static_cast<uint16_t>((more ? 0x2000 : 0) | (off / 8)));
      store16(&ipb[10], 0);
      store16(&ipb[10], dp::ipv4_header_checksum({ipb.data(), hdr}));
    } else {
      ipb.assign(v.ip.begin(), v.ip.begin() + 40);
      uint8_t proto = ipb[6];
      ipb[6] = 44;
      Bytes fh(8);
      fh[0] = proto;
      store16(&fh[2], static_cast<uint16_t>(off | (more ? 1 : 0)));
      store32(&fh[4], id);
      ipb.insert(ipb.end(), fh.begin(), fh.end());
      store16(&ipb[4], static_cast<uint16_t>(8 + len));
    }
    ipb.insert(ipb.end(), body.begin() + static_cast<long>(off),
               body.begin() + static_cast<long>(off + len));
    Bytes f = l2;
    f.insert(f.end(), ipb.begin(), ipb.end());
    out.push_back(std::move(f));
  }
  return out;
}

Bytes raw_fragment(const Ip& ip, uint8_t proto, size_t offset, bool more,
                   std::span<const uint8_t> payload, uint32_t id, const L2& l2) {
  if (!is_v6(ip)) {
    Ip i = ip;
    i.id = static_cast<uint16_t>(id);
    Bytes d = ipv4_datagram(i, proto, payload);
    size_t hl = 20 + ip.v4_options.size();
    store16(&d[6], static_cast<uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
    store16(&d[10], 0);
    store16(&d[10], dp::ipv4_header_checksum({d.data(), hl}));
    return ether(l2, dp::kEtherIpv4, d);
  }
  Ip i = ip;
  Bytes fh(6);
  store16(&fh[0], static_cast<uint16_t>(offset | (more ? 1 : 0)));
  store32(&fh[2], id);
  i.v6_ext.push_back({44, fh});
  return ether(l2, dp::kEtherIpv6, ipv6_datagram(i, proto, payload));
}

bool write_pcap(const std::string& path, const std::vector<PcapFrame>& frames) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  if (!d) {
    pcap_close(dead);
    return false;
  }
  for (const auto& f : frames) {
    struct pcap_pkthdr h {};
    h.ts.tv_sec = static_cast<time_t>(f.ts_ns / 1'000'000'000ull);
    h.ts.tv_usec = static_cast<suseconds_t>(f.ts_ns % 1'000'000'000ull);
    h.caplen = h.len = static_cast<bpf_u_int32>(f.data.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
  return true;
}

std::vector<PcapFrame> read_pcap(const std::string& path) {
  std::vector<PcapFrame> out;
  char eb[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, eb);
  if (!p) return out;
  struct pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p, &h, &data) == 1)
    out.push_back({Bytes(data, data + h->caplen),
                   uint64_t(h->ts.tv_sec) * 1'000'000'000ull + uint64_t(h->ts.tv_usec)});
  pcap_close(p);
  return out;
}

}  // namespace pw::testing
