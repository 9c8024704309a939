#include "dataplane/pipeline.h"

#include <gtest/gtest.h>

#include <string>

#include "protocols/inspector_registry.h"
#include "tests/support/discovery_messages.h"
#include "tests/support/packet_builder.h"
#include "tests/support/pipeline_harness.h"
#include "tests/support/tls_transcript.h"

namespace pw::dp {
namespace {

using namespace pw::testing;

const std::string kPolicy = std::string() +
    "set printer-network 198.18.20.0/24\n"
    "set printer-network 2001:db8:20::/48\n"
    "set group mgmt address 198.18.40.0/24\n"
    "set group relay address 198.18.50.25\n"
    "set service raw direction to-printers\n"
    "set service raw protocol tcp\n"
    "set service raw port 9100\n"
    "set service https-mgmt direction to-printers\n"
    "set service https-mgmt protocol tcp\n"
    "set service https-mgmt port 443\n"
    "set service https-mgmt peer-group mgmt\n"
    "set service ipp direction to-printers\n"
    "set service ipp protocol tcp\n"
    "set service ipp protocol udp\n"
    "set service ipp port 631\n"
    "set service ipp action reject\n"
    "set service snmp direction to-printers\n"
    "set service snmp protocol udp\n"
    "set service snmp port 161\n"
    "set service smtp direction from-printers\n"
    "set service smtp protocol tcp\n"
    "set service smtp port 587\n"
    "set service smtp peer-group relay\n"
    + kFtpService +
    "set service eapol direction both\n"
    "set service eapol protocol ethertype\n"
    "set service eapol ethertype eapol\n"
    "set service ping direction to-printers\n"
    "set service ping protocol icmp\n"
    "set detection port-scan ports 10\n"
    "set detection port-scan printers 100\n";

// A test inspector: denies a stream that contains "PASS " (inspector-deny) or "LOGIN "
// (plaintext-auth: a refused credential), counts a failed login at "530 ", passes through after
// "234 ".
struct Text : proto::FlowState {
  char buf[64];
  size_t n;
};
class FakeFtp : public proto::Inspector {
 public:
  const char* name() const override { return "fake-ftp"; }
  const proto::Requirements& requirements() const override {
    static constexpr proto::Requirements kStream{};
    return kStream;
  }
  proto::FlowState* open(proto::FlowArena& a) const override { return a.make<Text>(); }
  proto::Decision on_data(proto::FlowState& s, proto::Dir d, std::span<const std::byte> in,
                          proto::Context& ctx) const override {
    auto& t = static_cast<Text&>(s);
    std::string now(t.buf, t.n);
    now.append(reinterpret_cast<const char*>(in.data()), in.size());
    if (d == proto::Dir::ToServer && now.find("PASS ") != std::string::npos)
      return {proto::Verdict::Deny, 0, Reason::InspectorDeny};
    if (d == proto::Dir::ToServer && now.find("LOGIN ") != std::string::npos)  // a credential in clear
      return {proto::Verdict::Deny, 0, Reason::PlaintextAuth};
    if (d == proto::Dir::ToClient && now.find("999 ") != std::string::npos)  // a reply refused
      return {proto::Verdict::Deny, 0, Reason::MalformedReply};
    if (d == proto::Dir::ToClient && now.find("530 ") != std::string::npos) {
      ctx.count(Reason::AuthFailed);
      t.n = 0;
      return {proto::Verdict::Continue, static_cast<uint32_t>(in.size()), Reason::Forwarded};
    }
    if (d == proto::Dir::ToClient && now.find("234 ") != std::string::npos)
      return {proto::Verdict::PassThrough, static_cast<uint32_t>(in.size()), Reason::Forwarded};
    std::string keep = now.substr(now.size() > 8 ? now.size() - 8 : 0);
    t.n = keep.size();
    std::copy(keep.begin(), keep.end(), t.buf);
    return {proto::Verdict::Continue, static_cast<uint32_t>(in.size()), Reason::Forwarded};
  }
};
const FakeFtp kFakeFtp;
const proto::Inspector* fake_registry(policy::Inspect p, bool) {
  return p == policy::Inspect::Ftp ? &kFakeFtp : nullptr;
}

struct PipelineTest : ::testing::Test {
  std::shared_ptr<const policy::CompiledPolicy> policy = compile_text(kPolicy);
  PipelineLimits lim{
      .flows = 64, .streams = 8, .stream_window = 4096, .inspector_states = 8, .scan_sources = 64};
  std::unique_ptr<Pipeline> p;
  Collect out;
  uint64_t now = 1'700'000'000'000'000'000ull;
  std::vector<Bytes> keep;

  void SetUp() override { make(nullptr); }
  void make(InspectorLookup reg) {
    p = std::make_unique<Pipeline>(lim, reg);
    p->set_policy(policy.get());
  }
  // Runs one frame; returns true when it was forwarded as is.
  bool run(const Bytes& f) {
    keep.push_back(f);
    Frame fr{keep.back(), now += 1000, Side::Unknown};
    size_t before = out.forwarded.size();
    p->process({&fr, 1}, out);
    return out.forwarded.size() > before;
  }
  // A TCP handshake client -> server; returns the client's next seq and the server's.
  std::pair<uint32_t, uint32_t> handshake(const Ip& c2s, uint16_t sport, uint16_t dport) {
    Ip s2c{c2s.dst, c2s.src};
    EXPECT_TRUE(run(tcp_frame(c2s, {sport, dport, kSyn, 100, 0})));
    EXPECT_TRUE(run(tcp_frame(s2c, {dport, sport, kSyn | kAck, 5000, 101})));
    EXPECT_TRUE(run(tcp_frame(c2s, {sport, dport, kAck, 101, 5001})));
    return {101, 5001};
  }
  // An FTP control connection of kClient from `port` to the fake FTP inspector, handshaken and
  // past the server's first `reply` (the client's next byte is 101, the server's 5001 + reply).
  void ftp_control(uint16_t port, const std::string& reply);
};

const Ip kClient{"198.18.0.1", "198.18.20.5"};

void PipelineTest::ftp_control(uint16_t port, const std::string& reply) {
  handshake(kClient, port, 21);
  EXPECT_TRUE(run(tcp_frame({kClient.dst, kClient.src}, {21, port, kAck | kPsh, 5001, 101}, reply)));
}
const Ip kMgmt{"198.18.40.7", "198.18.20.5"};

TEST_F(PipelineTest, DefaultDenyTowardPrinters) {
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 80, kSyn, 1, 0})));
  ASSERT_EQ(out.events.size(), 1u);
  const Event& e = out.events[0];
  EXPECT_EQ(e.reason, Reason::DefaultDeny);
  EXPECT_EQ(e.action, EventAction::Drop);
  EXPECT_EQ(e.src.str(), "198.18.0.1");
  EXPECT_EQ(e.dst_port, 80);
  EXPECT_EQ(e.generation, 1u);
  EXPECT_EQ(out.mirrored.size(), 1u);  // a denied frame goes to the NIDS
  EXPECT_EQ(p->counters().reasons[Reason::DefaultDeny], 1u);
  std::string json = event_json(e, policy.get());
  EXPECT_NE(json.find("\"reason\":\"default-deny\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"src_ip\":\"198.18.0.1\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"dst_port\":80"), std::string::npos) << json;
}

