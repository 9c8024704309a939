#include "policy/config_printer.h"

#include <gtest/gtest.h>

#include "tests/support/config_gen.h"

namespace pw::policy {
namespace {

Config parse_ok(std::string_view text, const char* name = "t.conf") {
  ParseResult r = parse_config(text, name);
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  return r.config;
}

void expect_round_trip(std::string_view text) {
  Config a = parse_ok(text);
  std::string p1 = print_config(a);
  Config b = parse_ok(p1, "printed.conf");
  EXPECT_TRUE(a == b) << text << "\n--- printed ---\n" << p1;
  EXPECT_EQ(print_config(b), p1);
}

TEST(Printer, CanonicalOrderAndSpelling) {
  Config c = parse_ok(
      "set service b port 9100\n"
      "set printer-network 2001:DB8:20::/48\n"
      "set service a port 10\n"
      "set service a port 9\n"
      "set profile enterprise\n"
      "set group g description \"print servers, floor 2\"\n"
      "set detection failed-auth window 180\n"
      "delete service raw-print\n");
  EXPECT_EQ(print_config(c),
            "set profile enterprise\n"
            "delete service raw-print\n"
            "set printer-network 2001:db8:20::/48\n"
            "set group g description \"print servers, floor 2\"\n"
            "set service a port 9\n"
            "set service a port 10\n"
            "set service b port 9100\n"
            "set detection failed-auth window 3m\n");
}

TEST(Printer, BuiltinProfilesRoundTrip) {
  for (const char* name : {"small-office", "enterprise"}) {
    SCOPED_TRACE(name);
    expect_round_trip(builtin_profile_text(name));
    // The admin view of "just the profile" is one line; expanded, it is the profile itself.
    Config admin = parse_ok(std::string("set profile ") + name + "\n");
    EXPECT_EQ(print_config(admin), std::string("set profile ") + name + "\n");
    Config expanded = parse_ok(print_expanded(admin), "expanded.conf");
    EXPECT_TRUE(expanded == *builtin_profile(name));
  }
}

TEST(Printer, RandomConfigsRoundTrip) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::string text = pw::testing::random_config(seed, 60);
    expect_round_trip(text);
    if (HasFailure()) break;
  }
}

TEST(Printer, LargeConfigRoundTrip) { expect_round_trip(pw::testing::large_policy_config(2000)); }

TEST(Printer, ExpandedIsEffective) {
  Config c = parse_ok("set profile small-office\ndelete service vnc\nset default-action reject\n");
  Config e = parse_ok(print_expanded(c), "expanded.conf");
  Config eff = c.effective();
  // The effective config keeps the profile line; the expanded print does not.
  EXPECT_EQ(print_config(e), print_expanded(c).substr(print_expanded(c).find('\n') + 1));
  EXPECT_EQ(e.sets().size() + 1, eff.sets().size());
}

}  // namespace
}  // namespace pw::policy
