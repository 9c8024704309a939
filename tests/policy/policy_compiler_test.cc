#include <gtest/gtest.h>

#include <initializer_list>
#include <random>
#include <utility>

#include "policy/compiled_policy.h"
#include "tests/support/config_gen.h"

namespace pw::policy {
namespace {

std::shared_ptr<const CompiledPolicy> compile_text(std::string_view text) {
  ParseResult r = parse_config(text, "c.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  ModelResult m = build_model(r.config);
  for (const auto& e : m.errors) ADD_FAILURE() << e.str();
  return compile(m.model, 7);
}

IpAddr ip(const char* s) { return *parse_ip(s); }

const char* decide(const CompiledPolicy& p, PolicyDir d, L4 proto, uint16_t port,
                   const char* printer, const char* peer) {
  const CompiledService* s =
      p.match(d, proto, port, p.classify(ip(printer)), p.classify(ip(peer)));
  return s ? s->name.c_str() : "(default)";
}

// Each address of `want` maps to its group mask.
void expect_lookups(const AddressMap& m,
                    std::initializer_list<std::pair<const char*, GroupMask>> want) {
  for (const auto& [address, mask] : want) EXPECT_EQ(m.lookup(ip(address)), mask) << address;
}

// Which service (or "(default)") decides each flow of `want`: direction, protocol, port, the
// printer's and the peer's addresses.
struct Decided {
  PolicyDir dir;
  L4 proto;
  uint16_t port;
  const char* printer;
  const char* peer;
  const char* service;
};
void expect_decisions(const CompiledPolicy& p, std::initializer_list<Decided> want) {
  for (const Decided& d : want)
    EXPECT_STREQ(decide(p, d.dir, d.proto, d.port, d.printer, d.peer), d.service)
        << d.port << " " << d.printer << " " << d.peer;
}

TEST(AddressMap, OverlapsAndFamilies) {
  AddressMap m;
  m.build({{*parse_prefix("198.18.0.0/16"), 1},
           {*parse_prefix("198.18.20.0/24"), 2},
           {*parse_prefix("198.18.20.128/25"), 4},
           {*parse_prefix("2001:db8::/32"), 8},
           {*parse_prefix("2001:db8:20::/48"), 16}});
  expect_lookups(m, {
      {"198.17.255.255", 0u},
      {"198.18.0.0", 1u},
      {"198.18.20.5", 3u},
      {"198.18.20.200", 7u},
      {"198.18.21.0", 1u},
      {"198.18.255.255", 1u},
      {"198.19.0.0", 0u},
      {"2001:db8:20:ffff::1", 24u},
      {"2001:db8:21::1", 8u},
      {"2001:db9::", 0u},
      // v4 and v6 never mix, even for numerically equal values.
      {"::c612:1405", 0u},
  });
}

TEST(AddressMap, WholeSpaceAndTopEdges) {
  AddressMap m;
  m.build({{*parse_prefix("0.0.0.0/0"), 1},
           {*parse_prefix("255.255.255.255/32"), 2},
           {*parse_prefix("::/0"), 4},
           {*parse_prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), 8}});
  expect_lookups(m, {
      {"0.0.0.0", 1u},
      {"255.255.255.254", 1u},
      {"255.255.255.255", 3u},
      {"::", 4u},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 4u},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 12u},
  });
}

TEST(AddressMap, MatchesBruteForce) {
  std::mt19937 rng(42);
  std::vector<AddressMap::Entry> entries;
  for (int i = 0; i < 300; ++i) {
    int len = static_cast<int>(rng() % 33);
    uint32_t a = rng() & (len ? ~uint32_t{0} << (32 - len) : 0);
    entries.push_back({{IpAddr::v4(a), static_cast<uint8_t>(len)}, GroupMask{1} << (rng() % 64)});
  }
  AddressMap m;
  m.build(entries);
  for (int i = 0; i < 20000; ++i) {
    IpAddr a = IpAddr::v4(rng());
    GroupMask want = 0;
    for (const auto& e : entries)
      if (e.prefix.contains(a)) want |= e.bits;
    ASSERT_EQ(m.lookup(a), want) << a.str();
  }
}