TEST_F(PipelineTest, AllowedTcpFlowBothDirections) {
  Ip s2c{kClient.dst, kClient.src};
  auto [c, s] = handshake(kClient, 40000, 9100);
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 9100, kAck | kPsh, c, s}, "%!PS\n")));
  EXPECT_TRUE(run(tcp_frame(s2c, {9100, 40000, kAck, s, c + 5})));
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 9100, kAck | kFin, c + 5, s})));
  EXPECT_TRUE(run(tcp_frame(s2c, {9100, 40000, kAck | kFin, s, c + 6})));
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(out.mirrored.empty());  // benign flows are not mirrored
  EXPECT_EQ(p->counters().flows_created, 1u);
}

TEST_F(PipelineTest, MidStreamSegmentsAreNotAFlow) {
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kAck, 1, 1}, "data")));
  EXPECT_EQ(p->counters().reasons[Reason::TcpNoFlow], 1u);
  // A SYN-ACK cannot open a flow either.
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kSyn | kAck, 1, 1})));
  EXPECT_EQ(p->counters().reasons[Reason::TcpNoFlow], 2u);
  EXPECT_EQ(out.mirrored.size(), 2u);  // both go to the NIDS
  // An orphan RST (a stack closing after the gateway forgot the flow) is counted, not copied.
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kRst, 1, 0})));
  EXPECT_EQ(p->counters().reasons[Reason::TcpNoFlow], 3u);
  EXPECT_EQ(out.mirrored.size(), 2u);
}

TEST_F(PipelineTest, RejectAnswersTcpWithRstAndUdpWithIcmp) {
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 631, kSyn, 1000, 0})));
  ASSERT_EQ(out.emitted.size(), 1u);
  PacketView r;
  ASSERT_EQ(parse_frame(out.emitted[0], r), Reason::Forwarded);
  EXPECT_EQ(r.src.str(), "198.18.20.5");
  EXPECT_EQ(r.dst.str(), "198.18.0.1");
  EXPECT_EQ(r.sport, 631);
  EXPECT_EQ(r.dport, 40000);
  EXPECT_EQ(r.tcp_flags, kRst | kAck);
  EXPECT_EQ(r.ack, 1001u);
  EXPECT_TRUE(l4_checksum_ok(r));
  EXPECT_EQ(out.events.back().action, EventAction::Reject);
  EXPECT_EQ(out.events.back().reason, Reason::ServiceReject);

  // UDP: communication administratively prohibited (ICMP 3/13, ICMPv6 1/1).
  const Bytes q = bytes("query");
  const struct {
    Ip ip;
    uint8_t proto, type, code;
  } kUnreachable[] = {{kClient, kProtoIcmp, 3, 13},
                      {Ip{"2001:db8::9", "2001:db8:20::5"}, kProtoIcmpv6, 1, 1}};
  for (const auto& u : kUnreachable) {
    SCOPED_TRACE(u.ip.src);
    out.clear();
    EXPECT_FALSE(run(udp_frame(u.ip, 5000, 631, q)));
    ASSERT_EQ(out.emitted.size(), 1u);
    ASSERT_EQ(parse_frame(out.emitted[0], r), Reason::Forwarded);
    EXPECT_EQ(r.ip_proto, u.proto);
    EXPECT_EQ(r.icmp_type, u.type);
    EXPECT_EQ(r.icmp_code, u.code);
    if (u.proto == kProtoIcmp) {
      EXPECT_EQ(ipv4_header_checksum(r.ip.subspan(r.l4_offset)), 0);
    } else {
      EXPECT_TRUE(l4_checksum_ok(r));
    }
  }
}

TEST_F(PipelineTest, HostGroupsAndEgress) {
  EXPECT_FALSE(run(tcp_frame(kClient, {40001, 443, kSyn, 1, 0})));
  EXPECT_TRUE(run(tcp_frame(kMgmt, {40001, 443, kSyn, 1, 0})));
  Ip out_ok{"198.18.20.5", "198.18.50.25"}, out_bad{"198.18.20.5", "198.18.50.26"};
  EXPECT_TRUE(run(tcp_frame(out_ok, {50000, 587, kSyn, 1, 0})));
  EXPECT_FALSE(run(tcp_frame(out_bad, {50000, 587, kSyn, 1, 0})));
  EXPECT_EQ(out.count(Reason::DefaultDeny), 2u);
  // SNMP to printers only, not from them.
  EXPECT_TRUE(run(udp_frame(kClient, 3000, 161)));
  EXPECT_FALSE(run(udp_frame({"198.18.20.5", "198.18.0.1"}, 3000, 161)));
}

// Discovery asked of a group is answered in unicast by each printer (SNMP, WS-Discovery, SSDP,
// LLMNR, NetBIOS): for a few seconds after the query, an answer from the asked port to the
// asking client's port is matched as the reply of a unicast query to that printer.
TEST_F(PipelineTest, UnicastAnswersToGroupQueries) {
  const Ip query{"198.18.0.1", "255.255.255.255"};
  auto answer = [&](const char* printer, uint16_t sport, uint16_t dport) {
    return run(udp_frame({printer, "198.18.0.1"}, sport, dport));
  };
  EXPECT_FALSE(answer("198.18.20.5", 161, 40000));  // nothing asked yet
  EXPECT_TRUE(run(udp_frame(query, 40000, 161)));
  EXPECT_TRUE(answer("198.18.20.5", 161, 40000));
  EXPECT_TRUE(answer("198.18.20.6", 161, 40000));  // every member may answer
  EXPECT_TRUE(run(udp_frame({"198.18.0.1", "198.18.20.5"}, 40000, 161)));  // the same flow, both ways
  EXPECT_FALSE(answer("198.18.20.7", 162, 40000));  // not from the asked port
  EXPECT_FALSE(answer("198.18.20.7", 161, 40001));  // not to the asking port
  EXPECT_FALSE(run(udp_frame({"198.18.20.7", "198.18.0.2"}, 161, 40000)));  // not to the asker
  EXPECT_EQ(p->counters().group_answers, 2u);
  now += 6'000'000'000ull;  // the answer window is over
  EXPECT_FALSE(answer("198.18.20.7", 161, 40000));
  EXPECT_TRUE(run(udp_frame(query, 40000, 161)));  // asked again on the same flow: a new window
  EXPECT_TRUE(answer("198.18.20.7", 161, 40000));
  // A query the policy refuses opens no window (ipp: reject).
  EXPECT_FALSE(run(udp_frame(query, 40002, 631)));
  EXPECT_FALSE(answer("198.18.20.5", 631, 40002));
  // IPv6: a group of the link.
  EXPECT_TRUE(run(udp_frame({"2001:db8::9", "ff02::1"}, 40000, 161)));
  EXPECT_TRUE(run(udp_frame({"2001:db8:20::5", "2001:db8::9"}, 161, 40000)));
  // A flat office's subnet broadcast, declared in link-multicast: a group address like the others
  // (a query to it goes toward the printers, the answers come back).
  EXPECT_FALSE(run(udp_frame({"198.18.0.1", "198.18.0.255"}, 40004, 161)));  // transit until declared
  policy = compile_text(kPolicy + "set group link-multicast address 198.18.0.255\n", 2);
  p->set_policy(policy.get());
  EXPECT_TRUE(run(udp_frame({"198.18.0.1", "198.18.0.255"}, 40004, 161)));
  EXPECT_TRUE(answer("198.18.20.5", 161, 40004));
  // The answer reaches another worker than the query: it reads this worker's table.
  Pipeline other(lim);
  other.set_policy(policy.get());
  other.read_group_queries_of(*p);
  EXPECT_TRUE(run(udp_frame(query, 40003, 161)));
  Bytes a = udp_frame({"198.18.20.5", "198.18.0.1"}, 161, 40003);
  Frame fr{a, now += 1000, Side::Unknown};
  Collect o2;
  other.process({&fr, 1}, o2);
  EXPECT_EQ(o2.forwarded.size(), 1u);
  EXPECT_EQ(other.counters().group_answers, 1u);
}

