// The built-in profiles decide every port of the hardening guide's tables as the guide says
// (hardening-guide.md: "Port usage policy" and "Per-function requirements"), in both directions.
#include <gtest/gtest.h>

#include "policy/compiled_policy.h"

namespace pw::policy {
namespace {

constexpr const char* kPrinter = "198.18.20.5";
constexpr const char* kStranger = "198.18.99.9";  // in no group

// The profile with every group given its own /24 in 198.19.0.0/16 (group i: 198.19.i.0/24).
struct Fixture {
  std::shared_ptr<const CompiledPolicy> policy;
  std::map<std::string, std::string> host_of;  // group name -> an address in it

  explicit Fixture(const std::string& profile) {
    std::string text = "set profile " + profile + "\nset printer-network 198.18.20.0/24\n";
    ModelResult base = build_model(parse_config(text, "p.conf").config);
    int i = 0;
    for (const auto& g : base.model.groups) {
      std::string net = "198.19." + std::to_string(i) + ".";
      text += "set group " + g.name + " address " + net + "0/24\n";
      host_of[g.name] = net + "10";
      ++i;
    }
    ParseResult r = parse_config(text, "p.conf");
    for (const auto& e : r.errors) ADD_FAILURE() << e.str();
    ModelResult m = build_model(r.config);
    for (const auto& e : m.errors) ADD_FAILURE() << e.str();
    policy = compile(m.model, 1);
  }

