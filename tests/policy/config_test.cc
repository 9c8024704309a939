#include "policy/config.h"

#include <gtest/gtest.h>

#include "policy/config_printer.h"

namespace pw::policy {
namespace {

ConfigError one_error(std::string_view text) {
  ParseResult r = parse_config(text, "t.conf");
  EXPECT_EQ(r.errors.size(), 1u) << text;
  return r.errors.empty() ? ConfigError{} : r.errors[0];
}

Config parse_ok(std::string_view text) {
  ParseResult r = parse_config(text, "t.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  return r.config;
}

struct ErrCase {
  const char* text;
  uint32_t line, column;
  const char* reason;  // substring
};

class ParseErrors : public ::testing::TestWithParam<ErrCase> {};

TEST_P(ParseErrors, NameLineColumnReason) {
  const ErrCase& c = GetParam();
  ConfigError e = one_error(c.text);
  EXPECT_EQ(e.loc.file, "t.conf");
  EXPECT_EQ(e.loc.line, c.line) << e.str();
  EXPECT_EQ(e.loc.column, c.column) << e.str();
  EXPECT_NE(e.reason.find(c.reason), std::string::npos) << e.str();
  EXPECT_EQ(e.str().rfind("t.conf:" + std::to_string(c.line) + ":" + std::to_string(c.column) +
                              ": error: ",
                          0),
            0u)
      << e.str();
}

INSTANTIATE_TEST_SUITE_P(
    All, ParseErrors,
    ::testing::Values(
        ErrCase{"sett profile enterprise", 1, 1, "did you mean 'set'"},
        ErrCase{"show profile", 1, 1, "expected 'set' or 'delete'"},
        ErrCase{"# c\nset sevrice x direction both", 2, 5, "did you mean 'service'"},
        ErrCase{"set qqqqqqqq", 1, 5, "expected one of"},
        ErrCase{"set service x prot tcp", 1, 15, "unknown keyword 'prot' after 'service x'"},
        ErrCase{"set profile enterprize", 1, 13, "did you mean 'enterprise'"},
        ErrCase{"set profile", 1, 12, "incomplete statement"},
        ErrCase{"set service", 1, 12, "needs a name"},
        ErrCase{"set service x port", 1, 19, "needs a port-range value"},
        ErrCase{"set detection", 1, 14, "expected one of port-scan, failed-auth"},
        ErrCase{"set", 1, 4, "incomplete statement"},
        ErrCase{"delete", 1, 7, "incomplete statement"},
        ErrCase{"set service x port 70000", 1, 20, "ports are 1..65535"},
        ErrCase{"set service x port 0", 1, 20, "ports are 1..65535"},
        ErrCase{"set service x port 90-80", 1, 20, "start is above end"},
        ErrCase{"set printer-network 198.18.20.1/24", 1, 21, "host bits set"},
        ErrCase{"set printer-network 198.18.300.0/24", 1, 21, "bad prefix"},
        ErrCase{"set printer-network 2001:db8::/200", 1, 21, "prefix length"},
        ErrCase{"set printer-network 198.18.20.0/24 198.18.21.0/24", 1, 36, "one value per line"},
        ErrCase{"set service Bad direction both", 1, 13, "bad name"},
        ErrCase{"set mirror all yes", 1, 16, "takes no value"},
        ErrCase{"set mirror vxlan vni 16777216", 1, 22, "out of range"},
        ErrCase{"set dataplane workers 0", 1, 23, "out of range"},
        ErrCase{"set detection failed-auth window 0", 1, 34, "above zero"},
        ErrCase{"set syslog host 198.18.30.500 transport udp", 1, 17, "bad address"},
        ErrCase{"set interface dmz device x", 1, 15, "expected one of outside, inside, mirror"},
        ErrCase{"set system host-name \"unterminated", 1, 22, "unterminated"},
        ErrCase{"set profile enterprise\nset profile small-office", 2, 13,
                "conflicting statements"},
        ErrCase{"set default-action drop\nset default-action reject", 2, 20,
                "already sets this"},
        ErrCase{"delete service nosuch", 1, 16, "nothing to delete"},
        ErrCase{"set profile enterprise\ndelete service nosuch", 2, 16, "nothing to delete"},
        ErrCase{"set printer-network 198.18.20.0/24\ndelete printer-network 198.18.21.0/24", 2,
                24, "nothing to delete"}));

TEST(Config, ManyErrorsAreAllReported) {
  ParseResult r = parse_config("set a\nset b\nset profile x\n# ok\nset printer-network 1", "m");
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].loc.line, 1u);
  EXPECT_EQ(r.errors[3].loc.line, 5u);
}

TEST(Config, ErrorFloodIsCapped) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "bogus\n";
  ParseResult r = parse_config(text, "m");
  EXPECT_LE(r.errors.size(), kMaxErrors + 1);
  EXPECT_NE(r.errors.back().reason.find("too many errors"), std::string::npos);
}