// IGMP membership messages of the segment pass (switches snoop them); any other IGMP is dropped.
TEST_F(PipelineTest, IgmpMembershipOfTheSegment) {
  const Bytes report = {0x22, 0, 0xf9, 0xfd, 0, 0, 0, 1, 4, 0, 0, 0, 239, 255, 255, 250};  // IGMPv3
  Ip to_all{"198.18.20.5", "224.0.0.22"};
  to_all.ttl = 1;
  EXPECT_TRUE(run(ether({}, kEtherIpv4, ipv4_datagram(to_all, 2, report))));
  Ip v2{"198.18.0.1", "239.255.255.250"};  // an IGMPv2 report goes to its group
  v2.ttl = 1;
  EXPECT_TRUE(run(ether({}, kEtherIpv4, ipv4_datagram(v2, 2, Bytes{0x16, 0, 0, 0, 239, 255, 255, 250}))));
  EXPECT_TRUE(out.mirrored.empty());
  Ip routed = to_all;
  routed.ttl = 2;  // crossed a router, or lies about it
  EXPECT_FALSE(run(ether({}, kEtherIpv4, ipv4_datagram(routed, 2, report))));
  Ip unicast{"198.18.0.1", "198.18.20.5"};
  unicast.ttl = 1;
  EXPECT_FALSE(run(ether({}, kEtherIpv4, ipv4_datagram(unicast, 2, report))));
  EXPECT_FALSE(run(ether({}, kEtherIpv4, ipv4_datagram(to_all, 2, Bytes{0x22, 0, 0}))));  // short
  EXPECT_EQ(p->counters().reasons[Reason::UnsupportedIpProto], 3u);
  EXPECT_EQ(p->counters().flows_created, 0u);
}

TEST_F(PipelineTest, TransitLayer2AndNeighbourDiscovery) {
  EXPECT_FALSE(run(tcp_frame({"198.18.0.1", "198.18.0.2"}, {1, 9100, kSyn, 1, 0})));
  EXPECT_EQ(p->counters().reasons[Reason::Transit], 1u);
  EXPECT_TRUE(run(arp_frame("198.18.0.1", "198.18.20.5")));
  EXPECT_TRUE(run(ether({}, kEtherEapol, Bytes{1, 0, 0, 0})));
  EXPECT_FALSE(run(ether({}, kEtherLldp, Bytes(30, 0))));
  EXPECT_EQ(p->counters().reasons[Reason::UnknownEthertype], 1u);
  // Neighbour solicitation from the segment (hop limit 255) passes like ARP; one that crossed a
  // router (hop limit lowered) is no neighbour discovery, and no service allows it.
  Ip nd{"2001:db8::1", "ff02::1:ff00:5"};
  nd.ttl = 255;
  EXPECT_TRUE(run(icmp_frame(nd, 135, 0)));
  // ICMP echo per the ping service, and its reply on the same flow.
  EXPECT_TRUE(run(icmp_frame(kClient, 8, 0, 0x00070001)));
  EXPECT_TRUE(run(icmp_frame({kClient.dst, kClient.src}, 0, 0, 0x00070001)));
}

// icmp-type: a service opens flows only for its kinds of ICMP messages (echo from management
// here); other kinds fall to the next service or the default deny.
TEST_F(PipelineTest, IcmpTypesSelectTheMessages) {
  policy = compile_text(kPolicy + "set service ping icmp-type echo\nset service ping peer-group mgmt\n");
  make(nullptr);
  EXPECT_TRUE(run(icmp_frame(kMgmt, 8, 0, 0x00090001)));
  EXPECT_TRUE(run(icmp_frame({kMgmt.dst, kMgmt.src}, 0, 0, 0x00090001)));  // the reply, same flow
  EXPECT_FALSE(run(icmp_frame(kMgmt, 13, 0, 0x00090002)));  // timestamp: not echo
  EXPECT_FALSE(run(icmp_frame(kClient, 8, 0, 0x00090003)));  // echo, but not from management
  EXPECT_EQ(p->counters().reasons[Reason::DefaultDeny], 2u);
  // Neighbour discovery that crossed a router (hop limit below 255) is not the segment's own: it
  // goes to the policy, where no service allows it.
  Ip nd{"2001:db8::1", "ff02::1:ff00:5"};
  nd.ttl = 254;
  EXPECT_FALSE(run(icmp_frame(nd, 135, 0)));
  nd.ttl = 255;
  EXPECT_TRUE(run(icmp_frame(nd, 135, 0)));
  Ip v6{"2001:db8:40::7", "2001:db8:20::5"};
  policy = compile_text(kPolicy + "set group mgmt address 2001:db8:40::/48\n"
                                  "set service ping icmp-type echo\nset service ping peer-group mgmt\n");
  make(nullptr);
  EXPECT_TRUE(run(icmp_frame(v6, 128, 0, 0x00090004)));  // ICMPv6 echo request
  EXPECT_FALSE(run(icmp_frame(v6, 139, 0, 0x00090005)));  // node information query
}

TEST_F(PipelineTest, FragmentsAreReassembledBeforeTheDecision) {
  Bytes big(600, 'f');
  auto ok = fragment(udp_frame(kClient, 3000, 161, big), {200, 400});
  EXPECT_FALSE(run(ok[2]));
  EXPECT_FALSE(run(ok[0]));
  EXPECT_FALSE(run(ok[1]));  // completes: the three originals are emitted, in arrival order
  ASSERT_EQ(out.emitted.size(), 3u);
  EXPECT_EQ(out.emitted[0], ok[2]);
  EXPECT_EQ(out.emitted[1], ok[0]);
  EXPECT_EQ(out.emitted[2], ok[1]);
  out.clear();
  // To a closed port: the fragments are all dropped, one event.
  auto bad = fragment(udp_frame(kClient, 3000, 9999, big), {304});
  run(bad[0]);
  run(bad[1]);
  EXPECT_TRUE(out.emitted.empty());
  EXPECT_EQ(out.count(Reason::DefaultDeny), 1u);
  // The tiny-fragment evasion: a TCP header split so the port is in the second fragment.
  out.clear();
  Bytes seg = tcp_segment(kClient, {40000, 9999, kSyn, 1, 0}, {});
  run(raw_fragment(kClient, kProtoTcp, 0, true, Bytes(seg.begin(), seg.begin() + 8), 44));
  EXPECT_EQ(out.count(Reason::FragTiny), 1u);
  EXPECT_EQ(out.mirrored.size(), 1u);
}

TEST_F(PipelineTest, NewPolicyGenerationRechecksFlows) {
  auto [c, s] = handshake(kClient, 40000, 9100);
  std::string text = kPolicy;
  text.replace(text.find("set service raw port 9100\n"), 26, "set service raw port 9101\n");
  auto gen2 = compile_text(text, 2);
  p->set_policy(gen2.get());
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kAck | kPsh, c, s}, "x")));
  ASSERT_EQ(out.count(Reason::PolicyChanged), 1u);
  EXPECT_EQ(out.events.back().generation, 2u);
  // The flow is gone: its next segment is not a flow.
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kAck, c, s})));
  EXPECT_EQ(p->counters().reasons[Reason::TcpNoFlow], 1u);
  // A flow the new policy still allows carries on.
  auto gen3 = compile_text(kPolicy, 3);
  p->set_policy(gen3.get());
  auto [c2, s2] = handshake(kMgmt, 41000, 443);
  auto gen4 = compile_text(kPolicy + std::string("set default-action reject\n"), 4);
  p->set_policy(gen4.get());
  EXPECT_TRUE(run(tcp_frame(kMgmt, {41000, 443, kAck, c2, s2}, "y")));
  policy = gen4;  // keep alive
}