constexpr const char* kBase =
    "set printer-network 198.18.20.0/24\n"
    "set printer-network 2001:db8:20::/48\n"
    "set group mgmt address 198.18.40.0/24\n"
    "set group mgmt address 2001:db8:40::/48\n"
    "set group relay address 198.18.50.25\n"
    "set group lab-printers address 198.18.20.128/25\n"
    "set service https direction to-printers\n"
    "set service https protocol tcp\n"
    "set service https port 443\n"
    "set service https inspect tls\n"
    "set service https-mgmt direction to-printers\n"
    "set service https-mgmt protocol tcp\n"
    "set service https-mgmt port 443\n"
    "set service https-mgmt peer-group mgmt\n"
    "set service https-mgmt inspect tls\n"
    "set service https-mgmt min-tls 1.3\n"
    "set service raw direction to-printers\n"
    "set service raw protocol tcp\n"
    "set service raw port 9100\n"
    "set service raw printer-group lab-printers\n"
    "set service ipp direction to-printers\n"
    "set service ipp protocol tcp\n"
    "set service ipp port 631\n"
    "set service ipp action reject\n"
    "set service smtp direction from-printers\n"
    "set service smtp protocol tcp\n"
    "set service smtp port 587\n"
    "set service smtp peer-group relay\n"
    "set service smtp inspect smtp\n"
    "set service smtp tls required\n"
    "set service dns direction from-printers\n"
    "set service dns protocol udp\n"
    "set service dns protocol tcp\n"
    "set service dns port 53\n"
    "set service ping direction both\n"
    "set service ping protocol icmp\n"
    "set service eapol direction both\n"
    "set service eapol protocol ethertype\n"
    "set service eapol ethertype eapol\n"
    "set service vendor direction to-printers\n"
    "set service vendor protocol tcp\n"
    "set service vendor port 9011-9015\n"
    "set service vendor port 47545-47547\n"
    "set service vendor action deny\n";

TEST(Compiler, PrinterNetworks) {
  auto p = compile_text(kBase);
  EXPECT_TRUE(p->is_printer(ip("198.18.20.1")));
  EXPECT_TRUE(p->is_printer(ip("2001:db8:20:1::9")));
  EXPECT_FALSE(p->is_printer(ip("198.18.21.1")));
  EXPECT_FALSE(p->is_printer(ip("2001:db8:21::1")));
  EXPECT_EQ(p->generation(), 7u);
}

TEST(Compiler, SpecificPeerGroupWins) {
  auto p = compile_text(kBase);
  expect_decisions(*p, {
      {PolicyDir::ToPrinters, L4::Tcp, 443, "198.18.20.5", "198.18.40.9", "https-mgmt"},
      {PolicyDir::ToPrinters, L4::Tcp, 443, "198.18.20.5", "198.18.99.9", "https"},
      {PolicyDir::ToPrinters, L4::Tcp, 443, "2001:db8:20::5", "2001:db8:40::1", "https-mgmt"},
  });
  const CompiledService* s = p->match(PolicyDir::ToPrinters, L4::Tcp, 443,
                                      p->classify(ip("198.18.20.5")), p->classify(ip("198.18.40.9")));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->min_tls, TlsVersion::V1_3);
  EXPECT_EQ(s->tls, TlsMode::Implicit);
  EXPECT_EQ(s->inspect, Inspect::Tls);
}

TEST(Compiler, DefaultDenyAndDirections) {
  auto p = compile_text(kBase);
  expect_decisions(*p, {
      {PolicyDir::ToPrinters, L4::Tcp, 80, "198.18.20.5", "198.18.99.9", "(default)"},
      {PolicyDir::ToPrinters, L4::Udp, 443, "198.18.20.5", "198.18.99.9", "(default)"},
      // Outbound 587 only toward the relay.
      {PolicyDir::FromPrinters, L4::Tcp, 587, "198.18.20.5", "198.18.50.25", "smtp"},
      {PolicyDir::FromPrinters, L4::Tcp, 587, "198.18.20.5", "198.18.50.26", "(default)"},
      {PolicyDir::ToPrinters, L4::Tcp, 587, "198.18.20.5", "198.18.50.25", "(default)"},
      // A from-printers service does not open the way in.
      {PolicyDir::ToPrinters, L4::Udp, 53, "198.18.20.5", "198.18.99.9", "(default)"},
      {PolicyDir::FromPrinters, L4::Udp, 53, "198.18.20.5", "198.18.99.9", "dns"},
      {PolicyDir::FromPrinters, L4::Tcp, 53, "198.18.20.5", "198.18.99.9", "dns"},
      // "both" opens both ways.
      {PolicyDir::ToPrinters, L4::Icmp, 0, "198.18.20.5", "198.18.99.9", "ping"},
      {PolicyDir::FromPrinters, L4::Icmp, 0, "198.18.20.5", "198.18.99.9", "ping"},
  });
}