  const CompiledService* in(L4 proto, uint16_t port, const std::string& peer) const {
    return policy->match(PolicyDir::ToPrinters, proto, port, policy->classify(*parse_ip(kPrinter)),
                         policy->classify(*parse_ip(peer)));
  }
  const CompiledService* out(L4 proto, uint16_t port, const std::string& peer) const {
    return policy->match(PolicyDir::FromPrinters, proto, port,
                         policy->classify(*parse_ip(kPrinter)), policy->classify(*parse_ip(peer)));
  }
  std::string group(const std::string& g) const {
    auto it = host_of.find(g);
    EXPECT_NE(it, host_of.end()) << "profile lacks group " << g;
    return it == host_of.end() ? "0.0.0.0" : it->second;
  }
};

bool allowed(const CompiledService* s) { return s && s->action == Action::Allow; }

struct PortCase {
  const char* name;
  L4 proto;
  uint16_t port;
};

// Every port of the guide's "port usage" table.
const PortCase kPortUsage[] = {
    {"LPD", L4::Tcp, 515},       {"RAW", L4::Tcp, 9100},      {"FTP", L4::Tcp, 21},
    {"WSD", L4::Udp, 3702},      {"WSD", L4::Tcp, 60000},     {"BMLinkS", L4::Udp, 1900},
    {"IPP", L4::Tcp, 631},       {"SMB", L4::Udp, 137},       {"SMB", L4::Udp, 138},
    {"SMB", L4::Tcp, 139},       {"SMB", L4::Tcp, 445},       {"SMTP RX", L4::Tcp, 25},
    {"vendor", L4::Tcp, 9002},   {"vendor", L4::Tcp, 9006},   {"vendor", L4::Tcp, 9007},
    {"vendor", L4::Tcp, 9011},   {"vendor", L4::Tcp, 9012},   {"vendor", L4::Tcp, 9013},
    {"vendor", L4::Tcp, 9014},   {"vendor", L4::Tcp, 9015},   {"vendor", L4::Tcp, 9017},
    {"vendor", L4::Tcp, 9018},   {"vendor", L4::Tcp, 9019},   {"vendor", L4::Tcp, 9022},
    {"vendor", L4::Tcp, 9023},   {"vendor", L4::Tcp, 9025},   {"vendor", L4::Tcp, 20317},
    {"vendor", L4::Tcp, 47545},  {"vendor", L4::Tcp, 47546},  {"vendor", L4::Tcp, 47547},
    {"vendor", L4::Udp, 47545},  {"VNC", L4::Tcp, 5900},      {"SIP", L4::Udp, 5004},
    {"SIP", L4::Udp, 5005},      {"SIP", L4::Udp, 5060},      {"SIP", L4::Tcp, 5060},
    {"SIP", L4::Tcp, 5061},      {"SIP", L4::Udp, 49152},     {"mDNS", L4::Udp, 5353},
    {"SLP", L4::Udp, 427},       {"SNMP", L4::Udp, 161},
};

TEST(Enterprise, EveryPortUsagePortIsClosedToAnyone) {
  Fixture f("enterprise");
  for (const auto& c : kPortUsage) {
    EXPECT_FALSE(allowed(f.in(c.proto, c.port, kStranger)))
        << c.name << " " << to_string(c.proto) << "/" << c.port;
    // Not from the management console either.
    EXPECT_FALSE(allowed(f.in(c.proto, c.port, f.group("management"))) && c.port != 161)
        << c.name << " " << c.port << " open to management";
  }
}

TEST(Enterprise, RemoteUiOnlyFromManagementOverTls) {
  Fixture f("enterprise");
  EXPECT_FALSE(allowed(f.in(L4::Tcp, 80, f.group("management"))));
  EXPECT_FALSE(allowed(f.in(L4::Tcp, 80, kStranger)));
  EXPECT_FALSE(allowed(f.in(L4::Tcp, 443, kStranger)));
  const CompiledService* s = f.in(L4::Tcp, 443, f.group("management"));
  ASSERT_TRUE(allowed(s));
  EXPECT_EQ(s->inspect, Inspect::Tls);
  EXPECT_GE(s->min_tls, TlsVersion::V1_2);
}

TEST(SmallOffice, KeepsWhatItUsesUnderInspection) {
  Fixture f("small-office");
  for (const auto& c : std::vector<PortCase>{{"LPD", L4::Tcp, 515},
                                             {"RAW", L4::Tcp, 9100},
                                             {"WSD", L4::Udp, 3702},
                                             {"WSD", L4::Tcp, 60000},
                                             {"mDNS", L4::Udp, 5353},
                                             {"SLP", L4::Udp, 427}})
    EXPECT_TRUE(allowed(f.in(c.proto, c.port, kStranger))) << c.name << " " << c.port;
  const CompiledService* ftp = f.in(L4::Tcp, 21, kStranger);
  ASSERT_TRUE(allowed(ftp));
  EXPECT_EQ(ftp->inspect, Inspect::Ftp);
  EXPECT_EQ(ftp->tls, TlsMode::Required);  // guide: "FTP is always cleartext" -> AUTH TLS first
  const CompiledService* smb = f.in(L4::Tcp, 445, kStranger);
  ASSERT_TRUE(allowed(smb));
  EXPECT_EQ(smb->inspect, Inspect::Smb);
  EXPECT_TRUE(smb->smb_signing_required);
  EXPECT_FALSE(smb->smb1);
  const CompiledService* snmp = f.in(L4::Udp, 161, kStranger);
  ASSERT_TRUE(allowed(snmp));
  EXPECT_EQ(snmp->inspect, Inspect::Snmp);
  EXPECT_EQ(snmp->snmp_min_version, SnmpVersion::V3);
  EXPECT_EQ(snmp->snmp_min_security, SnmpSecurity::AuthPriv);
  const CompiledService* https = f.in(L4::Tcp, 443, kStranger);
  ASSERT_TRUE(allowed(https));
  EXPECT_EQ(https->inspect, Inspect::Tls);
  EXPECT_GE(https->min_tls, TlsVersion::V1_2);
}

TEST(SmallOffice, ClosesWhatTheGuideDisables) {
  Fixture f("small-office");
  EXPECT_FALSE(allowed(f.in(L4::Tcp, 631, kStranger)));  // IPP: disable
  EXPECT_FALSE(allowed(f.in(L4::Tcp, 80, kStranger)));   // Remote UI: HTTP off
  EXPECT_FALSE(allowed(f.in(L4::Tcp, 5900, kStranger)));  // VNC: DES auth, weak
  for (uint16_t p : {9002, 9007, 20317, 47546}) EXPECT_FALSE(allowed(f.in(L4::Tcp, p, kStranger))) << p;
}

class BothProfiles : public ::testing::TestWithParam<std::string> {};

TEST_P(BothProfiles, EgressIsAnAllowListToGroups) {
  Fixture f(GetParam());
  // Nothing leaves the printers toward an arbitrary host.
  for (auto [proto, port] : std::vector<std::pair<L4, uint16_t>>{
           {L4::Tcp, 25}, {L4::Tcp, 587}, {L4::Tcp, 465}, {L4::Tcp, 110}, {L4::Tcp, 995},
           {L4::Tcp, 389}, {L4::Tcp, 636}, {L4::Tcp, 445}, {L4::Tcp, 80}, {L4::Tcp, 443},
           {L4::Udp, 514}, {L4::Tcp, 6514}, {L4::Udp, 123}, {L4::Udp, 53}, {L4::Tcp, 8080},
           {L4::Udp, 137}, {L4::Udp, 138}, {L4::Udp, 427}, {L4::Udp, 3702}, {L4::Udp, 5353},
           {L4::Udp, 1900}, {L4::Udp, 5355}})
    EXPECT_FALSE(allowed(f.out(proto, port, kStranger))) << to_string(proto) << "/" << port;
}

// The small office's discovery: clients reach the MFD from anywhere on the segment; the MFD's own
// announcements reach only the discovery multicast groups (and NetBIOS the file servers).
TEST(SmallOffice, DiscoveryLeavesOnlyTowardTheMulticastGroups) {
  Fixture f("small-office");
  for (auto [port, group] : std::vector<std::pair<uint16_t, const char*>>{
           {5353, "224.0.0.251"}, {5353, "ff02::fb"}, {3702, "239.255.255.250"}, {3702, "ff02::c"},
           {427, "239.255.255.253"}, {137, "255.255.255.255"}, {138, "255.255.255.255"}}) {
    EXPECT_TRUE(allowed(f.out(L4::Udp, port, group))) << port << " to " << group;
    EXPECT_TRUE(allowed(f.in(L4::Udp, port, kStranger))) << port << " from anyone";
    EXPECT_NE(f.in(L4::Udp, port, kStranger)->inspect, Inspect::None) << port;
  }
  EXPECT_TRUE(allowed(f.out(L4::Udp, 137, f.group("file-servers"))));
}

TEST_P(BothProfiles, MailDirectoryFilesLogsNeedTls) {
  Fixture f(GetParam());
  struct Want {
    const char* group;
    L4 proto;
    uint16_t port;
    Inspect inspect;
    TlsMode tls;
  };
  for (const Want& w : std::vector<Want>{
           {"mail-relay", L4::Tcp, 25, Inspect::Smtp, TlsMode::Required},
           {"mail-relay", L4::Tcp, 587, Inspect::Smtp, TlsMode::Required},
           {"mail-relay", L4::Tcp, 465, Inspect::Tls, TlsMode::Implicit},
           {"mail-relay", L4::Tcp, 110, Inspect::Pop3, TlsMode::Required},
           {"mail-relay", L4::Tcp, 995, Inspect::Tls, TlsMode::Implicit},
           {"ldap-servers", L4::Tcp, 389, Inspect::Ldap, TlsMode::Required},
           {"ldap-servers", L4::Tcp, 636, Inspect::Tls, TlsMode::Implicit},
           {"ldap-servers", L4::Tcp, 3268, Inspect::Ldap, TlsMode::Required},
           {"ldap-servers", L4::Tcp, 3269, Inspect::Tls, TlsMode::Implicit},
           {"file-servers", L4::Tcp, 445, Inspect::Smb, TlsMode::None},
       }) {
    const CompiledService* s = f.out(w.proto, w.port, f.group(w.group));
    ASSERT_TRUE(allowed(s)) << w.group << " " << w.port;
    EXPECT_EQ(s->inspect, w.inspect) << w.port;
    EXPECT_EQ(s->tls, w.tls) << w.port;
    EXPECT_FALSE(s->plaintext_auth) << w.port;
  }
  EXPECT_TRUE(f.out(L4::Tcp, 445, f.group("file-servers"))->smb_signing_required);
  EXPECT_TRUE(allowed(f.out(L4::Udp, 123, f.group("ntp"))));
  EXPECT_TRUE(allowed(f.out(L4::Udp, 53, f.group("dns"))));
  EXPECT_TRUE(allowed(f.out(L4::Tcp, 6514, f.group("siem"))));
  // Mail only toward the relay, not toward the directory.
  EXPECT_FALSE(allowed(f.out(L4::Tcp, 587, f.group("ldap-servers"))));
}

TEST_P(BothProfiles, Eapol) {
  Fixture f(GetParam());
  const CompiledService* s = f.policy->match_ethertype(0x888e);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->action, Action::Allow);
}

TEST_P(BothProfiles, GuideThresholds) {
  Fixture f(GetParam());
  EXPECT_EQ(f.policy->model().failed_auth.count, 5u);
  EXPECT_EQ(f.policy->model().failed_auth.window_s, 180u);
  EXPECT_EQ(f.policy->model().tls.min_version, TlsVersion::V1_2);
  EXPECT_EQ(f.policy->default_action(), Action::Deny);
}

// The risk table: every nDPI risk stated by the profile, as policy/risks.h's defaults; what
// printer networks do every day is ignored, exploit and malware signatures denied.
TEST_P(BothProfiles, StateTheWholeRiskTable) {
  Fixture f(GetParam());
  EXPECT_EQ(f.policy->model().risks, RiskMasks::defaults());
  const std::string expanded(builtin_profile_text(GetParam()));
  for (const auto& r : kRisks)
    EXPECT_NE(expanded.find("set security risk " + std::string(r.name) + " " +
                            std::string(to_string(r.action)) + "\n"),
              std::string::npos)
        << r.name;
  for (const char* benign : {"tls-self-signed-certificate", "tls-missing-sni",
                             "tls-not-carrying-https", "known-protocol-non-standard-port",
                             "http-numeric-ip-host", "tls-certificate-mismatch"})
    EXPECT_EQ(f.policy->model().risks.get(risk_by_name(benign)->bit), RiskAction::Ignore) << benign;
  for (const char* bad : {"clear-text-credentials", "suspicious-dga-domain", "ssh-obsolete-client",
                          "tls-suspicious-extension", "url-possible-xss"})
    EXPECT_EQ(f.policy->model().risks.get(risk_by_name(bad)->bit), RiskAction::Alert) << bad;
  for (const char* deny : {"malicious-ja3", "possible-exploit", "url-possible-rce-injection"})
    EXPECT_EQ(f.policy->model().risks.get(risk_by_name(deny)->bit), RiskAction::Deny) << deny;
  for (const auto& s : f.policy->services()) EXPECT_EQ(s.risks, RiskMasks::defaults()) << s.name;
}

INSTANTIATE_TEST_SUITE_P(Profiles, BothProfiles, ::testing::Values("small-office", "enterprise"));

}  // namespace
}  // namespace pw::policy