TEST_F(PipelineTest, PortScanIsOneEventPerSourceAndWindow) {
  for (uint16_t port = 1000; port < 1040; ++port) run(tcp_frame(kClient, {40000, port, kSyn, 1, 0}));
  EXPECT_EQ(out.count(Reason::DefaultDeny), 40u);
  ASSERT_EQ(out.count(Reason::PortScan), 1u);
  for (const auto& e : out.events)
    if (e.reason == Reason::PortScan) {
      EXPECT_EQ(e.action, EventAction::Alert);
      EXPECT_EQ(e.src.str(), "198.18.0.1");
      EXPECT_EQ(e.count, 10u);
    }
  // Another source is another scan.
  for (uint16_t port = 1000; port < 1012; ++port)
    run(tcp_frame({"198.18.0.2", "198.18.20.5"}, {40000, port, kSyn, 1, 0}));
  EXPECT_EQ(out.count(Reason::PortScan), 2u);
}

TEST_F(PipelineTest, MirrorAllMirrorsBenignFlows) {
  policy = compile_text(kPolicy + std::string("set mirror all\n"), 2);
  p->set_policy(policy.get());
  handshake(kClient, 40000, 9100);
  EXPECT_EQ(out.mirrored.size(), 3u);
}

TEST_F(PipelineTest, TcpSequenceSanity) {
  Ip s2c{kClient.dst, kClient.src};
  auto [c, s] = handshake(kClient, 40000, 9100);
  // Data far beyond the window.
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kAck, c + 10'000'000, s}, "x")));
  EXPECT_EQ(p->counters().reasons[Reason::TcpOutOfWindow], 1u);
  // An ACK of bytes never sent.
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kAck, c, s + 900'000}, "x")));
  // A blind RST far outside the window: dropped, counted, not copied (out-of-window data is).
  const size_t copies = out.mirrored.size();
  EXPECT_FALSE(run(tcp_frame(s2c, {9100, 40000, kRst, s + 3'000'000, 0})));
  EXPECT_EQ(p->counters().reasons[Reason::TcpRstOutOfWindow], 1u);
  EXPECT_EQ(out.mirrored.size(), copies);
  // The real RST.
  EXPECT_TRUE(run(tcp_frame(s2c, {9100, 40000, kRst, s, 0})));
  // A second SYN with another ISN on the same 5-tuple before the first completed.
  EXPECT_TRUE(run(tcp_frame(kClient, {40002, 9100, kSyn, 10, 0})));
  EXPECT_FALSE(run(tcp_frame(kClient, {40002, 9100, kSyn, 99, 0})));
  // A SYN-ACK that does not acknowledge the SYN.
  EXPECT_FALSE(run(tcp_frame(s2c, {9100, 40002, kSyn | kAck, 7, 12345})));
}

// A service whose inspector is not built (PJL, LPD today) is counted and forwarded like an
// uninspected one: its bytes are not held, so a bulk print job is not slowed by reordering.
TEST_F(PipelineTest, InspectedServiceWithoutAnInspectorIsNotHeld) {
  handshake(kClient, 40000, 21);
  EXPECT_EQ(p->counters().uninspected, 1u);
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck, 105, 5001}, "later")));
  EXPECT_EQ(p->counters().reasons[Reason::TcpOutOfOrder], 0u);
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck, 101, 5001}, "FEAT")));
  EXPECT_EQ(out.count(Reason::TcpOverlapConflict), 0u);
}

// With an inspector the stream is normalised: out of order dropped, conflicting overlaps denied.
TEST_F(PipelineTest, InspectedFlowsAreNormalised) {
  make(fake_registry);
  handshake(kClient, 40000, 21);
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 21, kAck, 105, 5001}, "later")));
  EXPECT_EQ(p->counters().reasons[Reason::TcpOutOfOrder], 1u);
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck, 101, 5001}, "FEAT")));
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 21, kAck, 101, 5001}, "PASS")));
  EXPECT_EQ(out.count(Reason::TcpOverlapConflict), 1u);
  EXPECT_FALSE(out.mirrored.empty());  // the flow is now suspicious
}

TEST_F(PipelineTest, InspectedSegmentsWithABadChecksumAreDropped) {
  make(fake_registry);
  handshake(kClient, 40000, 21);
  // "PASS " with a broken checksum: the server would discard it; the gateway must not let it
  // poison the inspector's view either.
  Bytes bad = tcp_frame(kClient, {40000, 21, kAck | kPsh, 101, 5001}, "PASS x\r\n");
  bad.back() ^= 0x55;
  EXPECT_FALSE(run(bad));
  EXPECT_EQ(p->counters().reasons[Reason::BadL4Checksum], 1u);
  EXPECT_EQ(out.count(Reason::InspectorDeny), 0u);
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck | kPsh, 101, 5001}, "FEAT\r\n")));
}

// Urgent data: a Linux receiver takes the byte before the urgent pointer out of the stream, so
// "PAXSS secret" with the X urgent reads "PASS secret" at the server while the inspector read
// "PAXSS". The gateway forwards the segment without URG and urgent pointer: the server reads
// exactly the inspected bytes.
TEST_F(PipelineTest, UrgentDataIsDeliveredInLineOnInspectedFlows) {
  make(fake_registry);
  handshake(kClient, 40000, 21);
  Tcp urg{40000, 21, kAck | kPsh | kUrg, 101, 5001};
  urg.urgent = 3;  // the third byte, 'X', is the urgent byte
  const std::string payload = "PAXSS secret\r\n";
  EXPECT_FALSE(run(tcp_frame(kClient, urg, payload)));  // not forwarded as received...
  ASSERT_EQ(out.emitted.size(), 1u);                     // ...but rewritten
  PacketView v;
  ASSERT_EQ(parse_frame(out.emitted[0], v), Reason::Forwarded);
  EXPECT_EQ(v.tcp_flags, kAck | kPsh);
  EXPECT_EQ(v.tcp_urgent_pointer(), 0);
  EXPECT_TRUE(l4_checksum_ok(v));
  EXPECT_EQ(std::string(v.payload().begin(), v.payload().end()), payload);
  EXPECT_EQ(v.seq, 101u);
  EXPECT_EQ(p->counters().reasons[Reason::TcpUrgentCleared], 1u);
  EXPECT_EQ(p->counters().forwarded, 4u);
  // The urgent pointer alone (URG clear) is zeroed too; a flow past inspection is left alone.
  Tcp urp{40000, 21, kAck | kPsh, 115, 5001};
  urp.urgent = 2;
  EXPECT_FALSE(run(tcp_frame(kClient, urp, "NOOP\r\n")));
  ASSERT_EQ(out.emitted.size(), 2u);
  ASSERT_EQ(parse_frame(out.emitted[1], v), Reason::Forwarded);
  EXPECT_EQ(v.tcp_urgent_pointer(), 0);
  EXPECT_TRUE(l4_checksum_ok(v));
  EXPECT_TRUE(run(tcp_frame({kClient.dst, kClient.src}, {21, 40000, kAck | kPsh, 5001, 121},
                            "234 go\r\n")));  // the fake inspector passes the flow through
  Tcp later{40000, 21, kAck | kPsh | kUrg, 121, 5009};
  later.urgent = 1;
  EXPECT_TRUE(run(tcp_frame(kClient, later, "x")));
  EXPECT_EQ(out.emitted.size(), 2u);
}