TEST(Compiler, PrinterGroupAndRanges) {
  auto p = compile_text(kBase);
  expect_decisions(*p, {
      {PolicyDir::ToPrinters, L4::Tcp, 9100, "198.18.20.200", "198.18.99.9", "raw"},
      {PolicyDir::ToPrinters, L4::Tcp, 9100, "198.18.20.20", "198.18.99.9", "(default)"},
  });
  for (uint16_t port : {9011, 9013, 9015, 47545, 47547}) {
    const CompiledService* s = p->match(PolicyDir::ToPrinters, L4::Tcp, port,
                                        p->classify(ip("198.18.20.5")), 0);
    ASSERT_TRUE(s) << port;
    EXPECT_EQ(s->action, Action::Deny);
    EXPECT_EQ(s->name, "vendor");
  }
  EXPECT_FALSE(p->match(PolicyDir::ToPrinters, L4::Tcp, 9016, p->classify(ip("198.18.20.5")), 0));
  EXPECT_FALSE(p->match(PolicyDir::ToPrinters, L4::Tcp, 47548, p->classify(ip("198.18.20.5")), 0));
  const CompiledService* ipp =
      p->match(PolicyDir::ToPrinters, L4::Tcp, 631, p->classify(ip("198.18.20.5")), 0);
  ASSERT_TRUE(ipp);
  EXPECT_EQ(ipp->action, Action::Reject);
}

TEST(Compiler, EmptyGroupMatchesNobody) {
  auto p = compile_text(std::string(kBase) +
                        "set group nobody\n"
                        "set service lpd direction to-printers\n"
                        "set service lpd protocol tcp\n"
                        "set service lpd port 515\n"
                        "set service lpd peer-group nobody\n");
  expect_decisions(*p, {
      {PolicyDir::ToPrinters, L4::Tcp, 515, "198.18.20.5", "198.18.40.9", "(default)"},
      {PolicyDir::ToPrinters, L4::Tcp, 515, "198.18.20.5", "0.0.0.0", "(default)"},
  });
}

TEST(Compiler, Ethertypes) {
  auto p = compile_text(kBase);
  ASSERT_TRUE(p->match_ethertype(0x888e));
  EXPECT_EQ(p->match_ethertype(0x888e)->name, "eapol");
  EXPECT_FALSE(p->match_ethertype(0x88cc));
}

TEST(Compiler, DescribeListsTheTable) {
  auto p = compile_text(kBase);
  std::string d = p->describe();
  EXPECT_NE(d.find("tcp 443  https-mgmt  allow  peers mgmt"), std::string::npos) << d;
  EXPECT_NE(d.find("tcp 9011-9015  vendor  deny"), std::string::npos) << d;
  EXPECT_NE(d.find("ethertype 0x888e  eapol  allow"), std::string::npos) << d;
}

TEST(Compiler, LargePolicyCompilesAndDecides) {
  auto p = compile_text(pw::testing::large_policy_config(1000));
  // extra7 (to-printers, tcp, port 20007) is open to group extra7 = 198.19.7.0/24 only.
  expect_decisions(*p, {
      {PolicyDir::ToPrinters, L4::Tcp, 20007, "198.18.21.1", "198.19.7.1", "extra7"},
      {PolicyDir::ToPrinters, L4::Tcp, 20007, "198.18.21.1", "198.19.8.1", "(default)"},
      {PolicyDir::ToPrinters, L4::Tcp, 20007, "2001:db8:20::1", "2001:db8:107::1", "extra7"},
  });
  EXPECT_GT(p->services().size(), 1000u);
}

}  // namespace
}  // namespace pw::policy
