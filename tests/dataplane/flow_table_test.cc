#include "dataplane/flow_table.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "dataplane/packet.h"
#include "tests/support/packet_builder.h"

namespace pw::dp {
namespace {

using namespace pw::testing;

FlowKey key_of(const Bytes& f, bool* a) {
  PacketView v;
  EXPECT_EQ(parse_frame(f, v), Reason::Forwarded);
  return flow_key(v, a);
}

auto noop = [](Flow&) {};

TEST(FlowKey, BothDirectionsOneKey) {
  Ip fwd{"198.18.0.1", "198.18.20.5"}, rev{"198.18.20.5", "198.18.0.1"};
  bool a1, a2;
  FlowKey k1 = key_of(tcp_frame(fwd, {40000, 80, kSyn, 1, 0}), &a1);
  FlowKey k2 = key_of(tcp_frame(rev, {80, 40000, kSyn | kAck, 9, 2}), &a2);
  EXPECT_EQ(k1, k2);
  EXPECT_NE(a1, a2);
  EXPECT_EQ(flow_hash(k1), flow_hash(k2));
  // VLAN is part of the key.
  bool a3;
  FlowKey k3 = key_of(tcp_frame(fwd, {40000, 80, kSyn, 1, 0}, "", {{30}}), &a3);
  EXPECT_FALSE(k1 == k3);
  // Same addresses, ports swapped ends: ordering by port.
  Ip self{"198.18.0.1", "198.18.0.1"};
  bool b1, b2;
  EXPECT_EQ(key_of(udp_frame(self, 5, 6), &b1), key_of(udp_frame(self, 6, 5), &b2));
  EXPECT_NE(b1, b2);
}

FlowKey synthetic(uint32_t i) {
  FlowKey k;
  k.family = 4;
  k.proto = kProtoTcp;
  k.addr_a[3] = static_cast<uint8_t>(i);
  k.addr_a[2] = static_cast<uint8_t>(i >> 8);
  k.addr_a[1] = static_cast<uint8_t>(i >> 16);
  k.port_a = static_cast<uint16_t>(i * 31);
  k.port_b = 80;
  return k;
}

TEST(FlowTable, InsertFindRemoveAndFull) {
  FlowTable t(100, {});
  for (uint32_t i = 0; i < 100; ++i) {
    FlowKey k = synthetic(i);
    Flow* f = t.insert(k, flow_hash(k), 1, noop);
    ASSERT_NE(f, nullptr) << i;
    f->state = FlowState::TcpEstablished;
  }
  EXPECT_EQ(t.size(), 100u);
  FlowKey extra = synthetic(1000);
  EXPECT_EQ(t.insert(extra, flow_hash(extra), 1, noop), nullptr);  // drop-new
  // Established flows are untouched by the full table.
  for (uint32_t i = 0; i < 100; ++i) {
    FlowKey k = synthetic(i);
    ASSERT_NE(t.find(k, flow_hash(k), 2, noop), nullptr) << i;
  }
  FlowKey k5 = synthetic(5);
  t.remove(t.find(k5, flow_hash(k5), 2, noop));
  EXPECT_EQ(t.find(k5, flow_hash(k5), 2, noop), nullptr);
  EXPECT_NE(t.insert(extra, flow_hash(extra), 2, noop), nullptr);
}

TEST(FlowTable, RandomChurnKeepsIndexConsistent) {
  FlowTable t(512, {});
  std::mt19937 rng(3);
  std::set<uint32_t> live;
  for (int step = 0; step < 20000; ++step) {
    uint32_t i = rng() % 2000;
    FlowKey k = synthetic(i);
    Flow* f = t.find(k, flow_hash(k), 1, noop);
    ASSERT_EQ(f != nullptr, live.count(i) == 1) << step;
    if (f) {
      t.remove(f);
      live.erase(i);
    } else if (live.size() < 512) {
      Flow* n = t.insert(k, flow_hash(k), 1, noop);
      ASSERT_NE(n, nullptr);
      n->state = FlowState::Udp;
      live.insert(i);
    }
  }
  EXPECT_EQ(t.size(), live.size());
}

TEST(FlowTable, IdleTimeoutsPerState) {
  FlowTimeouts to;
  to.tcp_syn_ns = 10;
  to.tcp_established_ns = 1000;
  to.udp_ns = 50;
  FlowTable t(8, to);
  FlowKey a = synthetic(1), b = synthetic(2), c = synthetic(3);
  t.insert(a, flow_hash(a), 0, noop)->state = FlowState::TcpSynSent;
  t.insert(b, flow_hash(b), 0, noop)->state = FlowState::TcpEstablished;
  t.insert(c, flow_hash(c), 0, noop)->state = FlowState::Udp;
  int expired = 0;
  auto count = [&](Flow&) { ++expired; };
  EXPECT_EQ(t.find(a, flow_hash(a), 11, count), nullptr);  // lazily reclaimed
  EXPECT_EQ(expired, 1);
  EXPECT_NE(t.find(c, flow_hash(c), 40, count), nullptr);
  EXPECT_EQ(t.expire(100, 8, count), 1u);  // the UDP flow, by the clock hand
  EXPECT_EQ(expired, 2);
  EXPECT_NE(t.find(b, flow_hash(b), 100, count), nullptr);
  EXPECT_EQ(t.size(), 1u);
}

TEST(FlowTable, EvictOldestWhenConfigured) {
  FlowTable t(4, {}, FlowTable::FullAction::EvictOldest);
  for (uint32_t i = 0; i < 4; ++i) {
    FlowKey k = synthetic(i);
    Flow* f = t.insert(k, flow_hash(k), 10 + i, noop);
    f->state = FlowState::TcpEstablished;
  }
  int evicted = 0;
  FlowKey k = synthetic(99);
  ASSERT_NE(t.insert(k, flow_hash(k), 20, [&](Flow& f) {
    ++evicted;
    EXPECT_EQ(f.last_ns, 10u);  // the least recently seen
  }), nullptr);
  EXPECT_EQ(evicted, 1);
  EXPECT_EQ(t.evictions(), 1u);
}

TEST(FlowTable, EntrySize) {
  FlowTable t(16, {});
  // Memory per flow is reported by the benchmark; keep the entry within two cache lines plus.
  EXPECT_LE(t.bytes_per_entry(), 256u);
}

}  // namespace
}  // namespace pw::dp