TEST_F(PipelineTest, UrgentDataInAFragmentedSegmentIsDropped) {
  make(fake_registry);
  handshake(kClient, 40000, 21);
  Tcp urg{40000, 21, kAck | kPsh | kUrg, 101, 5001};
  urg.urgent = 3;
  auto parts = fragment(tcp_frame(kClient, urg, std::string(40, 'A')), {24});
  EXPECT_FALSE(run(parts[0]));
  EXPECT_FALSE(run(parts[1]));
  EXPECT_TRUE(out.emitted.empty());
  EXPECT_EQ(p->counters().reasons[Reason::TcpUrgentFragment], 2u);
  // Not inspected, so the same bytes without URG still go through afterwards.
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck | kPsh, 101, 5001}, std::string(40, 'A'))));
}

TEST_F(PipelineTest, InspectorDenyKillsTheFlowWithRstToBothEnds) {
  make(fake_registry);
  ftp_control(40000, "220 hi\r\n");
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck | kPsh, 101, 5009}, "USER bob\r\n")));
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck | kPsh, 111, 5009}, "PA")));
  // The segment that completes "PASS " is dropped; each end gets a RST.
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 21, kAck | kPsh, 113, 5009}, "SS secret\r\n")));
  ASSERT_EQ(out.emitted.size(), 2u);
  PacketView to_client, to_server;
  ASSERT_EQ(parse_frame(out.emitted[0], to_client), Reason::Forwarded);
  ASSERT_EQ(parse_frame(out.emitted[1], to_server), Reason::Forwarded);
  EXPECT_EQ(to_client.dst.str(), "198.18.0.1");
  EXPECT_EQ(to_client.seq, 5009u);  // what the client expects from the server
  EXPECT_EQ(to_server.dst.str(), "198.18.20.5");
  EXPECT_EQ(to_server.seq, 113u);  // what the server has received from the client
  EXPECT_TRUE(to_client.tcp_flags & kRst);
  EXPECT_TRUE(to_server.tcp_flags & kRst);
  EXPECT_EQ(out.count(Reason::InspectorDeny), 1u);
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 21, kAck | kPsh, 113, 5009}, "SS secret\r\n")));
  EXPECT_EQ(p->counters().reasons[Reason::TcpNoFlow], 1u);
}

// An event about a server's frame names the flow by its initiator, in the direction it went.
TEST_F(PipelineTest, EventsNameTheInitiatorAndTheDirection) {
  make(fake_registry);
  ftp_control(40000, "220 hi\r\n");
  EXPECT_FALSE(run(tcp_frame({kClient.dst, kClient.src}, {21, 40000, kAck | kPsh, 5009, 101},
                             "999 no\r\n")));
  ASSERT_EQ(out.count(Reason::MalformedReply), 1u);
  const Event& e = out.events.back();
  EXPECT_EQ(e.src.str(), "198.18.0.1");
  EXPECT_EQ(e.src_port, 40000);
  EXPECT_EQ(e.dst.str(), "198.18.20.5");
  EXPECT_EQ(e.dst_port, 21);
  EXPECT_TRUE(e.to_client);
  EXPECT_NE(e.flow_id, 0u);
  const std::string json = event_json(e, policy.get());
  EXPECT_NE(json.find("\"direction\":\"to_client\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"dest_port\":21,"), std::string::npos) << json;
  // The client's own frames are to_server.
  ftp_control(40002, "220 hi\r\n");
  EXPECT_FALSE(run(tcp_frame(kClient, {40002, 21, kAck | kPsh, 101, 5009}, "PASS x\r\n")));
  EXPECT_FALSE(out.events.back().to_client);
  EXPECT_EQ(out.events.back().src_port, 40002);
}

TEST_F(PipelineTest, RepeatedFailedLoginsRaiseOneAlert) {
  make(fake_registry);
  for (uint16_t i = 0; i < 7; ++i) ftp_control(static_cast<uint16_t>(42000 + i), "530 Login incorrect.\r\n");
  ASSERT_EQ(out.count(Reason::AuthFailures), 1u);  // the 5th failure, once per window
  for (const auto& e : out.events)
    if (e.reason == Reason::AuthFailures) {
      EXPECT_EQ(e.action, EventAction::Alert);
      EXPECT_EQ(e.src.str(), "198.18.0.1");
      EXPECT_EQ(e.count, 5u);
    }
}

