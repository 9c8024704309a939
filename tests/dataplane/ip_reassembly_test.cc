#include "dataplane/ip_reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/packet_builder.h"

namespace pw::dp {
namespace {

using namespace pw::testing;
using Status = Reassembler::Status;

const Ip kV4{"198.18.0.1", "198.18.20.5"};
const Ip kV6{"2001:db8::1", "2001:db8:20::5"};

struct Feed {
  Reassembler r{ReassemblyLimits{}};
  Reassembler::Result add(const Bytes& f, uint64_t now = 1) {
    PacketView v;
    EXPECT_EQ(parse_frame(f, v), Reason::Forwarded);
    EXPECT_TRUE(v.is_fragment);
    return r.add(v, now);
  }
};

Bytes payload(size_t n) {
  Bytes p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i * 7);
  return p;
}

void expect_whole(Reassembler& r, const Bytes& original) {
  PacketView whole;
  ASSERT_EQ(parse_frame(original, whole), Reason::Forwarded);
  PacketView d = r.datagram();
  ASSERT_EQ(parse_l4(d), Reason::Forwarded);
  EXPECT_EQ(d.sport, whole.sport);
  EXPECT_EQ(d.dport, whole.dport);
  ASSERT_EQ(d.payload_length, whole.payload_length);
  EXPECT_TRUE(std::equal(d.payload().begin(), d.payload().end(), whole.payload().begin()));
  EXPECT_TRUE(l4_checksum_ok(d));
}

TEST(Reassembly, InOrderAndOutOfOrderV4V6) {
  for (const Ip& ip : {kV4, kV6}) {
    Bytes whole = udp_frame(ip, 1000, 161, payload(300));
    auto frags = fragment(whole, {104, 208});
    for (auto order : std::vector<std::vector<int>>{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}}) {
      Feed run;
      for (size_t k = 0; k < 3; ++k) {
        auto res = run.add(frags[static_cast<size_t>(order[k])]);
        EXPECT_EQ(res.status, k < 2 ? Status::Held : Status::Complete);
      }
      expect_whole(run.r, whole);
      // The original frames, in arrival order, come back for forwarding.
      ASSERT_EQ(run.r.frame_count(), 3u);
      for (size_t k = 0; k < 3; ++k) {
        auto fr = run.r.frame(k);
        const Bytes& want = frags[static_cast<size_t>(order[k])];
        EXPECT_TRUE(std::equal(fr.begin(), fr.end(), want.begin(), want.end()));
      }
      EXPECT_EQ(run.r.pending(), 0u);
    }
  }
}

TEST(Reassembly, OverlapsAreDropped) {
  // Teardrop-style overlap, an exact duplicate, and a rewrite of already-received bytes.
  Bytes p = payload(64);
  for (const Ip& ip : {kV4, kV6}) {
    Feed run;
    EXPECT_EQ(run.add(raw_fragment(ip, kProtoUdp, 0, true, udp_datagram(ip, 1, 2, Bytes(24)))).status,
              Status::Held);
    auto res = run.add(raw_fragment(ip, kProtoUdp, 24, false, Bytes(p.begin(), p.begin() + 16)));
    EXPECT_EQ(res.status, Status::Dropped);
    EXPECT_EQ(res.reason, Reason::FragOverlap);
    EXPECT_EQ(res.dropped_frames, 2u);
    EXPECT_EQ(run.r.pending(), 0u);
    Feed dup;
    Bytes first = raw_fragment(ip, kProtoUdp, 0, true, udp_datagram(ip, 1, 2, Bytes(24)));
    dup.add(first);
    EXPECT_EQ(dup.add(first).reason, Reason::FragOverlap);
  }
}

TEST(Reassembly, TinyFragments) {
  // A first fragment that splits the TCP header (RFC 1858), and a later one inside it.
  Bytes seg = tcp_segment(kV4, {40000, 80, kSyn, 1, 0}, {});
  Feed a;
  auto r = a.add(raw_fragment(kV4, kProtoTcp, 0, true, Bytes(seg.begin(), seg.begin() + 8)));
  EXPECT_EQ(r.reason, Reason::FragTiny);
  Feed b;
  r = b.add(raw_fragment(kV4, kProtoTcp, 8, false, Bytes(seg.begin() + 8, seg.end())));
  EXPECT_EQ(r.reason, Reason::FragTiny);
  Feed c;
  Ip ip6 = kV6;
  r = c.add(raw_fragment(ip6, kProtoTcp, 0, true, Bytes(seg.begin(), seg.begin() + 16)));
  EXPECT_EQ(r.reason, Reason::FragTiny);
}

