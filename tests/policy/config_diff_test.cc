#include "policy/config_diff.h"

#include <gtest/gtest.h>

#include "policy/config_printer.h"
#include "tests/support/config_gen.h"

namespace pw::policy {
namespace {

Config parse_ok(std::string_view text) {
  ParseResult r = parse_config(text, "t.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  return r.config;
}

// Applies diff lines to a copy of `c` the way the CLI applies set/delete commands.
Config apply_lines(Config c, const std::vector<std::string>& lines) {
  uint32_t n = 0;
  for (const auto& l : lines) {
    ConfigError e;
    auto pl = parse_line(l, {"diff", ++n, 0}, &e);
    EXPECT_TRUE(pl) << l << ": " << e.str();
    if (!pl) continue;
    bool ok = pl->op == Op::Set ? c.set(pl->statement, false, &e) : c.remove(pl->statement, &e);
    EXPECT_TRUE(ok) << l << ": " << e.str();
  }
  return c;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l + "\n";
  return s;
}

TEST(Diff, EqualConfigsHaveNoDiff) {
  Config a = parse_ok("set profile enterprise\nset printer-network 198.18.20.0/24\n");
  EXPECT_TRUE(diff_configs(a, a).empty());
}

TEST(Diff, SetsReplacementsAndDeletes) {
  Config a = parse_ok(
      "set printer-network 198.18.20.0/24\n"
      "set default-action drop\n"
      "set group old address 198.18.9.0/24\n"
      "set mirror all\n");
  Config b = parse_ok(
      "set printer-network 198.18.21.0/24\n"
      "set default-action reject\n"
      "set group new address 198.18.9.0/24\n");
  EXPECT_EQ(join(diff_configs(a, b)),
            "delete printer-network 198.18.20.0/24\n"
            "delete group old\n"
            "delete mirror all\n"
            "set printer-network 198.18.21.0/24\n"
            "set default-action reject\n"
            "set group new address 198.18.9.0/24\n");
  EXPECT_TRUE(apply_lines(a, diff_configs(a, b)) == b);
}

TEST(Diff, SingleLeafRemovedIsDeletedByPath) {
  Config a = parse_ok("set default-action reject\n");
  Config b;
  EXPECT_EQ(join(diff_configs(a, b)), "delete default-action\n");
}

TEST(Diff, ProfileChangeAndProfileDeletes) {
  Config a = parse_ok("set profile small-office\n");
  Config b = parse_ok("set profile enterprise\ndelete service ipp-print\n");
  auto d = diff_configs(a, b);
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d.front(), "set profile enterprise");
  EXPECT_TRUE(apply_lines(a, d).effective() == b.effective()) << join(d);
}

TEST(Diff, UndeleteRestoresTheProfileStatements) {
  Config a = parse_ok("set profile small-office\ndelete service ipp-print\n");
  Config b = parse_ok("set profile small-office\n");
  auto d = diff_configs(a, b);
  EXPECT_FALSE(d.empty());
  EXPECT_TRUE(apply_lines(a, d).effective() == b.effective()) << join(d);
}

TEST(Diff, RandomPairsApplyToTheSameEffectiveConfig) {
  for (uint32_t seed = 1; seed <= 150; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Config a = parse_ok(pw::testing::random_config(seed, 40));
    Config b = parse_ok(pw::testing::random_config(seed + 1000, 40));
    if (a.profile() != b.profile()) continue;  // profile switches are covered above
    auto d = diff_configs(a, b);
    Config c = apply_lines(a, d);
    EXPECT_EQ(print_config(c.effective()), print_config(b.effective())) << join(d);
    if (HasFailure()) break;
  }
}

// What the dataplane reads only at its start: the ports, DPDK, the tables' sizes and timeouts,
// the mirror output; not the policy, the mirror's choice of flows or the per-source limits.
TEST(Diff, RestartLinesAreTheDataplanesAllocations) {
  Config a = parse_ok("set printer-network 198.18.20.0/24\n"
                      "set interface outside device net_null0\n");
  Config b = parse_ok("set printer-network 198.18.20.0/24\n"
                      "set interface outside device net_null1\n"
                      "set interface outside description uplink\n"
                      "set dataplane workers 2\n"
                      "set flows max-entries 65536\n"
                      "set flows max-per-source 100\n"
                      "set flows timeout udp 2m\n"
                      "set stream window 32K\n"
                      "set reassembly timeout 10s\n"
                      "set mirror output pcap\n"
                      "set mirror all\n"
                      "set default-action reject\n");
  EXPECT_EQ(join(restart_lines(diff_configs(a, b))),
            "set mirror output pcap\n"
            "set interface outside device net_null1\n"
            "set dataplane workers 2\n"
            "set flows max-entries 65536\n"
            "set flows timeout udp 2m\n"
            "set reassembly timeout 10s\n"
            "set stream window 32K\n");
  // Deleting a port deletes its device; deleting a description is live.
  Config c = parse_ok("set printer-network 198.18.20.0/24\n");
  EXPECT_EQ(join(restart_lines(diff_configs(a, c))), join(diff_configs(a, c)));
  EXPECT_FALSE(diff_configs(a, c).empty());
  EXPECT_TRUE(restart_lines(diff_configs(b, parse_ok(
                  "set printer-network 198.18.20.0/24\n"
                  "set interface outside device net_null1\n"
                  "set dataplane workers 2\n"
                  "set flows max-entries 65536\n"
                  "set flows timeout udp 2m\n"
                  "set stream window 32K\n"
                  "set reassembly timeout 10s\n"
                  "set mirror output pcap\n"))).size() == 0);
  EXPECT_TRUE(restart_lines({"set default-action reject", "not a line"}).empty());
}

}  // namespace
}  // namespace pw::policy