// detection failed-auth action block-source: the fifth failure (four read in replies, one
// credential refused in clear) is one `block` event; the source then opens nothing toward the
// printers until block-time ends (source-blocked, counted, no event per attempt); other sources
// are not touched; a block handed over from another worker applies, and can be lifted.
TEST_F(PipelineTest, RepeatedFailuresBlockTheSourceWhenConfigured) {
  policy = compile_text(kPolicy + "set detection failed-auth action block-source\n"
                                  "set detection failed-auth block-time 1m\n");
  make(fake_registry);
  for (uint16_t i = 0; i < 4; ++i) ftp_control(static_cast<uint16_t>(42000 + i), "530 Login incorrect.\r\n");
  EXPECT_EQ(out.count(Reason::AuthFailures), 0u);
  handshake(kClient, 42010, 21);
  EXPECT_FALSE(run(tcp_frame(kClient, {42010, 21, kAck | kPsh, 101, 5001}, "LOGIN admin\r\n")));
  ASSERT_EQ(out.count(Reason::AuthFailures), 1u);
  for (const auto& e : out.events)
    if (e.reason == Reason::AuthFailures) {
      EXPECT_EQ(e.action, EventAction::Block);
      EXPECT_EQ(e.src.str(), "198.18.0.1");
      EXPECT_EQ(e.count, 5u);
      EXPECT_NE(event_json(e, policy.get()).find("\"action\":\"block\""), std::string::npos);
      EXPECT_NE(event_json(e, policy.get()).find("\"detail\":\"block-time 60s\""), std::string::npos);
    }
  const size_t events = out.events.size();
  EXPECT_FALSE(run(tcp_frame(kClient, {42011, 9100, kSyn, 100, 0})));
  EXPECT_FALSE(run(udp_frame(kClient, 42011, 161)));
  EXPECT_EQ(p->counters().reasons[Reason::SourceBlocked], 2u);
  EXPECT_EQ(out.events.size(), events);
  EXPECT_EQ(p->blocked_sources(), 1u);
  const Ip other{"198.18.0.2", "198.18.20.5"};
  EXPECT_TRUE(run(tcp_frame(other, {42012, 9100, kSyn, 100, 0})));
  now += 61'000'000'000ull;  // block-time is over
  EXPECT_TRUE(run(tcp_frame(kClient, {42013, 9100, kSyn, 100, 0})));
  EXPECT_EQ(p->blocked_sources(), 0u);
  p->block_source(*parse_ip("198.18.0.2"), now + 60'000'000'000ull);  // from another worker
  EXPECT_FALSE(run(tcp_frame(other, {42014, 9100, kSyn, 100, 0})));
  EXPECT_TRUE(p->unblock_source(*parse_ip("198.18.0.2")));
  EXPECT_FALSE(p->unblock_source(*parse_ip("198.18.0.2")));
  EXPECT_TRUE(run(tcp_frame(other, {42015, 9100, kSyn, 100, 0})));
}

// Without block-source, the same failures are an alert and block nothing.
TEST_F(PipelineTest, FailuresOnlyAlertByDefault) {
  make(fake_registry);
  for (uint16_t i = 0; i < 5; ++i) {
    handshake(kClient, static_cast<uint16_t>(42100 + i), 21);
    run(tcp_frame(kClient, {static_cast<uint16_t>(42100 + i), 21, kAck | kPsh, 101, 5001}, "LOGIN x\r\n"));
  }
  ASSERT_EQ(out.count(Reason::AuthFailures), 1u);
  for (const auto& e : out.events) {
    if (e.reason == Reason::AuthFailures) { EXPECT_EQ(e.action, EventAction::Alert); }
  }
  EXPECT_TRUE(run(tcp_frame(kClient, {42111, 9100, kSyn, 100, 0})));
  EXPECT_EQ(p->counters().reasons[Reason::SourceBlocked], 0u);
}

TEST_F(PipelineTest, PassThroughAfterTheInspectorIsDone) {
  make(fake_registry);
  ftp_control(40000, "234 go\r\n");
  // No longer inspected: "PASS " passes (in real life it would be inside TLS by now).
  EXPECT_TRUE(run(tcp_frame(kClient, {40000, 21, kAck | kPsh, 101, 5009}, "PASS x")));
}

// A bare TCP handshake on port 21 opens nothing: only a control connection in TLS does
// (pipeline_state_test, with the real FTP and TLS inspectors).
TEST_F(PipelineTest, PassiveFtpRangeStaysClosedAfterABareHandshake) {
  EXPECT_FALSE(run(tcp_frame(kClient, {41000, 50010, kSyn, 1, 0})));
  EXPECT_EQ(out.count(Reason::DefaultDeny), 1u);
  handshake(kClient, 40000, 21);
  EXPECT_FALSE(run(tcp_frame(kClient, {41001, 50010, kSyn, 1, 0})));
  make(fake_registry);
  auto [c, s] = handshake(kClient, 40000, 21);
  EXPECT_TRUE(run(tcp_frame({kClient.dst, kClient.src}, {21, 40000, kAck | kPsh, s, c}, "220 x\r\n")));
  EXPECT_FALSE(run(tcp_frame(kClient, {41001, 50010, kSyn, 1, 0})));
}

TEST_F(PipelineTest, NdpiNamesFlowsAndRefusesForeignProtocols) {
  Ip s2c{kClient.dst, kClient.src};
  // SSH to the RAW printing port: nDPI knows it, RAW printing is not SSH.
  auto [c, s] = handshake(kClient, 40000, 9100);
  // The server's banner is enough for nDPI: that frame is dropped and the flow killed.
  EXPECT_FALSE(run(tcp_frame(s2c, {9100, 40000, kAck | kPsh, s, c}, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")));
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kAck | kPsh, c, s + 32}, "SSH-2.0-OpenSSH_9.2p1\r\n")));
  ASSERT_EQ(out.count(Reason::WrongProtocol), 1u);
  for (const auto& e : out.events)
    if (e.reason == Reason::WrongProtocol) {
      EXPECT_EQ(e.action, EventAction::Reject);
      EXPECT_STREQ(NdpiClassifier::name(e.app), "SSH");
      EXPECT_NE(event_json(e, policy.get()).find("\"app\":\"SSH\""), std::string::npos);
    }
  EXPECT_GE(out.emitted.size(), 2u);  // RST to both ends
  // HTTP to RAW printing as well.
  out.clear();
  auto [c2, s2] = handshake(kClient, 40001, 9100);
  run(tcp_frame(kClient, {40001, 9100, kAck | kPsh, c2, s2}, "GET / HTTP/1.1\r\nHost: printer\r\n\r\n"));
  EXPECT_EQ(out.count(Reason::WrongProtocol), 1u);
  // PostScript on RAW printing is fine.
  out.clear();
  auto [c3, s3] = handshake(kClient, 40002, 9100);
  EXPECT_TRUE(run(tcp_frame(kClient, {40002, 9100, kAck | kPsh, c3, s3}, "%!PS-Adobe-3.0\nshowpage\n")));
  EXPECT_EQ(out.count(Reason::WrongProtocol), 0u);
}

// The risk table: a TLS client without SNI (nDPI's "Missing SNI") is normal on a printer
// network and ignored by default; a service may alert on it, the security policy may deny it.
TEST_F(PipelineTest, NdpiRisksFollowTheRiskTable) {
  const auto flights = tls_handshake({.max_version = 0, .cert_bits = 2048});
  ASSERT_FALSE(flights.empty());
  ASSERT_TRUE(flights[0].to_server);
  const uint64_t kMissingSni = uint64_t{1} << 24;
  ASSERT_EQ(policy::risk_by_bit(24)->name, "tls-missing-sni");
  struct Case {
    std::string extra;
    Reason reason;  // of the ClientHello's verdict
  };
  for (const Case& k : {Case{"", Reason::Forwarded},
                        Case{"set service https-mgmt risk tls-missing-sni alert\n", Reason::NdpiRisk},
                        Case{"set security risk tls-missing-sni deny\n", Reason::NdpiRiskDenied},
                        Case{"set security risk tls-missing-sni deny\n"
                             "set service https-mgmt risk tls-missing-sni ignore\n",
                             Reason::Forwarded}}) {
    SCOPED_TRACE(k.extra);
    // (inspect tls: TLS is the service's protocol; no inspector is registered here)
    policy = compile_text(kPolicy + "set service https-mgmt inspect tls\n" + k.extra);
    make(nullptr);
    out.clear();
    auto [c, s] = handshake(kMgmt, 41000, 443);
    const bool fwd = run(tcp_frame(kMgmt, {41000, 443, kAck | kPsh, c, s}, flights[0].bytes));
    const size_t risk_events = out.count(Reason::NdpiRisk), denied = out.count(Reason::NdpiRiskDenied);
    if (k.reason == Reason::Forwarded) {
      EXPECT_TRUE(fwd);
      EXPECT_EQ(risk_events + denied, 0u);
      EXPECT_TRUE(out.mirrored.empty());
    }
    if (k.reason == Reason::NdpiRisk) {
      EXPECT_TRUE(fwd);  // an alert denies nothing
      ASSERT_EQ(risk_events, 1u);
      for (const auto& e : out.events)
        if (e.reason == Reason::NdpiRisk) {
          EXPECT_EQ(e.action, EventAction::Alert);
          EXPECT_EQ(e.risks, kMissingSni);  // only the alerted risks are named
        }
      EXPECT_FALSE(out.mirrored.empty());  // the flow is suspicious
    }
    if (k.reason == Reason::NdpiRiskDenied) {
      EXPECT_FALSE(fwd);
      ASSERT_EQ(denied, 1u);
      for (const auto& e : out.events)
        if (e.reason == Reason::NdpiRiskDenied) {
          EXPECT_EQ(e.action, EventAction::Reject);
          EXPECT_EQ(e.risks, kMissingSni);
          EXPECT_NE(event_json(e, policy.get()).find("\"risks\":[\"Missing SNI TLS Extension\"]"),
                    std::string::npos);
        }
      EXPECT_GE(out.emitted.size(), 2u);  // RST to both ends
      EXPECT_EQ(p->counters().reasons[Reason::NdpiRiskDenied], 1u);
    }
  }
}

