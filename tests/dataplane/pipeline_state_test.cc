// Inspected flows under attack: state is taken at the first payload after the handshake (a SYN
// flood costs none), bounded per source, given back at FIN/RST and after a short idle time, and
// idle flows make room for new ones; forged RSTs, ACKs and SYN-ACKs neither close a flow nor
// desynchronise its tracking. Real inspectors (TLS, FTP) and real TLS handshakes.
#include <gtest/gtest.h>

#include <string>

#include "dataplane/pipeline.h"
#include "protocols/inspector_registry.h"
#include "tests/support/packet_builder.h"
#include "tests/support/pipeline_harness.h"
#include "tests/support/tls_transcript.h"

namespace pw::dp {
namespace {

using namespace pw::testing;

const std::string kPolicy = std::string() +
    "set printer-network 198.18.20.0/24\n"
    "set service https direction to-printers\n"
    "set service https protocol tcp\n"
    "set service https port 443\n"
    "set service https inspect tls\n"
    "set service https tls implicit\n"
    + kFtpService +
    "set service ftp-clear-data direction to-printers\n"
    "set service ftp-clear-data protocol tcp\n"
    "set service ftp-clear-data port 2121\n"
    "set service ftp-clear-data inspect ftp\n"
    "set service ftp-clear-data tls required\n"
    "set service ftp-clear-data passive-ports 51000-51100\n"
    "set service ftp-clear-data data-tls optional\n"
    "set service raw direction to-printers\n"
    "set service raw protocol tcp\n"
    "set service raw port 9100\n";

constexpr uint64_t kSec = 1'000'000'000ull;

struct State : ::testing::Test {
  std::shared_ptr<const policy::CompiledPolicy> policy = compile_text(kPolicy);
  PipelineLimits lim{.flows = 4096,
                     .streams = 8,
                     .per_source = 4,
                     .stream_window = 4096,
                     .inspector_states = 12,
                     .buffers = 4};
  std::unique_ptr<PipelineHarness> h;
  void SetUp() override { make(); }
  void make() { h = std::make_unique<PipelineHarness>(lim, proto::inspector_for, policy.get()); }

