// The software dispatcher's hash: both directions of a flow, all fragments of a datagram and the
// FTP data connections of a client/printer pair land on one worker; truncated frames are safe.
#include "dataplane/dispatch_hash.h"

#include <gtest/gtest.h>

#include <set>

#include "dataplane/packet.h"
#include "tests/support/packet_builder.h"

namespace pw::dp {
namespace {

using namespace pw::testing;

TEST(DispatchHash, BothDirectionsAndEveryFragmentMeet) {
  for (const char* pair : {"198.18.0.9/198.18.20.5", "2001:db8::9/2001:db8:20::5"}) {
    std::string s(pair);
    std::string a = s.substr(0, s.find('/')), b = s.substr(s.find('/') + 1);
    for (std::vector<uint16_t> vlans : {std::vector<uint16_t>{}, {20}, {100, 20}}) {
      L2 l2{vlans};
      uint32_t h = symmetric_hash(tcp_frame(Ip{a, b}, {40000, 21, kSyn, 1, 0}, "", l2));
      EXPECT_EQ(symmetric_hash(tcp_frame(Ip{b, a}, {21, 40000, kSyn | kAck, 1, 2}, "", l2)), h);
      // An FTP data connection of the same pair, and UDP.
      EXPECT_EQ(symmetric_hash(tcp_frame(Ip{a, b}, {40001, 50007, kSyn, 1, 0}, "", l2)), h);
      EXPECT_EQ(symmetric_hash(udp_frame(Ip{b, a}, 161, 40000, bytes("x"), l2)), h);
      // Every fragment, the first (with ports) and the later ones (without).
      Bytes big = udp_frame(Ip{a, b}, 40000, 161, Bytes(3000, 0x41), l2);
      for (const auto& fr : fragment(big, {1480, 2960})) EXPECT_EQ(symmetric_hash(fr), h);
    }
  }
}

TEST(DispatchHash, SpreadsPairsAcrossWorkers) {
  std::set<unsigned> used;
  for (int i = 1; i < 200; ++i) {
    std::string client = "198.18.0." + std::to_string(i);
    used.insert(worker_for(symmetric_hash(tcp_frame(Ip{client, "198.18.20.5"}, {40000, 9100, kSyn, 1, 0})), 4));
  }
  EXPECT_EQ(used.size(), 4u);
  for (uint32_t h : {0u, 1u, 0x7fffffffu, 0xffffffffu}) EXPECT_LT(worker_for(h, 3), 3u);
}

TEST(DispatchHash, VlansSeparateAndTruncationIsSafe) {
  Bytes f = tcp_frame(Ip{"198.18.0.9", "198.18.20.5"}, {40000, 21, kSyn, 1, 0}, "", L2{{20}});
  Bytes g = tcp_frame(Ip{"198.18.0.9", "198.18.20.5"}, {40000, 21, kSyn, 1, 0}, "", L2{{21}});
  EXPECT_NE(symmetric_hash(f), symmetric_hash(g));
  for (size_t n = 0; n <= f.size(); ++n) (void)symmetric_hash(std::span<const uint8_t>(f.data(), n));
  EXPECT_EQ(symmetric_hash(arp_frame("198.18.0.9", "198.18.20.5")),
            symmetric_hash(arp_frame("198.18.0.7", "198.18.20.6")));  // non-IP: by VLAN only
}

}  // namespace
}  // namespace pw::dp
