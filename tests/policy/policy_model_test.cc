#include "policy/policy_model.h"
#include "policy/compiled_policy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace pw::policy {
namespace {

ModelResult model(std::string_view text) {
  ParseResult r = parse_config(text, "m.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  return build_model(r.config);
}

std::string errors(const ModelResult& m) {
  std::string s;
  for (const auto& e : m.errors) s += e.str() + "\n";
  return s;
}

void expect_error(std::string_view text, uint32_t line, uint32_t col, std::string_view reason) {
  ModelResult m = model(text);
  ASSERT_FALSE(m.ok()) << text;
  bool found = false;
  for (const auto& e : m.errors)
    if (e.loc.line == line && e.loc.column == col && e.reason.find(reason) != std::string::npos)
      found = true;
  EXPECT_TRUE(found) << "want m.conf:" << line << ":" << col << " " << reason << "\ngot:\n"
                     << errors(m);
}

constexpr const char* kSvc =
    "set service web direction to-printers\n"
    "set service web protocol tcp\n"
    "set service web port 443\n";

TEST(Model, Defaults) {
  ModelResult m = model("set printer-network 198.18.20.0/24\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  EXPECT_EQ(m.model.default_action, Action::Deny);
  EXPECT_EQ(m.model.tls.min_version, TlsVersion::V1_2);
  EXPECT_EQ(m.model.failed_auth.count, 5u);
  EXPECT_EQ(m.model.failed_auth.window_s, 180u);
  EXPECT_EQ(m.model.flows.max_entries, 1u << 20);
  EXPECT_EQ(m.model.stream.window_bytes, 16u << 10);
  EXPECT_EQ(m.model.stream.max_flows, 4096u);
  EXPECT_EQ(m.model.mirror.output, MirrorOutput::None);
  EXPECT_FALSE(m.model.mirror.all);
  EXPECT_TRUE(m.model.profile.empty());
}

TEST(Model, ServiceFields) {
  ModelResult m = model(std::string(kSvc) +
                        "set group mgmt address 198.18.40.0/24\n"
                        "set service web peer-group mgmt\n"
                        "set service web inspect tls\n"
                        "set service web min-tls 1.3\n"
                        "set service ftp direction to-printers\n"
                        "set service ftp protocol tcp\n"
                        "set service ftp port 21\n"
                        "set service ftp inspect ftp\n"
                        "set service ftp tls required\n"
                        "set service ftp passive-ports 50000-50100\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  ASSERT_EQ(m.model.services.size(), 2u);
  const Service& web = m.model.services[1];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.tls, TlsMode::Implicit);  // inspect tls implies it
  EXPECT_EQ(web.min_tls, TlsVersion::V1_3);
  EXPECT_EQ(web.peer_groups, std::vector<std::string>{"mgmt"});
  const Service& ftp = m.model.services[0];
  EXPECT_EQ(ftp.min_tls, TlsVersion::V1_2);  // from security tls min-version
  ASSERT_TRUE(ftp.passive_ports);
  EXPECT_EQ(ftp.passive_ports->lo, 50000);
}

TEST(Model, SecurityMinVersionIsTheServiceDefault) {
  ModelResult m = model(std::string(kSvc) + "set service web inspect tls\n"
                        "set security tls min-version 1.3\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  EXPECT_EQ(m.model.services[0].min_tls, TlsVersion::V1_3);
}

// The site closes a service the profile inspects by its action alone: the profile's inspection
// settings become moot, not errors. An inspector the site names on a denied service stays an
// error.
TEST(Model, ClosingAProfilesInspectedServiceByItsAction) {
  for (const char* action : {"deny", "reject"}) {
    ModelResult m = model(std::string("set profile small-office\nset printer-network 198.18.20.0/24\n"
                                      "set service ftp-print action ") + action + "\n");
    ASSERT_TRUE(m.ok()) << errors(m);
    for (const auto& sv : m.model.services)
      if (sv.name == "ftp-print") {
        EXPECT_NE(sv.action, Action::Allow);
        EXPECT_EQ(sv.inspect, Inspect::None);
      }
  }
  expect_error(std::string(kSvc) + "set service web inspect http\nset service web action deny\n", 4,
               25, "inspect on a service whose action is deny");
}

TEST(Model, MetricsPortNeedsAnAddress) {
  expect_error("set system metrics port 9100\n", 1, 25, "without system metrics address");
  EXPECT_TRUE(model("set system metrics address 127.0.0.1\nset system metrics port 9100\n").ok());
}

TEST(Model, UndefinedGroupWithSuggestion) {
  expect_error(std::string(kSvc) + "set group management\nset service web peer-group managment\n",
               5, 28, "undefined group 'managment' (did you mean 'management'?)");
}

TEST(Model, MissingDirectionProtocolPorts) {
  expect_error("set service x protocol tcp\nset service x port 1\n", 1, 1, "no direction");
  expect_error("set service x direction both\nset service x port 1\n", 1, 1, "no protocol");
  expect_error("set service x direction both\nset service x protocol udp\n", 1, 1,
               "needs at least one port");
  expect_error("set service x direction both\nset service x protocol icmp\nset service x port 7\n",
               3, 20, "ports need protocol tcp or udp");
  expect_error("set service x direction both\nset service x protocol ethertype\n", 1, 1,
               "needs an ethertype");
  expect_error(std::string(kSvc) + "set service web ethertype eapol\n", 4, 27,
               "ethertype needs protocol ethertype");
}

TEST(Model, RequirementsNeedTheirInspector) {
  expect_error(std::string(kSvc) + "set service web tls required\n", 4, 21, "STARTTLS");
  expect_error(std::string(kSvc) + "set service web tls implicit\n", 4, 21, "needs inspect tls");
  expect_error(std::string(kSvc) + "set service web inspect tls\nset service web tls optional\n", 5,
               21, "inspect tls means tls implicit");
  expect_error(std::string(kSvc) + "set service web min-tls 1.3\n", 4, 25, "min-tls without tls");
  expect_error(std::string(kSvc) + "set service web passive-ports 50000-50010\n", 4, 31,
               "needs inspect ftp");
  expect_error(std::string(kSvc) + "set service web snmp-version 3\n", 4, 30, "needs inspect snmp");
  expect_error(std::string(kSvc) + "set service web smb-signing required\n", 4, 29,
               "needs inspect smb");
  expect_error(std::string(kSvc) + "set service web action deny\nset service web inspect http\n", 5,
               25, "nothing would reach the inspector");
}

TEST(Model, ConflictingServices) {
  std::string two = std::string(kSvc) +
                    "set service web2 direction both\n"
                    "set service web2 protocol tcp\n"
                    "set service web2 port 400-500\n";
  expect_error(two, 6, 23, "conflicting statements: services 'web' and 'web2' both claim tcp port 443");
  // Distinct peer groups make them distinct rules: no conflict.
  ModelResult ok = model(two + "set group a\nset service web2 peer-group a\n");
  EXPECT_TRUE(ok.ok()) << errors(ok);
  // Different directions or protocols do not conflict either.
  ModelResult ok2 = model(std::string(kSvc) +
                          "set service out direction from-printers\n"
                          "set service out protocol tcp\nset service out port 443\n"
                          "set service u direction to-printers\n"
                          "set service u protocol udp\nset service u port 443\n");
  EXPECT_TRUE(ok2.ok()) << errors(ok2);
}

TEST(Model, MirrorAndInterfaces) {
  expect_error("set mirror output vxlan\n", 1, 1, "needs 'mirror vxlan remote'");
  expect_error("set mirror output erspan\n", 1, 1, "needs 'mirror erspan remote'");
  expect_error("set mirror output port\n", 1, 1, "needs 'interface mirror device'");
  expect_error("set mirror output pcap\nset mirror pcap file \"\"\n", 1, 1,
               "mirror output pcap needs 'mirror pcap file'");
  expect_error("set mirror output erspan\nset mirror erspan remote 198.18.3.30\n"
               "set mirror erspan source 2001:db8::2\n",
               3, 26,
               "source 2001:db8::2 and remote 198.18.3.30 are of different address families");
  // The pcap file has a default; the other output's container is not read.
  ModelResult pc = model("set mirror output pcap\nset mirror vxlan source 2001:db8::2\n");
  ASSERT_TRUE(pc.ok()) << errors(pc);
  EXPECT_EQ(pc.model.mirror.pcap_file, "/var/log/printwall/mirror.pcap");
  EXPECT_EQ(pc.model.mirror.pcap_max_size, 100u << 20);
  expect_error("set interface outside device net_null0\nset interface inside device net_null0\n", 2,
               29, "two interfaces use device 'net_null0'");
  ModelResult m = model("set mirror output vxlan\nset mirror vxlan remote 198.18.30.5\n"
                        "set mirror vxlan vni 42\nset mirror all\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  EXPECT_EQ(m.model.mirror.remote->str(), "198.18.30.5");
  EXPECT_EQ(m.model.mirror.vni, 42u);
  EXPECT_TRUE(m.model.mirror.all);
}

TEST(Model, Syslog) {
  ModelResult m = model("set syslog host 198.18.30.10 transport tls\n"
                        "set syslog host 2001:db8::514\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  ASSERT_EQ(m.model.syslog.hosts.size(), 2u);
  EXPECT_EQ(m.model.syslog.hosts[0].port, 6514);
  EXPECT_EQ(m.model.syslog.hosts[0].transport, SyslogTransport::Tls);
  EXPECT_EQ(m.model.syslog.hosts[1].port, 514);
}

TEST(Model, TooManyGroups) {
  std::string t;
  for (size_t i = 0; i <= kMaxGroups; ++i) t += "set group g" + std::to_string(i) + "\n";
  ModelResult m = model(t);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(errors(m).find("too many groups"), std::string::npos);
}

TEST(Model, WarningsDoNotFail) {
  ModelResult m = model("set profile enterprise\n");
  EXPECT_TRUE(m.ok()) << errors(m);
  bool no_printers = false;
  for (const auto& w : m.warnings)
    if (w.reason.find("no printer-network") != std::string::npos) no_printers = true;
  EXPECT_TRUE(no_printers);
}

// `security risk NAME ACTION` and `service S risk NAME ACTION`: the table of policy/risks.h, a
// service's exceptions on top of it (compiled into the service), names checked with a suggestion.
TEST(Model, RiskTableAndServiceExceptions) {
  ModelResult d = model(kSvc);
  ASSERT_TRUE(d.ok()) << errors(d);
  EXPECT_EQ(d.model.risks, RiskMasks::defaults());
  ModelResult m = model(std::string(kSvc) +
                        "set security risk tls-missing-sni alert\n"
                        "set security risk possible-exploit alert\n"
                        "set service web risk tls-missing-sni ignore\n"
                        "set service web risk tls-fatal-alert deny\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  const unsigned sni = risk_by_name("tls-missing-sni")->bit, fatal = risk_by_name("tls-fatal-alert")->bit,
                 exploit = risk_by_name("possible-exploit")->bit;
  EXPECT_EQ(m.model.risks.get(sni), RiskAction::Alert);
  EXPECT_EQ(m.model.risks.get(exploit), RiskAction::Alert);
  ASSERT_EQ(m.model.services.size(), 1u);
  EXPECT_EQ(m.model.services[0].risk_overrides.size(), 2u);
  auto p = compile(m.model, 1);
  const CompiledService& s = p->services()[0];
  EXPECT_EQ(s.risks.get(sni), RiskAction::Ignore);     // the service's exception
  EXPECT_EQ(s.risks.get(fatal), RiskAction::Deny);     // the service's exception
  EXPECT_EQ(s.risks.get(exploit), RiskAction::Alert);  // the global table
  EXPECT_EQ(s.risks.alert & s.risks.deny, 0u);
  ParseResult bad = parse_config("set security risk tls-missing-snl ignore\n", "m.conf");
  ASSERT_FALSE(bad.errors.empty());
  EXPECT_NE(bad.errors[0].str().find("tls-missing-sni"), std::string::npos) << bad.errors[0].str();
  ParseResult bad2 = parse_config(std::string(kSvc) + "set service web risk tls-missing-sni block\n", "m.conf");
  ASSERT_FALSE(bad2.errors.empty());
  EXPECT_NE(bad2.errors[0].str().find("m.conf:4:"), std::string::npos) << bad2.errors[0].str();
  // An exception on a service that never lets a flow through would be a rule that does nothing.
  expect_error(std::string(kSvc) + "set service web action deny\nset service web risk tls-missing-sni alert\n",
               5, 38, "risk on a service whose action is deny");
}

// icmp-type: kinds of ICMP messages, on a service of protocol icmp only.
TEST(Model, IcmpTypes) {
  ModelResult m = model("set service p direction to-printers\nset service p protocol icmp\n"
                        "set service p icmp-type echo\nset service p icmp-type unreachable\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  EXPECT_EQ(m.model.services[0].icmp_kinds, (1u << static_cast<unsigned>(IcmpKind::Echo)) |
                                                (1u << static_cast<unsigned>(IcmpKind::Unreachable)));
  expect_error(std::string(kSvc) + "set service web icmp-type echo\n", 4, 27, "icmp-type needs protocol icmp");
  EXPECT_EQ(icmp_kind(false, 8), IcmpKind::Echo);
  EXPECT_EQ(icmp_kind(true, 128), IcmpKind::Echo);
  EXPECT_EQ(icmp_kind(true, 2), IcmpKind::PacketTooBig);
  EXPECT_EQ(icmp_kind(false, 0), IcmpKind::Other);  // an echo reply opens nothing
}

// `mirror always` with no mirror output: the administrator's own statement is refused (at its
// value); a profile's is a warning; with an output, neither.
TEST(Model, MirrorAlwaysNeedsAMirrorOutput) {
  expect_error(std::string(kSvc) + "set service web mirror always\n", 4, 24,
               "mirror always, but mirror output is none");
  ModelResult ent = model("set profile enterprise\nset printer-network 198.18.20.0/24\n");
  ASSERT_TRUE(ent.ok()) << errors(ent);
  bool warned = false;
  for (const auto& w : ent.warnings)
    warned |= w.reason.find("service 'mail-smtp': mirror always, but mirror output is none") != std::string::npos;
  EXPECT_TRUE(warned);
  ModelResult with = model(std::string(kSvc) + "set service web mirror always\nset mirror output pcap\n");
  ASSERT_TRUE(with.ok()) << errors(with);
  for (const auto& w : with.warnings) EXPECT_EQ(w.reason.find("mirror always"), std::string::npos) << w.reason;
}

}  // namespace
}  // namespace pw::policy

namespace pw::policy {
namespace {

// `job-language` lists: an entry must change something; upper-cased PJL names, sorted lists.
TEST(Model, JobLanguageListsChangeSomethingOrAreRefused) {
  const std::string svc = std::string(kSvc) + "set service web inspect job-language\n";  // 4 lines
  ModelResult m = model(svc +
                        "set job-language pjl allow dminfo\n"
                        "set job-language pjl deny INFO\n"
                        "set job-language pjl allow-set TIMEOUT\n"
                        "set job-language pjl deny-set HOLDKEY\n"
                        "set job-language postscript allow showpage\n"
                        "set job-language postscript deny setcolorspace\n"
                        "set job-language pjl max-line 100\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  const JobLanguageRules& r = m.model.job_language;
  EXPECT_EQ(r.pjl_allow, std::vector<std::string>{"DMINFO"});
  EXPECT_EQ(r.pjl_deny, std::vector<std::string>{"INFO"});
  EXPECT_EQ(r.pjl_allow_set, std::vector<std::string>{"TIMEOUT"});
  EXPECT_EQ(r.pjl_deny_set, std::vector<std::string>{"HOLDKEY"});
  EXPECT_EQ(r.ps_allow, std::vector<std::string>{"showpage"});
  EXPECT_EQ(r.ps_deny, std::vector<std::string>{"setcolorspace"});
  EXPECT_EQ(r.pjl_max_line, 100u);
  expect_error(svc + "set job-language pjl allow JOB\n", 5, 28, "JOB is allowed by default");
  expect_error(svc + "set job-language pjl deny FSDIRLIST\n", 5, 27, "is not allowed by default");
  expect_error(svc + "set job-language pjl allow-set DUPLEX\n", 5, 32, "on the built-in list");
  expect_error(svc + "set job-language pjl deny-set PASSWORD\n", 5, 31, "not on the built-in list");
  expect_error(svc + "set job-language postscript allow Showpage\n", 5, 35, "not denied by default");
  expect_error(svc + "set job-language postscript deny file\n", 5, 34, "denied by default already");
  expect_error(std::string(kSvc) + "set job-language pjl allow DMINFO\n", 4, 1,
               "no service has inspect job-language or lpd");
}

TEST(Model, ServiceSettingsNeedTheirInspector) {
  expect_error(std::string(kSvc) + "set service web lpd-remove-jobs allow\n", 4, 33, "needs inspect lpd");
}

// `ipp` lists: operations by their IANA names (any case), formats in lower case; an entry must
// change a default; the lists need a service with inspect ipp.
TEST(Model, IppListsChangeSomethingOrAreRefused) {
  const std::string svc = std::string(kSvc) + "set service web inspect ipp\n";  // 4 lines
  ModelResult m = model(svc +
                        "set ipp operation allow identify-printer\n"
                        "set ipp operation deny Cancel-Job\n"
                        "set ipp document-format allow image/PNG\n"
                        "set ipp document-format deny text/plain\n");
  ASSERT_TRUE(m.ok()) << errors(m);
  const IppRules& r = m.model.ipp;
  EXPECT_TRUE(r.allows(0x003C));   // Identify-Printer
  EXPECT_FALSE(r.allows(0x0008));  // Cancel-Job
  EXPECT_TRUE(r.allows(0x0002));   // Print-Job: a default
  EXPECT_FALSE(r.allows(0x4003));  // CUPS-Add-Modify-Printer
  EXPECT_FALSE(r.allows(0x1234));  // no such operation
  EXPECT_TRUE(r.format_allowed("image/png"));
  EXPECT_FALSE(r.format_allowed("text/plain"));
  EXPECT_TRUE(r.format_allowed("application/pdf"));
  EXPECT_TRUE(std::is_sorted(r.formats.begin(), r.formats.end()));
  // The defaults, with no statement.
  ModelResult d = model(svc);
  ASSERT_TRUE(d.ok()) << errors(d);
  EXPECT_FALSE(d.model.ipp.allows(0x0013));  // Set-Printer-Attributes
  EXPECT_FALSE(d.model.ipp.format_allowed("application/vnd.cups-command"));
  expect_error(svc + "set ipp operation allow Print-Job\n", 5, 25, "Print-Job is allowed by default");
  expect_error(svc + "set ipp operation deny Purge-Jobs\n", 5, 24, "Purge-Jobs is denied by default");
  expect_error(svc + "set ipp operation allow Frobnicate-Printer\n", 5, 25, "no IPP operation of that name");
  expect_error(svc + "set ipp document-format allow application/pdf\n", 5, 31, "allowed by default");
  expect_error(svc + "set ipp document-format deny image/png\n", 5, 30, "not allowed by default");
  expect_error(svc + "set ipp document-format allow pdf\n", 5, 31, "not a media type");
  expect_error(std::string(kSvc) + "set ipp operation allow Identify-Printer\n", 4, 1,
               "no service has inspect ipp");
}

}  // namespace
}  // namespace pw::policy