  // A client at 198.18.0.<host> opening a TCP connection to the printer's `port`.
  struct Conn {
    Ip c2s, s2c;
    uint16_t sport, dport;
    uint32_t cseq = 1001, sseq = 9001;  // next bytes of each side
  };
  Conn conn(int host, uint16_t sport, uint16_t dport) {
    Ip c2s{"198.18.0." + std::to_string(host), "198.18.20.5"};
    return {c2s, {c2s.dst, c2s.src}, sport, dport};
  }
  bool handshake(Conn& c) {
    bool ok = h->run(tcp_frame(c.c2s, {c.sport, c.dport, kSyn, c.cseq - 1, 0}));
    ok &= h->run(tcp_frame(c.s2c, {c.dport, c.sport, kSyn | kAck, c.sseq - 1, c.cseq}));
    ok &= h->run(tcp_frame(c.c2s, {c.sport, c.dport, kAck, c.cseq, c.sseq}));
    return ok;
  }
  bool client(Conn& c, const std::string& data, uint8_t flags = kAck | kPsh) {
    bool ok = h->run(tcp_frame(c.c2s, {c.sport, c.dport, flags, c.cseq, c.sseq}, data));
    c.cseq += static_cast<uint32_t>(data.size() + ((flags & kFin) ? 1 : 0));
    return ok;
  }
  bool server(Conn& c, const std::string& data, uint8_t flags = kAck | kPsh) {
    bool ok = h->run(tcp_frame(c.s2c, {c.dport, c.sport, flags, c.sseq, c.cseq}, data));
    c.sseq += static_cast<uint32_t>(data.size() + ((flags & kFin) ? 1 : 0));
    return ok;
  }
  // A whole TLS 1.3 handshake on `c`; true when every flight crossed.
  bool tls(Conn& c) {
    for (const auto& chunk : tls_handshake())
      if (!(chunk.to_server ? client(c, chunk.bytes) : server(c, chunk.bytes))) return false;
    return true;
  }
  uint64_t reason(Reason r) const { return h->p.counters().reasons[r]; }
};

// The first bytes of a ClientHello that announces a 60,000-byte message: the TLS inspector takes
// a pool buffer for it and waits (the slow-handshake attack).
std::string partial_hello() {
  return std::string("\x16\x03\x01\x40\x00\x01\x00\xea\x60\x03\x03", 11);
}

TEST_F(State, SynFloodTakesNoInspectionState) {
  // 2,000 half-open connections from one source to an inspected port: flow entries only.
  for (uint16_t i = 0; i < 2000; ++i) {
    Conn c = conn(66, static_cast<uint16_t>(10000 + i), 443);
    EXPECT_TRUE(h->run(tcp_frame(c.c2s, {c.sport, 443, kSyn, 77, 0})));
  }
  EXPECT_EQ(h->p.counters().flows_created, 2000u);
  EXPECT_EQ(h->p.inspected_flows(), 0u);
  EXPECT_EQ(reason(Reason::StreamPoolFull) + reason(Reason::InspectorStateFull), 0u);
  // Other clients' inspected sessions work, and so does the flooding source's own real one once
  // its second of new flows (flows new-per-source, 2,000) is over.
  h->now += 1'100'000'000ull;
  for (int host : {7, 8, 66}) {
    Conn c = conn(host, 40000, 443);
    ASSERT_TRUE(handshake(c));
    EXPECT_TRUE(tls(c)) << host;
  }
  EXPECT_EQ(h->out.count(Reason::StreamPoolFull) + h->out.count(Reason::InspectorStateFull), 0u);
}

TEST_F(State, SlowHandshakesFromOneSourceAreCappedAndExpire) {
  // One source opens 20 connections and sends the first bytes of a TLS record on each.
  size_t held = 0;
  for (uint16_t i = 0; i < 20; ++i) {
    Conn c = conn(66, static_cast<uint16_t>(20000 + i), 443);
    ASSERT_TRUE(handshake(c));
    held += client(c, std::string("\x16\x03\x01", 3));
  }
  EXPECT_EQ(held, lim.per_source);  // the rest were refused at their first byte, with RSTs
  EXPECT_EQ(h->out.count(Reason::SourceFlowLimit), 20 - lim.per_source);
  EXPECT_EQ(h->p.inspected_flows(), lim.per_source);
  // Others are not affected.
  for (int host : {7, 8, 9}) {
    Conn c = conn(host, 40000, 443);
    ASSERT_TRUE(handshake(c));
    EXPECT_TRUE(tls(c)) << host;
  }
  // Idle past `flows timeout tcp-inspecting` (30 s): the held state is given back.
  h->idle(31 * kSec);
  EXPECT_EQ(h->p.inspected_flows(), 0u);
  Conn again = conn(66, 30000, 443);
  ASSERT_TRUE(handshake(again));
  EXPECT_TRUE(tls(again));
}

TEST_F(State, OneSourceCannotPinTheMessageBuffers) {
  lim.buffers = 16;  // a source may hold 2
  make();
  size_t held = 0;
  for (uint16_t i = 0; i < 4; ++i) {
    Conn c = conn(66, static_cast<uint16_t>(20000 + i), 443);
    ASSERT_TRUE(handshake(c));
    held += client(c, partial_hello());  // each wants a buffer for a 60,000-byte ClientHello
  }
  EXPECT_EQ(held, 2u);
  EXPECT_EQ(h->out.count(Reason::InspectorStateFull), 2u);
  // At once, no eviction needed: others complete their handshakes.
  for (int host : {7, 8, 9}) {
    Conn c = conn(host, 40000, 443);
    ASSERT_TRUE(handshake(c));
    EXPECT_TRUE(tls(c)) << host;
  }
}

TEST_F(State, IdleInspectedFlowsMakeRoomWhenThePoolsAreFull) {
  // Eight sources hold every normaliser stream.
  for (int host = 1; host <= 8; ++host) {
    Conn c = conn(host, 20000, 443);
    ASSERT_TRUE(handshake(c));
    EXPECT_TRUE(client(c, std::string("\x16\x03\x01", 3)));
  }
  EXPECT_EQ(h->p.inspected_flows(), 8u);
  // Busy ones are not evicted: a new session is refused while all are active...
  Conn early = conn(20, 40000, 443);
  ASSERT_TRUE(handshake(early));
  EXPECT_FALSE(client(early, tls_handshake().front().bytes));
  EXPECT_EQ(h->out.count(Reason::StreamPoolFull), 1u);
  // ...idle ones are: the least recently active goes, reported, and new sessions complete.
  h->idle(3 * kSec);
  for (int host = 21; host <= 24; ++host) {
    Conn c = conn(host, 40000, 443);
    ASSERT_TRUE(handshake(c));
    EXPECT_TRUE(tls(c)) << host;
  }
  // (Each completed handshake passes through and gives its stream back for the next.)
  ASSERT_EQ(h->out.count(Reason::InspectionEvicted), 1u);
  for (const auto& e : h->out.events) {
    if (e.reason == Reason::InspectionEvicted) {
      EXPECT_EQ(e.src.str(), "198.18.0.1");
    }
  }
  EXPECT_EQ(h->p.inspected_flows(), 7u);
}

TEST_F(State, StateIsGivenBackAtFinAndRst) {
  Conn a = conn(7, 40000, 21);
  ASSERT_TRUE(handshake(a));
  ASSERT_TRUE(server(a, "220 ready\r\n"));
  EXPECT_EQ(h->p.inspected_flows(), 1u);
  ASSERT_TRUE(client(a, "", kAck | kFin));
  EXPECT_EQ(h->p.inspected_flows(), 1u);  // half-closed: the other way may still send
  ASSERT_TRUE(server(a, "221 bye\r\n", kAck | kPsh | kFin));
  EXPECT_EQ(h->p.inspected_flows(), 1u);  // its FIN and bytes not yet acknowledged
  ASSERT_TRUE(client(a, "", kAck));
  EXPECT_EQ(h->p.inspected_flows(), 0u);
  // Bytes after the close are refused: nothing is inspected any more.
  EXPECT_FALSE(h->run(tcp_frame(a.c2s, {a.sport, 21, kAck | kPsh, a.cseq, a.sseq}, "USER x\r\n")));
  EXPECT_EQ(reason(Reason::TcpAfterClose), 1u);

  Conn b = conn(8, 40001, 21);
  ASSERT_TRUE(handshake(b));
  ASSERT_TRUE(server(b, "220 ready\r\n"));
  EXPECT_EQ(h->p.inspected_flows(), 1u);
  EXPECT_TRUE(h->run(tcp_frame(b.c2s, {b.sport, 21, kRst | kAck, b.cseq, b.sseq})));
  EXPECT_EQ(h->p.inspected_flows(), 0u);
}

TEST_F(State, SynDataIsRefusedOnInspectedFlows) {
  Conn c = conn(7, 40000, 443);
  EXPECT_FALSE(h->run(tcp_frame(c.c2s, {c.sport, 443, kSyn, c.cseq - 1, 0}, "\x16\x03\x01")));
  EXPECT_EQ(reason(Reason::TcpSynData), 1u);
  ASSERT_TRUE(handshake(c));  // the client falls back to a plain SYN
  EXPECT_TRUE(tls(c));
  // Uninspected services keep their SYN data.
  Conn raw = conn(7, 40001, 9100);
  EXPECT_TRUE(h->run(tcp_frame(raw.c2s, {raw.sport, 9100, kSyn, raw.cseq - 1, 0}, "%!PS")));
}

// --- FTP data connections ----------------------------------------------------------------------

struct Ftp : State {
  // A control connection on `port` through AUTH TLS and a real TLS 1.3 handshake.
  Conn control(int host, uint16_t port = 21, bool tls_handshake_too = true) {
    Conn c = conn(host, 40000, port);
    EXPECT_TRUE(handshake(c));
    EXPECT_TRUE(server(c, "220 ready\r\n"));
    EXPECT_TRUE(client(c, "AUTH TLS\r\n"));
    EXPECT_TRUE(server(c, "234 Proceed with negotiation.\r\n"));
    if (tls_handshake_too) {
      EXPECT_TRUE(tls(c));
    }
    return c;
  }
  // A passive data connection from `host` to the printer's `port`; true when its SYN crossed.
  bool passive(int host, uint16_t port, Conn* out = nullptr) {
    Conn d = conn(host, 41000, port);
    bool ok = h->run(tcp_frame(d.c2s, {d.sport, port, kSyn, d.cseq - 1, 0}));
    if (ok && out) {
      h->run(tcp_frame(d.s2c, {port, d.sport, kSyn | kAck, d.sseq - 1, d.cseq}));
      h->run(tcp_frame(d.c2s, {d.sport, port, kAck, d.cseq, d.sseq}));
      *out = d;
    }
    return ok;
  }
};

TEST_F(Ftp, BareHandshakeOrAuthWithoutTlsOpensNoDataPort) {
  Conn bare = conn(7, 40000, 21);
  ASSERT_TRUE(handshake(bare));
  ASSERT_TRUE(server(bare, "220 ready\r\n"));
  EXPECT_FALSE(passive(7, 50010));
  Conn half = control(8, 21, false);  // AUTH TLS answered, no TLS handshake yet
  EXPECT_FALSE(passive(8, 50010));
  EXPECT_EQ(h->out.count(Reason::DefaultDeny), 2u);
}

TEST_F(Ftp, PassiveDataOpensForTheSecuredPairWhileItsControlLives) {
  Conn c = control(7);
  Conn d;
  ASSERT_TRUE(passive(7, 50010, &d));
  // Another client, another printer, a port outside the range: closed.
  EXPECT_FALSE(passive(8, 50010));
  EXPECT_FALSE(passive(7, 50101));
  Conn other = conn(7, 41001, 50010);
  other.c2s.dst = "198.18.20.6";
  EXPECT_FALSE(h->run(tcp_frame(other.c2s, {41001, 50010, kSyn, 1, 0})));
  // PROT P: the data connection starts with TLS.
  EXPECT_TRUE(tls(d));
  // The control connection ends: so do its data rights.
  ASSERT_TRUE(client(c, std::string(), kAck | kFin));
  ASSERT_TRUE(server(c, std::string(), kAck | kFin));
  EXPECT_FALSE(passive(7, 50011));
}

// A commit that renumbers the services (one added before them) leaves the session's data
// rights as they were: the FTP service is found again under the policy in force.
TEST_F(Ftp, DataRightsSurviveACommitThatRenumbersServices) {
  control(7);
  auto next = compile_text(std::string(kPolicy) +
                           "set service aaa-first direction to-printers\n"
                           "set service aaa-first protocol tcp\n"
                           "set service aaa-first port 7777\n", 2);
  h->p.set_policy(next.get());
  EXPECT_TRUE(passive(7, 50010));
  h->p.set_policy(policy.get());
}

TEST_F(Ftp, DataInClearIsRefusedUnlessTheServiceAllowsIt) {
  control(7);
  Conn d;
  ASSERT_TRUE(passive(7, 50010, &d));
  EXPECT_FALSE(client(d, "%!PS-Adobe-3.0\n"));
  EXPECT_EQ(h->out.count(Reason::NonTlsOnTlsPort), 1u);
  // data-tls optional: clear data on a secured session's data connection passes.
  control(8, 2121);
  Conn clear;
  ASSERT_TRUE(passive(8, 51000, &clear));
  EXPECT_TRUE(client(clear, "%!PS-Adobe-3.0\n"));
}

TEST_F(Ftp, ActiveModeUnderTheSameRules) {
  // PORT/EPRT: the printer connects to the client, from port 20, to an unprivileged port.
  Ip p2c{"198.18.20.5", "198.18.0.7"}, c2p{"198.18.0.7", "198.18.20.5"};
  EXPECT_FALSE(h->run(tcp_frame(p2c, {20, 45000, kSyn, 500, 0})));  // no secured session yet
  control(7);
  EXPECT_FALSE(h->run(tcp_frame(p2c, {20, 1023, kSyn, 500, 0})));  // privileged port
  EXPECT_FALSE(h->run(tcp_frame({"198.18.20.5", "198.18.0.8"}, {20, 45000, kSyn, 500, 0})));
  ASSERT_TRUE(h->run(tcp_frame(p2c, {20, 45000, kSyn, 500, 0})));
  ASSERT_TRUE(h->run(tcp_frame(c2p, {45000, 20, kSyn | kAck, 7000, 501})));
  ASSERT_TRUE(h->run(tcp_frame(p2c, {20, 45000, kAck, 501, 7001})));
  // The FTP client is still the TLS client (RFC 4217): its ClientHello goes first, from the
  // TCP responder; the printer answering in clear first would be refused.
  uint32_t cs = 7001, ps = 501;
  for (const auto& chunk : tls_handshake()) {
    if (chunk.to_server) {
      EXPECT_TRUE(h->run(tcp_frame(c2p, {45000, 20, kAck | kPsh, cs, ps}, chunk.bytes)));
      cs += static_cast<uint32_t>(chunk.bytes.size());
    } else {
      EXPECT_TRUE(h->run(tcp_frame(p2c, {20, 45000, kAck | kPsh, ps, cs}, chunk.bytes)));
      ps += static_cast<uint32_t>(chunk.bytes.size());
    }
  }
  ASSERT_TRUE(h->run(tcp_frame(p2c, {20, 45001, kSyn, 800, 0})));
  ASSERT_TRUE(h->run(tcp_frame(c2p, {45001, 20, kSyn | kAck, 9000, 801})));
  ASSERT_TRUE(h->run(tcp_frame(p2c, {20, 45001, kAck, 801, 9001})));
  EXPECT_FALSE(h->run(tcp_frame(p2c, {20, 45001, kAck | kPsh, 801, 9001}, "scan.pdf data")));
  EXPECT_EQ(h->out.count(Reason::NonTlsOnTlsPort) + h->out.count(Reason::MalformedTls), 1u);
}

// --- Forged segments -------------------------------------------------------------------------

TEST_F(State, ForgedRstsNeitherCloseTheFlowNorReachThePrinter) {
  Conn c = conn(7, 40000, 21);
  ASSERT_TRUE(handshake(c));
  ASSERT_TRUE(server(c, "220 ready\r\n"));
  ASSERT_TRUE(client(c, "FEAT\r\n"));
  // Blind RSTs inside the window but not at the receiver's next byte, and far outside it.
  for (uint32_t delta : {1u, 100u, 30000u, 1u << 30}) {
    EXPECT_FALSE(h->run(tcp_frame(c.c2s, {c.sport, 21, kRst, c.cseq + delta, 0}))) << delta;
    EXPECT_FALSE(h->run(tcp_frame(c.s2c, {21, c.sport, kRst | kAck, c.sseq + delta, c.cseq}))) << delta;
  }
  EXPECT_EQ(reason(Reason::TcpRstOutOfWindow), 8u);
  EXPECT_EQ(h->p.inspected_flows(), 1u);
  // The session goes on, inspected as before: a plaintext login is still refused.
  EXPECT_TRUE(server(c, "211 End\r\n"));
  EXPECT_FALSE(client(c, "USER printer\r\n"));
  EXPECT_EQ(h->out.count(Reason::PlaintextAuth), 1u);
}

TEST_F(State, RetransmittedSynAckDoesNotRestartTheNormaliser) {
  Conn c = conn(7, 40000, 21);
  ASSERT_TRUE(handshake(c));
  ASSERT_TRUE(server(c, "220 ready\r\n"));
  // The printer did not get the handshake's ACK and sends its SYN-ACK again: forwarded (the
  // client answers with an ACK), and the stream goes on where it was.
  EXPECT_TRUE(h->run(tcp_frame(c.s2c, {21, c.sport, kSyn | kAck, 9000, 1001})));
  EXPECT_TRUE(client(c, "FEAT\r\n"));
  EXPECT_TRUE(server(c, "211 End\r\n"));
  // A SYN-ACK with another ISN is forged: dropped, nothing changes.
  EXPECT_FALSE(h->run(tcp_frame(c.s2c, {21, c.sport, kSyn | kAck, 12345, 1001})));
  EXPECT_TRUE(client(c, "AUTH TLS\r\n"));
  EXPECT_TRUE(server(c, "234 go\r\n"));
  for (const auto& e : h->out.events)
    if (e.reason != Reason::NdpiRisk) ADD_FAILURE() << event_json(e, policy.get());
}

TEST_F(State, ForgedAckDoesNotMoveTheSequenceTheResetsUse) {
  Conn c = conn(7, 40000, 21);
  ASSERT_TRUE(handshake(c));
  ASSERT_TRUE(server(c, "220 ready\r\n"));
  ASSERT_TRUE(client(c, "FEAT\r\n"));
  // A pure ACK with a sequence number ahead (inside the window): receivers ignore it.
  h->run(tcp_frame(c.c2s, {c.sport, 21, kAck, c.cseq + 5000, c.sseq}));
  // The inspector then denies the client: the RST toward the printer must carry the sequence
  // number the printer expects, not the forged one.
  EXPECT_FALSE(client(c, "PASS x\r\n"));
  ASSERT_EQ(h->out.emitted.size(), 2u);
  PacketView to_server;
  ASSERT_EQ(parse_frame(h->out.emitted[1], to_server), Reason::Forwarded);
  EXPECT_EQ(to_server.dst.str(), "198.18.20.5");
  EXPECT_EQ(to_server.seq, c.cseq - 8);  // the first byte of "PASS x\r\n", which never arrived
}

}  // namespace
}  // namespace pw::dp
