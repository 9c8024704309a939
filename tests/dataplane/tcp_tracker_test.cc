#include "dataplane/tcp_tracker.h"

#include <gtest/gtest.h>

#include <deque>

#include "tests/support/packet_builder.h"

namespace pw::dp {
namespace {

using namespace pw::testing;

const Ip kC2S{"198.18.0.1", "198.18.20.5"}, kS2C{"198.18.20.5", "198.18.0.1"};

// A segment as the tracker sees it (the frame stays alive for the view).
PacketView seg(bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, const std::string& data = {}) {
  static std::deque<Bytes> frames;
  frames.push_back(from_client ? tcp_frame(kC2S, {40000, 21, flags, seq, ack}, data)
                               : tcp_frame(kS2C, {21, 40000, flags, seq, ack}, data));
  PacketView v;
  EXPECT_EQ(parse_frame(frames.back(), v), Reason::Forwarded);
  return v;
}

// A flow through its handshake: client ISN 99, server ISN 4999.
Flow established() {
  Flow f;
  f.state = FlowState::TcpSynSent;
  tcp_commit(seg(true, kSyn, 99, 0), f, 0);
  EXPECT_EQ(tcp_check(seg(false, kSyn | kAck, 4999, 100), f, 1), Reason::Forwarded);
  tcp_commit(seg(false, kSyn | kAck, 4999, 100), f, 1);
  EXPECT_EQ(f.state, FlowState::TcpSynReceived);
  tcp_commit(seg(true, kAck, 100, 5000), f, 0);
  EXPECT_EQ(f.state, FlowState::TcpEstablished);
  return f;
}

TEST(TcpTracker, HandshakeAndItsRetransmissions) {
  Flow f = established();
  EXPECT_EQ(tcp_check(seg(false, kSyn | kAck, 4999, 100), f, 1), Reason::Forwarded);  // same ISN
  EXPECT_EQ(tcp_commit(seg(false, kSyn | kAck, 4999, 100), f, 1).closed, false);
  EXPECT_EQ(f.state, FlowState::TcpEstablished);  // nothing restarted
  EXPECT_EQ(tcp_check(seg(false, kSyn | kAck, 7777, 100), f, 1), Reason::TcpOutOfWindow);
  EXPECT_EQ(tcp_check(seg(true, kSyn, 99, 0), f, 0), Reason::TcpOutOfWindow);  // SYN again, too late
}

TEST(TcpTracker, ResetsOnlyWhereTheReceiverWaits) {
  Flow f = established();
  tcp_commit(seg(true, kAck | kPsh, 100, 5000, "hello"), f, 0);  // client sent 100..104
  // The server acknowledged 100 so far: its RCV.NXT is 100..105.
  for (uint32_t s : {100u, 103u, 105u})
    EXPECT_EQ(tcp_check(seg(true, kRst, s, 0), f, 0), Reason::Forwarded) << s;
  for (uint32_t s : {99u, 106u, 3000u, 0x80000000u})
    EXPECT_EQ(tcp_check(seg(true, kRst, s, 0), f, 0), Reason::TcpRstOutOfWindow) << s;
  EXPECT_TRUE(tcp_commit(seg(true, kRst, 105, 0), f, 0).closed);
  EXPECT_EQ(f.state, FlowState::TcpClosing);
}

TEST(TcpTracker, WindowsAndAcknowledgements) {
  Flow f = established();
  EXPECT_EQ(tcp_check(seg(true, kAck, 100, 5000, std::string(100, 'x')), f, 0), Reason::Forwarded);
  EXPECT_EQ(tcp_check(seg(true, kAck, 100 + 70000, 5000, "x"), f, 0), Reason::TcpOutOfWindow);
  EXPECT_EQ(tcp_check(seg(true, kAck, 100, 5001), f, 0), Reason::TcpOutOfWindow);  // unsent byte
  // A pure ACK's sequence number moves nothing.
  tcp_commit(seg(true, kAck, 100 + 5000, 5000), f, 0);
  EXPECT_EQ(f.tcp[0].end, 100u);
}

TEST(TcpTracker, ClosedWhenBothFinsAreAcknowledged) {
  Flow f = established();
  EXPECT_TRUE(tcp_commit(seg(true, kAck | kFin, 100, 5000), f, 0).fin);
  EXPECT_FALSE(tcp_commit(seg(false, kAck | kFin, 5000, 101), f, 1).closed);  // its FIN unacked
  EXPECT_EQ(f.state, FlowState::TcpClosing);
  EXPECT_TRUE(tcp_commit(seg(true, kAck, 101, 5001), f, 0).closed);
}

}  // namespace
}  // namespace pw::dp
