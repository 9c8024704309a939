// A commit leaves alone the flows whose outcome it does not change. Sessions on every allowed
// service of both profiles, with real protocol content where a service is inspected (the
// captures of real servers and clients in tests/data/transcripts, a real OpenSSL handshake),
// run interleaved while a commit lands before every frame (over a thousand per profile): every
// frame is forwarded exactly as in a run without commits, nothing is injected, nothing denied.
// A commit that does change a flow's outcome (its service gone, or its inspection settings
// changed) re-judges it: policy-changed.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dataplane/pipeline.h"
#include "protocols/inspector_registry.h"
#include "tests/support/discovery_messages.h"
#include "tests/support/packet_builder.h"
#include "tests/support/pipeline_harness.h"
#include "tests/support/tls_transcript.h"

#ifndef PW_TRANSCRIPT_DIR
#define PW_TRANSCRIPT_DIR "tests/data/transcripts"
#endif

namespace pw::dp {
namespace {

using namespace pw::testing;
using policy::Inspect;

// One application message of a session: who sends it, and its bytes.
struct Msg {
  bool to_server;
  std::string bytes;
};

// The messages of the first flow of a capture on `port` (TCP: payload in sequence order,
// retransmissions skipped; UDP: each datagram), in capture order.
std::vector<Msg> script_of(const std::string& file, uint16_t port) {
  std::vector<Msg> out;
  std::map<bool, uint32_t> next;
  for (const auto& f : read_pcap(std::string(PW_TRANSCRIPT_DIR) + "/" + file + ".pcap")) {
    PacketView v;
    if (parse_frame(f.data, v) != Reason::Forwarded || v.is_fragment) continue;
    if (v.dport != port && v.sport != port) continue;
    const bool to_server = v.dport == port;
    auto p = v.payload();
    if (v.ip_proto == kProtoTcp) {
      if (v.tcp_flags & kSyn) {
        next[to_server] = v.seq + 1;
        continue;
      }
      if (p.empty() || !next.count(to_server) || v.seq != next[to_server]) continue;
      next[to_server] += static_cast<uint32_t>(p.size());
    }
    if (!p.empty()) out.push_back({to_server, std::string(p.begin(), p.end())});
  }
  return out;
}

std::string bulk(size_t n, char c) { return std::string(n, c); }

// TLS application-data records (what a TLS session carries once the handshake is done).
std::string tls_records(size_t n) {
  std::string r;
  for (size_t i = 0; i < n; ++i) r += std::string("\x17\x03\x03\x01\x00", 5) + bulk(256, 'e');
  return r;
}

// A benign session for a service inspected by `inspect`, or bulk bytes when nothing inspects it.
std::vector<Msg> session_for(Inspect inspect, bool inspected, bool udp) {
  if (!inspected) {
    if (udp) {
      std::vector<Msg> m;
      for (int i = 0; i < 12; ++i) m.push_back({i % 2 == 0, bulk(200, static_cast<char>('q' + i % 4))});
      return m;
    }
    std::vector<Msg> m;
    for (int i = 0; i < 30; ++i) m.push_back({i % 3 != 2, bulk(1200, static_cast<char>('a' + i % 26))});
    return m;
  }
  auto tls_then_data = [](std::vector<Msg> m) {
    for (const auto& c : tls_handshake()) m.push_back({c.to_server, c.bytes});
    for (int i = 0; i < 8; ++i) m.push_back({i % 2 == 0, tls_records(3)});
    return m;
  };
  switch (inspect) {
    case Inspect::Tls: return tls_then_data({});
    case Inspect::Ftp: {
      // The control connection up to the AUTH TLS answer, then a TLS session.
      std::vector<Msg> m;
      for (auto& x : script_of("ftp-auth-tls", 21)) {
        m.push_back(x);
        if (!x.to_server && x.bytes.rfind("234", 0) == 0) break;
      }
      return tls_then_data(m);
    }
    case Inspect::Smtp: return script_of("smtp-starttls-auth", 587);
    case Inspect::Pop3: return script_of("pop3-stls", 110);
    case Inspect::Imap: return script_of("imap-starttls", 143);
    case Inspect::Ldap: return script_of("ldap-starttls", 389);
    case Inspect::Smb: return script_of("smb3-signed", 445);
    case Inspect::Snmp: return script_of("snmp-v3-authpriv", 161);
    case Inspect::Http: {
      std::vector<Msg> m;
      for (int i = 0; i < 4; ++i) {
        m.push_back({true, "POST /ws/ HTTP/1.1\r\nHost: printer\r\nContent-Type: application/soap+xml\r\n"
                           "Content-Length: 11\r\n\r\n<s:Body/>\r\n"});
        m.push_back({false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"});
      }
      return m;
    }
    case Inspect::Rfb: {
      // VeNCrypt with X509Vnc (TigerVNC): TLS before any authentication, then TLS records.
      std::vector<Msg> m = {{false, "RFB 003.008\n"}, {true, "RFB 003.008\n"},
                            {false, std::string("\x02\x13\x02", 3)}, {true, "\x13"},
                            {false, std::string("\x00\x02", 2)}, {true, std::string("\x00\x02", 2)},
                            {false, std::string("\x00\x02\x00\x00\x01\x05\x00\x00\x01\x06", 10)},
                            {true, std::string("\x00\x00\x01\x05", 4)}};
      return tls_then_data(m);
    }
    case Inspect::JobLanguage:
    case Inspect::Lpd: {
      // A PCL 6 job as HP's driver frames it (over LPD: its data file), then the answer.
      const std::string uel = "\x1b%-12345X";
      std::string job = uel + "@PJL JOB NAME=\"report\"\r\n@PJL SET DUPLEX=ON\r\n"
                              "@PJL ENTER LANGUAGE=PCLXL\r\n) HP-PCL XL;3;0\r\n";
      for (int i = 0; i < 3000; ++i) job += static_cast<char>(0x20 + i % 90);
      job += uel + "@PJL EOJ\r\n" + uel;
      if (inspect == Inspect::JobLanguage)
        return {{true, job}, {false, "@PJL USTATUS JOB\r\nEND\r\n\f"}};
      const std::string control = "Hclient\nPalice\nldfA001client\n";
      return {{true, std::string("\x02lp\n")}, {false, std::string(1, '\0')},
              {true, "\x02" + std::to_string(control.size()) + " cfA001client\n" + control + '\0'},
              {false, std::string(1, '\0')},
              {true, "\x03" + std::to_string(job.size()) + " dfA001client\n" + job + '\0'},
              {false, std::string(1, '\0')}};
    }
    case Inspect::Mdns: case Inspect::Llmnr: case Inspect::NetbiosNs: case Inspect::NetbiosDgm:
    case Inspect::Ssdp: case Inspect::Wsd: case Inspect::Slp: case Inspect::CupsBrowsing: {
      // A search toward the printer and its answers, as clients and printers send them.
      namespace dm = pw::testing::discovery_messages;
      auto str = [](const dm::Bytes& b) { return std::string(b.begin(), b.end()); };
      std::vector<Msg> m;
      for (int i = 0; i < 3; ++i) {
        if (inspect == Inspect::Mdns) m.insert(m.end(), {{true, str(dm::mdns_query())}, {false, str(dm::mdns_announcement())}});
        if (inspect == Inspect::NetbiosNs) m.insert(m.end(), {{true, str(dm::nbns(0x0110, "PRINTER"))}, {false, str(dm::nbns(0x8500, "PRINTER", 1))}});
        if (inspect == Inspect::NetbiosDgm) m.insert(m.end(), {{true, str(dm::nbdgm(0x11, 80))}, {false, str(dm::nbdgm(0x11, 120))}});
        if (inspect == Inspect::Ssdp) m.insert(m.end(), {{true, std::string(dm::kMsearch)}, {false, "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n"}});
        if (inspect == Inspect::Wsd) m.insert(m.end(), {{true, dm::wsd("Probe")}, {false, dm::wsd("ProbeMatches", "<wsd:ProbeMatches/>")}});
        if (inspect == Inspect::Slp) m.insert(m.end(), {{true, str(dm::slp(1, dm::srvrqst()))}, {false, str(dm::srvrply())}});
      }
      return m;
    }
    default:
      return {};
  }
}

// One session in flight: its frames, built ahead.
struct Session {
  std::string service;
  std::vector<Bytes> frames;
};

// The frames of `msgs` on a flow from `client` to `server`:`port` (TCP: handshake, segments of
// at most 1400 bytes, FIN both ways).
std::vector<Bytes> frames_of(const std::vector<Msg>& msgs, const std::string& client,
                             const std::string& server, uint16_t sport, uint16_t port, bool udp) {
  Ip c2s{client, server}, s2c{server, client};
  std::vector<Bytes> f;
  if (udp) {
    for (const auto& m : msgs)
      f.push_back(m.to_server ? udp_frame(c2s, sport, port, bytes(m.bytes))
                              : udp_frame(s2c, port, sport, bytes(m.bytes)));
    return f;
  }
  uint32_t cs = 1000, ss = 50000;
  f.push_back(tcp_frame(c2s, {sport, port, kSyn, cs - 1, 0}));
  f.push_back(tcp_frame(s2c, {port, sport, kSyn | kAck, ss - 1, cs}));
  f.push_back(tcp_frame(c2s, {sport, port, kAck, cs, ss}));
  for (const auto& m : msgs) {
    for (size_t off = 0; off < m.bytes.size(); off += 1400) {
      std::string part = m.bytes.substr(off, 1400);
      if (m.to_server) {
        f.push_back(tcp_frame(c2s, {sport, port, kAck | kPsh, cs, ss}, part));
        cs += static_cast<uint32_t>(part.size());
      } else {
        f.push_back(tcp_frame(s2c, {port, sport, kAck | kPsh, ss, cs}, part));
        ss += static_cast<uint32_t>(part.size());
      }
    }
  }
  f.push_back(tcp_frame(c2s, {sport, port, kAck | kFin, cs, ss}));
  f.push_back(tcp_frame(s2c, {port, sport, kAck | kFin, ss, cs + 1}));
  f.push_back(tcp_frame(c2s, {sport, port, kAck, cs + 1, ss + 1}));
  return f;
}

// The profile with an address for each of its groups (198.18.<100 + bit>.10) and the printers
// in 198.18.20.0/24; `extra` appended.
std::string config_for(const std::string& profile, std::map<std::string, std::string>* group_addr,
                       const std::string& extra = {}) {
  std::string base = "set profile " + profile + "\nset printer-network 198.18.20.0/24\n";
  auto p = compile_text(base);
  std::string text = base;
  for (int b = 0; b < 63; ++b) {
    const std::string& g = p->group_name(b);
    if (g.empty()) continue;
    std::string a = "198.18." + std::to_string(100 + b) + ".10";
    (*group_addr)[g] = a;
    text += "set group " + g + " address " + a + "\n";
  }
  return text + extra;
}

struct Recheck : ::testing::TestWithParam<std::string> {};

TEST_P(Recheck, CommitsThatChangeNothingLeaveEveryFlowAlone) {
  std::map<std::string, std::string> group_addr;
  const std::string text = config_for(GetParam(), &group_addr);
  auto base = compile_text(text, 1);
  const policy::Model& model = base->model();
  // Every allowed TCP/UDP service, with a peer in its group (or any) and one of its ports.
  std::vector<Session> sessions;
  uint16_t sport = 20000;
  for (const auto& svc : base->services()) {
    const policy::Service* ms = nullptr;
    for (const auto& s : model.services)
      if (s.name == svc.name) ms = &s;
    if (!ms || svc.action != policy::Action::Allow || ms->ports.empty()) continue;
    std::string peer = "198.18.0.9";
    for (const auto& g : ms->peer_groups) peer = group_addr[g];
    for (policy::L4 l4 : ms->protocols) {
      if (l4 != policy::L4::Tcp && l4 != policy::L4::Udp) continue;
      const bool udp = l4 == policy::L4::Udp;
      const bool inspected = proto::inspector_for(svc.inspect, udp) != nullptr;
      std::vector<Msg> msgs = session_for(svc.inspect, inspected, udp);
      ASSERT_FALSE(msgs.empty()) << svc.name << ": no benign session for its inspector";
      const bool to_printers = ms->direction != policy::Direction::FromPrinters;
      const std::string client = to_printers ? peer : "198.18.20.5";
      const std::string server = to_printers ? "198.18.20.5" : peer;
      for (int rep = 0; rep < 2; ++rep)  // two flows each, so that over a thousand commits land
        sessions.push_back({svc.name, frames_of(msgs, client, server, sport++, ms->ports[0].lo, udp)});
    }
  }
  ASSERT_GT(sessions.size(), 20u);

  // Interleaved round-robin, frame by frame.
  std::vector<std::pair<size_t, const Bytes*>> order;
  for (size_t k = 0;; ++k) {
    bool any = false;
    for (size_t s = 0; s < sessions.size(); ++s)
      if (k < sessions[s].frames.size()) {
        order.push_back({s, &sessions[s].frames[k]});
        any = true;
      }
    if (!any) break;
  }
  ASSERT_GT(order.size(), 1000u);

  PipelineLimits lim;
  lim.flows = 8192;
  // Commits that change nothing the flows depend on (a description): each a new compiled policy
  // of its own generation, as printwalld builds one per commit. A flow's consecutive frames are
  // at most one round of the interleaving apart, so with more generations in rotation than
  // sessions, every frame of every flow meets a generation it has not been judged under.
  std::vector<std::shared_ptr<const policy::CompiledPolicy>> generations;
  for (uint64_t g = 0; g < sessions.size() + 1; ++g)
    generations.push_back(compile_text(text + "set service " + sessions[g % sessions.size()].service +
                                           " description \"commit " + std::to_string(g) + "\"\n",
                                       2 + g));
  auto run = [&](bool commits, std::vector<size_t>* forwarded_per_session) {
    PipelineHarness h(lim, proto::inspector_for, base.get());
    forwarded_per_session->assign(sessions.size(), 0);
    uint64_t n = 0;
    for (const auto& [s, frame] : order) {
      if (commits) h.p.set_policy(generations[n++ % generations.size()].get());
      if (h.run(*frame)) ++(*forwarded_per_session)[s];
    }
    EXPECT_TRUE(h.out.emitted.empty()) << "the gateway injected frames (resets)";
    for (const auto& e : h.out.events)
      if (e.reason != Reason::NdpiRisk) ADD_FAILURE() << event_json(e, base.get());
    return n;
  };
  std::vector<size_t> baseline, with_commits;
  run(false, &baseline);
  for (size_t s = 0; s < sessions.size(); ++s)
    EXPECT_EQ(baseline[s], sessions[s].frames.size()) << sessions[s].service << " (no commits)";
  uint64_t commits = run(true, &with_commits);
  EXPECT_GE(commits, 1000u);
  for (size_t s = 0; s < sessions.size(); ++s)
    EXPECT_EQ(with_commits[s], baseline[s]) << sessions[s].service;
}

INSTANTIATE_TEST_SUITE_P(Profiles, Recheck, ::testing::Values("small-office", "enterprise"));

// A commit that changes a flow's outcome does re-judge it: its inspection settings changed
// (min-tls on the HTTPS service), or its service is gone.
TEST(RecheckChanges, ChangedInspectionOrRemovedServiceEndsTheFlow) {
  std::map<std::string, std::string> groups;
  const std::string text = config_for("small-office", &groups);
  auto before = compile_text(text, 1);
  auto stricter = compile_text(text + "set service remote-ui-https min-tls 1.3\n", 2);
  auto gone = compile_text(text + "delete service raw-print\n", 3);
  auto described = compile_text(text + "set service remote-ui-https description \"x\"\n", 4);
  PipelineLimits lim;
  lim.flows = 1024;
  for (auto* after : {stricter.get(), gone.get(), described.get()}) {
    PipelineHarness h(lim, proto::inspector_for, before.get());
    auto https = frames_of(session_for(Inspect::Tls, true, false), "198.18.0.9", "198.18.20.5",
                           30000, 443, false);
    auto raw = frames_of(session_for(Inspect::JobLanguage, false, false), "198.18.0.9", "198.18.20.5",
                         30001, 9100, false);
    for (size_t i = 0; i < 5; ++i) {
      ASSERT_TRUE(h.run(https[i]));
      ASSERT_TRUE(h.run(raw[i]));
    }
    h.p.set_policy(after);
    const bool https_ok = h.run(https[5]);
    const bool raw_ok = h.run(raw[5]);
    EXPECT_EQ(https_ok, after != stricter.get());
    EXPECT_EQ(raw_ok, after != gone.get());
    EXPECT_EQ(h.out.count(Reason::PolicyChanged), after == described.get() ? 0u : 1u);
  }
}

}  // namespace
}  // namespace pw::dp