TEST(Reassembly, Limits) {
  ReassemblyLimits lim;
  lim.max_fragments = 3;
  lim.max_size = 1000;
  lim.max_datagrams = 2;
  lim.timeout_ns = 100;
  Reassembler r(lim);
  auto add = [&](const Bytes& f, uint64_t now = 1) {
    PacketView v;
    EXPECT_EQ(parse_frame(f, v), Reason::Forwarded);
    return r.add(v, now);
  };
  Bytes whole = udp_frame(kV4, 1, 2, payload(400));
  auto frags = fragment(whole, {64, 128, 192});
  add(frags[0]);
  add(frags[1]);
  add(frags[2]);
  EXPECT_EQ(add(frags[3]).reason, Reason::FragTooMany);
  // Beyond max-size.
  EXPECT_EQ(add(raw_fragment(kV4, kProtoUdp, 992, false, Bytes(16), 99)).reason, Reason::FragTooBig);
  // Table full: two datagrams pending, a third is refused.
  add(raw_fragment(kV4, kProtoUdp, 0, true, udp_datagram(kV4, 1, 2, Bytes(8)), 1));
  add(raw_fragment(kV4, kProtoUdp, 0, true, udp_datagram(kV4, 1, 2, Bytes(8)), 2));
  EXPECT_EQ(add(raw_fragment(kV4, kProtoUdp, 0, true, udp_datagram(kV4, 1, 2, Bytes(8)), 3)).reason,
            Reason::FragTableFull);
  // Timeout frees them.
  uint64_t expired = 0;
  EXPECT_EQ(r.expire(1000, 64, &expired), 2u);
  EXPECT_EQ(expired, 2u);
  EXPECT_EQ(r.pending(), 0u);
  // Non-last fragment not a multiple of 8.
  EXPECT_EQ(add(raw_fragment(kV4, kProtoUdp, 0, true, Bytes(13), 5)).reason, Reason::FragMalformed);
}

TEST(Reassembly, TwoLastFragmentsDisagree) {
  Feed run;
  run.add(raw_fragment(kV4, kProtoUdp, 64, false, Bytes(16)));
  EXPECT_EQ(run.add(raw_fragment(kV4, kProtoUdp, 80, false, Bytes(16))).reason, Reason::FragOverlap);
}

TEST(Reassembly, EarlierPieceBeyondTheAnnouncedEnd) {
  // Found by fuzzing: a middle piece first, then a "last" fragment that ends before it.
  Feed run;
  EXPECT_EQ(run.add(raw_fragment(kV4, kProtoUdp, 16, true, Bytes(8))).status, Status::Held);
  auto r = run.add(raw_fragment(kV4, kProtoUdp, 8, false, Bytes(8)));
  EXPECT_EQ(r.status, Status::Dropped);
  EXPECT_EQ(r.reason, Reason::FragOverlap);
  EXPECT_EQ(r.dropped_frames, 2u);
}

TEST(Reassembly, DatagramsAreKeptApart) {
  // Same id, different sources: two datagrams.
  Feed run;
  Bytes a = udp_frame(kV4, 1, 2, payload(64));
  Ip other = kV4;
  other.src = "198.18.0.2";
  Bytes b = udp_frame(other, 1, 2, payload(64));
  auto fa = fragment(a, {32});
  auto fb = fragment(b, {32});
  EXPECT_EQ(run.add(fa[0]).status, Status::Held);
  EXPECT_EQ(run.add(fb[0]).status, Status::Held);
  EXPECT_EQ(run.add(fa[1]).status, Status::Complete);
  expect_whole(run.r, a);
  EXPECT_EQ(run.add(fb[1]).status, Status::Complete);
  expect_whole(run.r, b);
}

}  // namespace
}  // namespace pw::dp