// A discovery service under its inspector: a registration toward a printer is dropped with an
// event naming it, the flow stays, the next search passes; a malformed datagram is dropped too.
TEST_F(PipelineTest, DiscoveryDatagramsAreJudgedOneByOne) {
  namespace dm = pw::testing::discovery_messages;
  policy = compile_text(kPolicy + "set service slp direction both\nset service slp protocol udp\n"
                                  "set service slp port 427\nset service slp inspect slp\n");
  make(&proto::inspector_for);
  EXPECT_TRUE(run(udp_frame(kClient, 42700, 427, dm::slp(1, dm::srvrqst()))));
  EXPECT_TRUE(run(udp_frame({kClient.dst, kClient.src}, 427, 42700, dm::srvrply())));
  EXPECT_FALSE(run(udp_frame(kClient, 42700, 427, dm::slp(3, dm::srvreg()))));
  ASSERT_EQ(out.count(Reason::DiscoveryDenied), 1u);
  for (const auto& e : out.events) {
    if (e.reason == Reason::DiscoveryDenied) {
      EXPECT_NE(event_json(e, policy.get()).find("\"detail\":\"slp SrvReg\""), std::string::npos);
    }
  }
  EXPECT_TRUE(run(udp_frame(kClient, 42700, 427, dm::slp(1, dm::srvrqst()))));  // the flow stays
  dm::Bytes v1 = dm::slp(1, dm::srvrqst());
  v1[0] = 1;
  EXPECT_FALSE(run(udp_frame(kClient, 42700, 427, v1)));
  EXPECT_EQ(p->counters().reasons[Reason::MalformedDiscovery], 1u);
}

// Per-source fairness: a source holds at most `flows max-per-source` flows and opens at most
// `flows new-per-source` a second; beyond, new flows are dropped and counted, one event per
// source and second; flows that end give their share back; other sources are not touched.
TEST_F(PipelineTest, OneSourceCannotFillTheTable) {
  policy = compile_text(kPolicy + "set flows max-per-source 5\nset flows new-per-source 8\n");
  make(nullptr);
  for (uint16_t i = 0; i < 5; ++i) EXPECT_TRUE(run(tcp_frame(kClient, {static_cast<uint16_t>(43000 + i), 9100, kSyn, 100, 0})));
  for (uint16_t i = 5; i < 9; ++i) EXPECT_FALSE(run(tcp_frame(kClient, {static_cast<uint16_t>(43000 + i), 9100, kSyn, 100, 0})));
  EXPECT_EQ(p->counters().reasons[Reason::SourceFlowShare], 4u);
  EXPECT_EQ(out.count(Reason::SourceFlowShare), 1u);  // one event for the second
  const Ip other{"198.18.0.2", "198.18.20.5"};
  EXPECT_TRUE(run(tcp_frame(other, {43100, 9100, kSyn, 100, 0})));
  // A flow that ends (RST) gives its place back.
  EXPECT_TRUE(run(tcp_frame({kClient.dst, kClient.src}, {9100, 43000, kRst | kAck, 0, 101})));
  p->clear_flows();  // every flow released: the shares are back to zero
  EXPECT_TRUE(run(tcp_frame(kClient, {43200, 9100, kSyn, 100, 0})));
  // The rate: 8 new flows in this second (shares permitting), then dropped until the next.
  policy = compile_text(kPolicy + "set flows new-per-source 3\n");
  make(nullptr);
  out.clear();
  for (uint16_t i = 0; i < 3; ++i) EXPECT_TRUE(run(tcp_frame(kClient, {static_cast<uint16_t>(43300 + i), 9100, kSyn, 100, 0})));
  EXPECT_FALSE(run(tcp_frame(kClient, {43303, 9100, kSyn, 100, 0})));
  EXPECT_FALSE(run(udp_frame(kClient, 43304, 161)));
  EXPECT_EQ(p->counters().reasons[Reason::SourceFlowRate], 2u);
  EXPECT_EQ(out.count(Reason::SourceFlowRate), 1u);
  EXPECT_TRUE(run(tcp_frame(other, {43305, 9100, kSyn, 100, 0})));
  now += 1'100'000'000ull;  // the next second
  EXPECT_TRUE(run(tcp_frame(kClient, {43306, 9100, kSyn, 100, 0})));
}

// The behavioural signal where the login result is encrypted: short TLS sessions to a printer's
// login service (here the remote UI, inspect tls) count toward detection failed-auth
// tls-sessions; a long session does not.
TEST_F(PipelineTest, ShortTlsSessionsToALoginServiceCountAsFailures) {
  const auto flights = tls_handshake({});
  ASSERT_FALSE(flights.empty());
  policy = compile_text(kPolicy + "set service https-mgmt inspect tls\n"
                                  "set detection failed-auth tls-sessions 3\n");
  make(&proto::inspector_for);
  const Ip s2c{kMgmt.dst, kMgmt.src};
  // full: both FINs acknowledged; otherwise only the client's FIN is seen (the rest of the
  // close lost or still to come): the session ended at that FIN all the same.
  auto session = [&](uint16_t port, uint64_t hold_ns, bool full = true) {
    auto [c, s] = handshake(kMgmt, port, 443);
    for (const auto& fl : flights) {
      if (fl.to_server) {
        EXPECT_TRUE(run(tcp_frame(kMgmt, {port, 443, kAck | kPsh, c, s}, fl.bytes)));
        c += static_cast<uint32_t>(fl.bytes.size());
      } else {
        EXPECT_TRUE(run(tcp_frame(s2c, {443, port, kAck | kPsh, s, c}, fl.bytes)));
        s += static_cast<uint32_t>(fl.bytes.size());
      }
    }
    now += hold_ns;
    EXPECT_TRUE(run(tcp_frame(kMgmt, {port, 443, kAck | kFin, c, s})));
    if (!full) return;
    EXPECT_TRUE(run(tcp_frame(s2c, {443, port, kAck | kFin, s, c + 1})));
    EXPECT_TRUE(run(tcp_frame(kMgmt, {port, 443, kAck, c + 1, s + 1})));
  };
  session(44000, 11'000'000'000ull);  // 11 s: a session, not a guess
  session(44001, 0);
  session(44002, 0, false);
  EXPECT_EQ(out.count(Reason::AuthFailures), 0u);
  session(44003, 0);
  ASSERT_EQ(out.count(Reason::AuthFailures), 1u);
  for (const auto& e : out.events)
    if (e.reason == Reason::AuthFailures) {
      EXPECT_EQ(e.src.str(), "198.18.40.7");
      EXPECT_EQ(e.count, 3u);
      EXPECT_NE(event_json(e, policy.get()).find("\"detail\":\"short TLS sessions\""), std::string::npos);
    }
}

TEST_F(PipelineTest, FullFlowTableDropsNewFlowsOnly) {
  lim.flows = 4;
  make(nullptr);
  auto [c, s] = handshake(kClient, 1, 9100);
  for (uint16_t i = 2; i <= 4; ++i) EXPECT_TRUE(run(tcp_frame(kClient, {i, 9100, kSyn, 1, 0})));
  EXPECT_FALSE(run(tcp_frame(kClient, {5, 9100, kSyn, 1, 0})));
  EXPECT_EQ(p->counters().reasons[Reason::FlowTableFull], 1u);
  EXPECT_TRUE(run(tcp_frame(kClient, {1, 9100, kAck, c, s}, "still here")));
}

TEST_F(PipelineTest, NoPolicyFailsClosed) {
  Pipeline bare(lim);
  Bytes f = arp_frame("198.18.0.1", "198.18.20.5");
  Frame fr{f, 1, Side::Outside};
  bare.process({&fr, 1}, out);
  EXPECT_TRUE(out.forwarded.empty());
  EXPECT_EQ(bare.counters().reasons[Reason::NoPolicy], 1u);
}

TEST_F(PipelineTest, MalformedFramesAreCountedAndMirrored) {
  Bytes f = tcp_frame(kClient, {40000, 9100, kSyn, 1, 0});
  f.resize(30);
  EXPECT_FALSE(run(f));
  EXPECT_EQ(p->counters().reasons[Reason::MalformedIpv4], 1u);
  EXPECT_EQ(out.mirrored.size(), 1u);
}

TEST_F(PipelineTest, IcmpErrorForAKnownFlowPasses) {
  handshake(kClient, 40000, 9100);
  // The printer's "port unreachable"-style error quoting the client's segment.
  Bytes quoted = ipv4_datagram(kClient, kProtoTcp, tcp_segment(kClient, {40000, 9100, kAck, 101, 5001}, {}));
  quoted.resize(28);
  EXPECT_TRUE(run(icmp_frame({kClient.dst, kClient.src}, 3, 4, 1400, quoted)));
  // Quoting a flow that does not exist: falls to the policy (no icmp service from printers).
  Bytes other = ipv4_datagram(kClient, kProtoTcp, tcp_segment(kClient, {40099, 9100, kAck, 1, 1}, {}));
  other.resize(28);
  EXPECT_FALSE(run(icmp_frame({kClient.dst, kClient.src}, 3, 4, 1400, other)));
}

}  // namespace
}  // namespace pw::dp