TEST(Config, OversizedAndMissingFiles) {
  ParseResult r = parse_config(std::string(kMaxConfigBytes + 1, '#'), "big.conf");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].reason.find("larger than"), std::string::npos);
  ParseResult m = load_config_file("/nonexistent/printwall.conf");
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_NE(m.errors[0].str().find("/nonexistent/printwall.conf"), std::string::npos);
  EXPECT_NE(m.errors[0].reason.find("cannot open"), std::string::npos);
}

TEST(Config, ProfileIsAppliedFirstWhateverItsLine) {
  // The delete names a profile statement; the profile line comes after it.
  Config c = parse_ok("delete service ipp-print\nset profile small-office\n");
  EXPECT_EQ(c.profile(), "small-office");
  EXPECT_EQ(c.deletes().size(), 1u);
  Config eff = c.effective();
  for (const auto& [k, s] : eff.sets()) EXPECT_NE(s.text().rfind("service ipp-print", 0), 0u);
}

TEST(Config, OverlayReplacesSinglesAndAddsMulti) {
  Config base = *builtin_profile("small-office");
  Config c = parse_ok(
      "set profile small-office\n"
      "set default-action reject\n"
      "set group management address 198.18.40.0/24\n");
  Config eff = c.effective();
  std::string printed = print_config(eff);
  EXPECT_NE(printed.find("set default-action reject\n"), std::string::npos);
  EXPECT_EQ(printed.find("set default-action drop\n"), std::string::npos);
  EXPECT_NE(printed.find("set group management address 198.18.40.0/24"), std::string::npos);
  // The profile's own description of the group survives the added address.
  EXPECT_NE(printed.find("set group management description"), std::string::npos);
  EXPECT_GT(eff.sets().size(), base.sets().size());
}

TEST(Config, DeleteOneValueOfAMultiLeaf) {
  Config c = parse_ok(
      "set printer-network 198.18.20.0/24\nset printer-network 198.18.21.0/24\n"
      "delete printer-network 198.18.20.0/24\n");
  EXPECT_EQ(print_config(c), "set printer-network 198.18.21.0/24\n");
}

TEST(Config, DeleteSubtreeThenRedefine) {
  Config c = parse_ok(
      "set profile small-office\n"
      "delete service raw-print\n"
      "set service raw-print direction to-printers\n"
      "set service raw-print protocol tcp\n"
      "set service raw-print port 9100\n"
      "set service raw-print peer-group management\n");
  Config eff = c.effective();
  ConfigError e;
  auto path = parse_line("delete service raw-print", {"x", 1, 0}, &e);
  ASSERT_TRUE(path);
  auto under = eff.under(path->statement.key());
  std::string all;
  for (auto* s : under) all += s->text() + "\n";
  EXPECT_NE(all.find("service raw-print peer-group management"), std::string::npos) << all;
  // Nothing of the profile's raw-print is left but what we set again.
  EXPECT_EQ(under.size(), 5u) << all;
}

TEST(Config, DeletingTheLastLeafKeepsTheTag) {
  Config c = parse_ok("set group g address 198.18.1.0/24\ndelete group g address 198.18.1.0/24\n");
  EXPECT_EQ(print_config(c), "set group g\n");
  Config d = parse_ok("set group g address 198.18.1.0/24\ndelete group g\n");
  EXPECT_TRUE(d.empty());
}

TEST(Config, InteractiveSetReplaces) {
  Config c;
  ConfigError e;
  auto l1 = parse_line("set default-action drop", {"cli", 1, 0}, &e);
  auto l2 = parse_line("set default-action reject", {"cli", 2, 0}, &e);
  ASSERT_TRUE(l1 && l2);
  EXPECT_TRUE(c.set(l1->statement, false, &e));
  EXPECT_TRUE(c.set(l2->statement, false, &e));
  EXPECT_EQ(print_config(c), "set default-action reject\n");
  EXPECT_FALSE(c.set(l1->statement, true, &e));  // a file may not say both
}

TEST(Config, ParseLineBlankAndComment) {
  ConfigError e;
  e.reason = "stale";
  EXPECT_FALSE(parse_line("   # nothing", {"x", 1, 0}, &e));
  EXPECT_TRUE(e.reason.empty());
}

TEST(Config, CrLfAndTabs) {
  Config c = parse_ok("set\tprofile enterprise\r\nset printer-network 198.18.20.0/24\r\n");
  EXPECT_EQ(c.profile(), "enterprise");
}

TEST(Config, BuiltinProfilesParse) {
  for (const char* name : {"small-office", "enterprise"}) {
    ParseResult r = parse_config(builtin_profile_text(name), name);
    for (const auto& e : r.errors) ADD_FAILURE() << e.str();
    ASSERT_NE(builtin_profile(name), nullptr);
    EXPECT_GT(builtin_profile(name)->sets().size(), 100u);
  }
  EXPECT_EQ(builtin_profile("home"), nullptr);
}

}  // namespace
}  // namespace pw::policy
