#include "protocols/stream/stream_normaliser.h"

#include <gtest/gtest.h>

#include <string>

namespace pw::proto {
namespace {

using Action = SegmentResult::Action;

// A trivial inspector: records what it sees, denies a stream containing "EVIL" (however it is
// split), stops inspecting after "DONE".
struct Seen : FlowState {
  std::string bytes[2];
};
class Recorder : public Inspector {
 public:
  const char* name() const override { return "recorder"; }
  const Requirements& requirements() const override {
    static constexpr Requirements kStream{};
    return kStream;
  }
  FlowState* open(FlowArena& a) const override { return a.make<Seen>(); }
  Decision on_data(FlowState& st, Dir d, std::span<const std::byte> in, Context&) const override {
    auto& s = static_cast<Seen&>(st).bytes[static_cast<size_t>(d)];
    s.append(reinterpret_cast<const char*>(in.data()), in.size());
    if (s.find("EVIL") != std::string::npos)
      return {Verdict::Deny, 0, Reason::InspectorDeny};
    if (s.find("DONE") != std::string::npos)
      return {Verdict::PassThrough, static_cast<uint32_t>(in.size()), Reason::Forwarded};
    return {Verdict::Continue, static_cast<uint32_t>(in.size()), Reason::Forwarded};
  }
};

std::span<const uint8_t> b(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Fixture : ::testing::Test {
  StreamNormaliser n{4, 1024};
  FlowArena arena{4};
  Recorder rec;
  uint32_t s = 0;
  Seen* st = nullptr;
  Context ctx;
  void SetUp() override {
    s = n.open();
    st = static_cast<Seen*>(rec.open(arena));
    n.start(s, Dir::ToServer, 1000);
    n.start(s, Dir::ToClient, 5000);
  }
  // Seen holds strings, unlike real inspector states (trivially destructible by contract): the
  // test destroys it itself.
  void TearDown() override {
    st->~Seen();
    arena.release(st);
  }
  SegmentResult seg(uint32_t seq, const std::string& data, Dir d = Dir::ToServer,
                    std::optional<uint32_t> ack = std::nullopt, bool fin = false) {
    return n.segment(s, d, seq, b(data), fin, ack, &rec, st, ctx);
  }
};

TEST_F(Fixture, InOrderBytesReachTheInspectorOnce) {
  EXPECT_EQ(seg(1000, "USER ").action, Action::Forward);
  EXPECT_EQ(seg(1005, "bob\r\n").action, Action::Forward);
  EXPECT_EQ(st->bytes[0], "USER bob\r\n");
}

TEST_F(Fixture, OneByteSegmentsCannotHideAPattern) {
  std::string msg = "xxEVILxx";
  uint32_t seq = 1000;
  Action last = Action::Forward;
  size_t i = 0;
  for (; i < msg.size(); ++i) {
    last = seg(seq + static_cast<uint32_t>(i), msg.substr(i, 1)).action;
    if (last != Action::Forward) break;
  }
  EXPECT_EQ(last, Action::Kill);
  EXPECT_EQ(i, 5u);  // the byte that completes "EVIL"
}

TEST_F(Fixture, OutOfOrderIsDroppedUntilTheGapFills) {
  auto r = seg(1004, "later");
  EXPECT_EQ(r.action, Action::Drop);
  EXPECT_EQ(r.reason, Reason::TcpOutOfOrder);
  EXPECT_EQ(st->bytes[0], "");  // never inspected ahead of the gap
  EXPECT_EQ(seg(1000, "abcd").action, Action::Forward);
  EXPECT_EQ(seg(1004, "later").action, Action::Forward);  // the retransmission
  EXPECT_EQ(st->bytes[0], "abcdlater");
}

TEST_F(Fixture, RetransmissionSameContentPasses) {
  seg(1000, "hello world");
  EXPECT_EQ(seg(1000, "hello world").action, Action::Forward);
  EXPECT_EQ(seg(1006, "world").action, Action::Forward);
  EXPECT_EQ(st->bytes[0], "hello world");  // inspected once
}

TEST_F(Fixture, OverlapWithDifferentContentIsDropped) {
  seg(1000, "PASS ok");
  auto r = seg(1005, "EV");  // rewrites "ok" after inspection
  EXPECT_EQ(r.action, Action::Drop);
  EXPECT_EQ(r.reason, Reason::TcpOverlapConflict);
  // Partly old (different), partly new: dropped as a whole, new part not inspected.
  r = seg(1005, "XXmore");
  EXPECT_EQ(r.action, Action::Drop);
  EXPECT_EQ(st->bytes[0], "PASS ok");
  // Partly old (same), partly new: the new bytes are inspected.
  EXPECT_EQ(seg(1005, "ok more").action, Action::Forward);
  EXPECT_EQ(st->bytes[0], "PASS ok more");
}

TEST_F(Fixture, AcknowledgedBytesAreNotCompared) {
  seg(1000, "abcdef");
  // The server acknowledges all six bytes: a retransmission of them cannot matter to it.
  seg(5000, "", Dir::ToClient, 1006);
  EXPECT_EQ(seg(1000, "zzzzzz").action, Action::Forward);
  EXPECT_EQ(st->bytes[0], "abcdef");
}

TEST_F(Fixture, WindowIsClampedToWhatCanBeCompared) {
  std::string big(1000, 'a');
  EXPECT_EQ(seg(1000, big).action, Action::Forward);
  auto r = seg(2000, std::string(100, 'b'));  // 1100 unacknowledged > 1024
  EXPECT_EQ(r.action, Action::Drop);
  EXPECT_EQ(r.reason, Reason::TcpStreamWindowFull);
  seg(5000, "", Dir::ToClient, 1900);
  EXPECT_EQ(seg(2000, std::string(100, 'b')).action, Action::Forward);
}

TEST_F(Fixture, SequenceWraparound) {
  uint32_t s2 = n.open();
  Seen* st2 = static_cast<Seen*>(rec.open(arena));
  n.start(s2, Dir::ToServer, 0xfffffffc);
  EXPECT_EQ(n.segment(s2, Dir::ToServer, 0xfffffffc, b("abcdefgh"), false, {}, &rec, st2, ctx).action,
            Action::Forward);
  EXPECT_EQ(n.segment(s2, Dir::ToServer, 4, b("ijk"), false, {}, &rec, st2, ctx).action,
            Action::Forward);
  // A retransmission across the wrap with different bytes.
  EXPECT_EQ(n.segment(s2, Dir::ToServer, 0xfffffffe, b("XXXX"), false, {}, &rec, st2, ctx).reason,
            Reason::TcpOverlapConflict);
  EXPECT_EQ(st2->bytes[0], "abcdefghijk");
  st2->~Seen();
  arena.release(st2);
}

TEST_F(Fixture, PassThroughAndFin) {
  auto r = seg(1000, "DONE");
  EXPECT_TRUE(r.pass_through);
  auto f = seg(1004, "", Dir::ToServer, std::nullopt, true);
  EXPECT_EQ(f.action, Action::Forward);
  EXPECT_EQ(seg(1005, "x").action, Action::Drop);  // data after the FIN
}

TEST_F(Fixture, DirectionsAreIndependent) {
  seg(1000, "EV");
  seg(5000, "IL", Dir::ToClient);  // "EV" + "IL" across directions is not "EVIL"
  EXPECT_EQ(st->bytes[0], "EV");
  EXPECT_EQ(st->bytes[1], "IL");
}

TEST(StreamPool, Bounded) {
  StreamNormaliser n(2, 64);
  EXPECT_NE(n.open(), StreamNormaliser::kNone);
  uint32_t b2 = n.open();
  EXPECT_NE(b2, StreamNormaliser::kNone);
  EXPECT_EQ(n.open(), StreamNormaliser::kNone);
  n.close(b2);
  EXPECT_NE(n.open(), StreamNormaliser::kNone);
  EXPECT_THROW(StreamNormaliser(2, 100), std::invalid_argument);
}

TEST(FlowArenaTest, Bounded) {
  FlowArena a(2);
  void* x = a.allocate();
  void* y = a.allocate();
  EXPECT_TRUE(x && y && x != y);
  EXPECT_EQ(a.allocate(), nullptr);
  a.release(x);
  EXPECT_EQ(a.allocate(), x);
}

}  // namespace
}  // namespace pw::proto