// Anti-spoofing on a bump in the wire: a printer's address never arrives on the outside port,
// and a non-printer source never on the inside port, for new flows and inside existing ones.
namespace pw::dp {
namespace {

class SpoofTest : public PipelineTest {
 protected:
  bool run_on(Side side, const Bytes& f) {
    keep.push_back(f);
    Frame fr{keep.back(), now += 1000, side};
    size_t before = out.forwarded.size();
    p->process({&fr, 1}, out);
    return out.forwarded.size() > before;
  }
};

TEST_F(SpoofTest, SourcesOnTheWrongSideAreDropped) {
  Ip s2c{kClient.dst, kClient.src};
  // A client's SYN from the printer side, a printer's SYN-ACK from outside: forged.
  EXPECT_FALSE(run_on(Side::Inside, tcp_frame(kClient, {40001, 9100, kSyn, 100, 0})));
  EXPECT_EQ(p->counters().reasons[Reason::SpoofedSource], 1u);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events.back().reason, Reason::SpoofedSource);
  // The real flow, each frame on its side.
  EXPECT_TRUE(run_on(Side::Outside, tcp_frame(kClient, {40000, 9100, kSyn, 100, 0})));
  EXPECT_TRUE(run_on(Side::Inside, tcp_frame(s2c, {9100, 40000, kSyn | kAck, 5000, 101})));
  EXPECT_TRUE(run_on(Side::Outside, tcp_frame(kClient, {40000, 9100, kAck, 101, 5001})));
  // Data "from the printer" injected from outside into the established flow.
  EXPECT_FALSE(run_on(Side::Outside, tcp_frame(s2c, {9100, 40000, kAck | kPsh, 5001, 101}, "forged")));
  EXPECT_EQ(p->counters().reasons[Reason::SpoofedSource], 2u);
  // The flow itself goes on.
  EXPECT_TRUE(run_on(Side::Inside, tcp_frame(s2c, {9100, 40000, kAck | kPsh, 5001, 101}, "real")));
  EXPECT_TRUE(run_on(Side::Outside, tcp_frame(kClient, {40000, 9100, kAck | kPsh, 101, 5005}, "job")));
}

}  // namespace
}  // namespace pw::dp

namespace pw::dp {
namespace {

TEST(Events, NdpiRiskNamesTheRisks) {
  Event e;
  e.reason = Reason::NdpiRisk;
  e.action = EventAction::Alert;
  e.count = 2;
  e.risks = (1ull << 3) | (1ull << 5);
  std::string json = event_json(e, nullptr);
  std::string want = std::string("\"risks\":[\"") + NdpiClassifier::risk_name(3) + "\",\"" +
                     NdpiClassifier::risk_name(5) + "\"]}";
  EXPECT_NE(json.find(want), std::string::npos) << json;
  EXPECT_STRNE(NdpiClassifier::risk_name(3), NdpiClassifier::risk_name(5));
  e.risks = 0;
  EXPECT_EQ(event_json(e, nullptr).find("risks"), std::string::npos);  // only when flagged
}

}  // namespace
}  // namespace pw::dp

namespace pw::dp {
namespace {

TEST_F(PipelineTest, FlowsAreListedInSlicesAndCleared) {
  handshake(kClient, 40000, 9100);
  handshake(kClient, 40001, 9100);
  std::vector<FlowSummary> out;
  size_t next = 0, slices = 0;
  while (next < p->flows().capacity()) {
    next = p->summarize_flows(next, 3, out, 100);
    ++slices;
  }
  ASSERT_EQ(out.size(), 2u);
  EXPECT_GT(slices, 1u);
  EXPECT_EQ(out[0].client.str(), "198.18.0.1");
  EXPECT_EQ(out[0].server_port, 9100);
  EXPECT_EQ(out[0].state, FlowState::TcpEstablished);
  EXPECT_STREQ(to_string(out[0].state), "established");
  EXPECT_TRUE(out[0].to_printers);
  EXPECT_EQ(out[0].packets[0], 2u);  // SYN and ACK from the client
  std::vector<FlowSummary> one;
  EXPECT_EQ(p->summarize_flows(0, p->flows().capacity(), one, 1), p->flows().capacity());
  EXPECT_EQ(one.size(), 1u);  // bounded
  p->clear_flows();
  EXPECT_EQ(p->flows().size(), 0u);
  // A segment of a cleared flow has no flow any more.
  EXPECT_FALSE(run(tcp_frame(kClient, {40000, 9100, kAck | kPsh, 101, 5001}, "late")));
}

}  // namespace
}  // namespace pw::dp

namespace pw::dp {
namespace {

// counters.def drives the struct, its sums and every listing: each counter has a description,
// adds up, and subtracts back.
TEST(PipelineCounters, DeclaredOnceSummedAndListed) {
  PipelineCounters a, b;
  uint64_t k = 1;
  size_t names = 0;
  a.for_each([&](const char* name, uint64_t) {
    ++names;
    EXPECT_NE(counter_description(name), nullptr) << name;
  });
  EXPECT_GE(names, 13u);
#define PW_COUNTER(id, desc) b.id = k++;
#include "dataplane/counters.def"
#undef PW_COUNTER
  b.reasons.add(Reason::DefaultDeny, 7);
  a += b;
  a += b;
  std::vector<uint64_t> twice, once;
  a.for_each([&](const char*, uint64_t v) { twice.push_back(v); });
  b.for_each([&](const char*, uint64_t v) { once.push_back(v); });
  for (size_t i = 0; i < once.size(); ++i) EXPECT_EQ(twice[i], 2 * once[i]) << i;
  EXPECT_EQ(a.reasons[Reason::DefaultDeny], 14u);
  a -= b;
  std::vector<uint64_t> back;
  a.for_each([&](const char*, uint64_t v) { back.push_back(v); });
  EXPECT_EQ(back, once);
  EXPECT_EQ(counter_description("no-such-counter"), nullptr);
}

}  // namespace
}  // namespace pw::dp
