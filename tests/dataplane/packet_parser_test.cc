#include <gtest/gtest.h>

#include <deque>

#include "dataplane/packet.h"
#include "tests/support/packet_builder.h"

namespace pw::dp {
namespace {

using namespace pw::testing;

const Ip kV4{"198.18.0.1", "198.18.20.5"};
const Ip kV6{"2001:db8::1", "2001:db8:20::5"};

// A view points into the frame it was parsed from, and callers pass temporaries: the frame is
// copied into storage that lives as long as the test binary.
Reason parse(const Bytes& f, PacketView* out = nullptr) {
  static std::deque<Bytes> frames;
  frames.push_back(f);
  PacketView v;
  Reason r = parse_frame(frames.back(), v);
  if (out) *out = v;
  return r;
}

TEST(Parser, TcpOverIpv4WithVlanTags) {
  for (auto vlans : std::vector<std::vector<uint16_t>>{{}, {20}, {100, 20}}) {
    Tcp t{40000, 9100, kSyn, 77, 0};
    t.options = {2, 4, 5, 0xb4, 1, 3, 3, 7};  // MSS, NOP, window scale 7
    Bytes f = tcp_frame(kV4, t, "", {vlans});
    PacketView v;
    ASSERT_EQ(parse(f, &v), Reason::Forwarded);
    EXPECT_EQ(v.vlan_count, vlans.size());
    if (!vlans.empty()) {
      EXPECT_EQ(v.vlan_outer, vlans[0]);
    }
    if (vlans.size() == 2) {
      EXPECT_EQ(v.vlan_inner, 20);
    }
    EXPECT_EQ(v.l3, L3::Ipv4);
    EXPECT_EQ(v.src.str(), "198.18.0.1");
    EXPECT_EQ(v.dport, 9100);
    EXPECT_EQ(v.tcp_flags, kSyn);
    EXPECT_EQ(v.seq, 77u);
    EXPECT_EQ(v.wscale, 7);
    EXPECT_EQ(v.payload_length, 0);
    EXPECT_TRUE(l4_checksum_ok(v));
  }
}

TEST(Parser, UdpIcmpArpEapolLldp) {
  PacketView v;
  Bytes p = bytes("hello");
  ASSERT_EQ(parse(udp_frame(kV4, 5353, 5353, p), &v), Reason::Forwarded);
  EXPECT_EQ(v.ip_proto, kProtoUdp);
  EXPECT_EQ(std::string(v.payload().begin(), v.payload().end()), "hello");
  ASSERT_EQ(parse(icmp_frame(kV4, 8, 0, 0x12340001), &v), Reason::Forwarded);
  EXPECT_EQ(v.icmp_type, 8);
  EXPECT_EQ(v.sport, 0x1234);
  EXPECT_EQ(v.dport, 0x1234);
  ASSERT_EQ(parse(arp_frame("198.18.0.1", "198.18.20.5"), &v), Reason::Forwarded);
  EXPECT_EQ(v.l3, L3::Arp);
  Bytes eapol = ether({}, kEtherEapol, Bytes{1, 0, 0, 5, 1, 1, 0, 5, 1});
  ASSERT_EQ(parse(eapol, &v), Reason::Forwarded);
  EXPECT_EQ(v.l3, L3::Other);
  EXPECT_EQ(v.ethertype, kEtherEapol);
  ASSERT_EQ(parse(ether({{7}}, kEtherLldp, Bytes(20, 0)), &v), Reason::Forwarded);
  EXPECT_EQ(v.ethertype, kEtherLldp);
  EXPECT_EQ(v.vlan_outer, 7);
}

TEST(Parser, Ipv6ExtensionHeaders) {
  Ip ip = kV6;
  Bytes pad6 = {1, 4, 0, 0, 0, 0};  // PadN
  ip.v6_ext = {{0, pad6}, {60, pad6}, {43, {4, 0, 0, 0, 0, 0}}, {60, pad6}};  // routing type 4
  PacketView v;
  ASSERT_EQ(parse(tcp_frame(ip, {40000, 443, kSyn, 1, 0}), &v), Reason::Forwarded);
  EXPECT_EQ(v.ip_proto, kProtoTcp);
  EXPECT_EQ(v.dport, 443);
  EXPECT_EQ(v.l4_offset, 40 + 32);
  EXPECT_TRUE(l4_checksum_ok(v));
  // ICMPv6 neighbour solicitation.
  ASSERT_EQ(parse(icmp_frame(kV6, 135, 0), &v), Reason::Forwarded);
  EXPECT_EQ(v.ip_proto, kProtoIcmpv6);
  EXPECT_EQ(v.icmp_type, 135);
  // An atomic fragment is a whole datagram.
  Ip af = kV6;
  af.v6_ext = {{44, {0, 0, 0, 0, 0, 9}}};
  ASSERT_EQ(parse(udp_frame(af, 1, 53), &v), Reason::Forwarded);
  EXPECT_FALSE(v.is_fragment);
  EXPECT_EQ(v.dport, 53);
}

TEST(Parser, Ipv6BadChains) {
  Bytes pad6 = {1, 4, 0, 0, 0, 0};
  Ip late_hbh = kV6;
  late_hbh.v6_ext = {{60, pad6}, {0, pad6}};
  EXPECT_EQ(parse(udp_frame(late_hbh, 1, 53)), Reason::MalformedIpv6Ext);
  Ip two_rt = kV6;
  two_rt.v6_ext = {{43, {4, 0, 0, 0, 0, 0}}, {43, {4, 0, 0, 0, 0, 0}}};
  EXPECT_EQ(parse(udp_frame(two_rt, 1, 53)), Reason::MalformedIpv6Ext);
  Ip rh0 = kV6;
  rh0.v6_ext = {{43, {0, 1, 0, 0, 0, 0}}};
  EXPECT_EQ(parse(udp_frame(rh0, 1, 53)), Reason::Ipv6RoutingType0);
  Ip unknown = kV6;
  unknown.v6_ext = {{253, pad6}};
  EXPECT_EQ(parse(udp_frame(unknown, 1, 53)), Reason::UnknownIpv6Ext);
  Ip many = kV6;
  for (int i = 0; i < 10; ++i) many.v6_ext.push_back({60, pad6});
  EXPECT_EQ(parse(udp_frame(many, 1, 53)), Reason::MalformedIpv6Ext);
  // Unsupported upper layer (SCTP) and no-next-header.
  EXPECT_EQ(parse(ether({}, kEtherIpv6, ipv6_datagram(kV6, 132, Bytes(12, 0)))),
            Reason::UnsupportedIpProto);
  EXPECT_EQ(parse(ether({}, kEtherIpv6, ipv6_datagram(kV6, 59, Bytes(8, 0)))),
            Reason::UnsupportedIpProto);
  // IGMP: over IPv4, 8 bytes at least (the pipeline decides what passes); never over IPv6.
  PacketView v;
  EXPECT_EQ(parse_frame(ether({}, kEtherIpv4, ipv4_datagram(kV4, 2, Bytes{0x22, 0, 0, 0, 0, 0, 0, 0})), v),
            Reason::Forwarded);
  EXPECT_EQ(v.ip_proto, 2);
  EXPECT_EQ(v.icmp_type, 0x22);
  EXPECT_EQ(parse(ether({}, kEtherIpv4, ipv4_datagram(kV4, 2, Bytes(7, 0)))), Reason::UnsupportedIpProto);
  EXPECT_EQ(parse(ether({}, kEtherIpv6, ipv6_datagram(kV6, 2, Bytes(8, 0)))), Reason::UnsupportedIpProto);
}

TEST(Parser, Ipv4Options) {
  Ip ip = kV4;
  ip.v4_options = {1, 1, 1, 0};  // NOPs, EOL
  EXPECT_EQ(parse(udp_frame(ip, 1, 53)), Reason::Forwarded);
  ip.v4_options = {7, 7, 4, 0, 0, 0, 0, 0};  // record route, length 7
  EXPECT_EQ(parse(udp_frame(ip, 1, 53)), Reason::Forwarded);
  ip.v4_options = {131, 7, 4, 198, 18, 0, 9, 0};  // loose source route
  EXPECT_EQ(parse(udp_frame(ip, 1, 53)), Reason::Ipv4SourceRoute);
  ip.v4_options = {7, 40, 0, 0};  // length past the header
  EXPECT_EQ(parse(udp_frame(ip, 1, 53)), Reason::MalformedIpv4);
  ip.v4_options = {7, 1, 0, 0};  // length below 2
  EXPECT_EQ(parse(udp_frame(ip, 1, 53)), Reason::MalformedIpv4);
}

// Every truncation of a valid frame is dropped with a reason, never read out of bounds.
TEST(Parser, EveryTruncationIsMalformed) {
  Ip v6 = kV6;
  v6.v6_ext = {{0, {1, 4, 0, 0, 0, 0}}};
  Tcp t{40000, 515, kAck | kPsh, 5, 9};
  t.options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  for (const Bytes& full : {tcp_frame(kV4, t, "payload", {{5, 6}}), tcp_frame(v6, t, "payload"),
                            udp_frame(kV4, 1, 161, bytes("x")), icmp_frame(kV6, 128, 0, 1),
                            arp_frame("198.18.0.1", "198.18.0.2", {{9}})}) {
    for (size_t n = 0; n < full.size(); ++n) {
      Bytes cut(full.begin(), full.begin() + static_cast<long>(n));
      EXPECT_NE(parse(cut), Reason::Forwarded) << "length " << n << " of " << full.size();
    }
    EXPECT_EQ(parse(full), Reason::Forwarded);
  }
}

TEST(Parser, MalformedHeaders) {
  Bytes f = tcp_frame(kV4, {40000, 80, kSyn, 1, 0});
  Bytes bad = f;
  bad[14] = 0x44;  // IHL 4
  EXPECT_EQ(parse(bad), Reason::MalformedIpv4);
  bad = f;
  bad[14] = 0x55;  // version 5
  EXPECT_EQ(parse(bad), Reason::MalformedIpv4);
  bad = f;
  bad[24] ^= 0xff;  // header checksum
  EXPECT_EQ(parse(bad), Reason::BadIpv4Checksum);
  bad = f;
  store16(&bad[16], 10);  // total length below the header
  store16(&bad[24], 0);
  store16(&bad[24], ipv4_header_checksum({&bad[14], 20}));
  EXPECT_EQ(parse(bad), Reason::MalformedIpv4);
  bad = f;
  bad[14 + 20 + 12] = 0xf0;  // TCP data offset 60 > segment
  EXPECT_EQ(parse(bad), Reason::MalformedTcp);
  bad = f;
  bad[14 + 20 + 12] = 0x40;  // data offset 16 < 20
  EXPECT_EQ(parse(bad), Reason::MalformedTcp);
  Bytes u = udp_frame(kV4, 1, 53, bytes("abc"));
  store16(&u[14 + 20 + 4], 200);  // UDP length beyond the datagram
  EXPECT_EQ(parse(u), Reason::MalformedUdp);
  // Three VLAN tags.
  EXPECT_EQ(parse(udp_frame(kV4, 1, 53, {}, {{1, 2, 3}})), Reason::TooManyVlanTags);
  // Ethernet padding after a short IP datagram is not part of it.
  Bytes padded = udp_frame(kV4, 1, 53, bytes("a"));
  padded.resize(60, 0xee);
  PacketView v;
  ASSERT_EQ(parse(padded, &v), Reason::Forwarded);
  EXPECT_EQ(v.payload_length, 1);
}

TEST(Parser, TcpFlagsAndOptions) {
  EXPECT_EQ(parse(tcp_frame(kV4, {1, 2, 0, 1, 0})), Reason::TcpBadFlags);  // null
  EXPECT_EQ(parse(tcp_frame(kV4, {1, 2, kSyn | kFin, 1, 0})), Reason::TcpBadFlags);
  EXPECT_EQ(parse(tcp_frame(kV4, {1, 2, kSyn | kRst, 1, 0})), Reason::TcpBadFlags);
  EXPECT_EQ(parse(tcp_frame(kV4, {1, 2, kFin | kPsh | kUrg, 1, 0})), Reason::TcpBadFlags);  // xmas
  EXPECT_EQ(parse(tcp_frame(kV4, {1, 2, kFin, 1, 0})), Reason::TcpBadFlags);
  EXPECT_EQ(parse(tcp_frame(kV4, {0, 2, kSyn, 1, 0})), Reason::MalformedTcp);  // port 0
  Tcp t{1, 2, kSyn, 1, 0};
  t.options = {2, 3, 0, 0};  // MSS with length 3
  EXPECT_EQ(parse(tcp_frame(kV4, t)), Reason::MalformedTcp);
  t.options = {3, 3, 30, 0};  // window scale 30: clamped to 14
  PacketView v;
  ASSERT_EQ(parse(tcp_frame(kV4, t), &v), Reason::Forwarded);
  EXPECT_EQ(v.wscale, 14);
  t.options = {8, 40, 0, 0};  // option longer than the header
  EXPECT_EQ(parse(tcp_frame(kV4, t)), Reason::MalformedTcp);
}

TEST(Parser, Fragments) {
  Bytes p(64, 'x');
  auto frags = fragment(udp_frame(kV4, 1, 53, p), {16, 48});
  ASSERT_EQ(frags.size(), 3u);
  PacketView v;
  ASSERT_EQ(parse(frags[1], &v), Reason::Forwarded);
  EXPECT_TRUE(v.is_fragment);
  EXPECT_TRUE(v.more_fragments);
  EXPECT_EQ(v.frag_offset, 16);
  EXPECT_EQ(v.sport, 0);  // layer 4 is not parsed for fragments
  auto f6 = fragment(udp_frame(kV6, 1, 53, p), {32});
  ASSERT_EQ(parse(f6[1], &v), Reason::Forwarded);
  EXPECT_TRUE(v.is_fragment);
  EXPECT_FALSE(v.more_fragments);
  EXPECT_EQ(v.frag_offset, 32);
  EXPECT_EQ(v.ip_proto, kProtoUdp);
  EXPECT_EQ(v.frag_id, 7u);
}

TEST(Parser, BadChecksumsAreDetected) {
  Bytes f = tcp_frame(kV4, {40000, 21, kAck, 1, 1}, "USER x\r\n");
  PacketView v;
  ASSERT_EQ(parse(f, &v), Reason::Forwarded);
  EXPECT_TRUE(l4_checksum_ok(v));
  f.back() ^= 1;
  ASSERT_EQ(parse(f, &v), Reason::Forwarded);
  EXPECT_FALSE(l4_checksum_ok(v));
  Bytes u = udp_frame(kV4, 1, 53, bytes("q"));
  store16(&u[14 + 20 + 6], 0);  // "no checksum" is legal for UDP over IPv4
  ASSERT_EQ(parse(u, &v), Reason::Forwarded);
  EXPECT_TRUE(l4_checksum_ok(v));
}

}  // namespace
}  // namespace pw::dp
