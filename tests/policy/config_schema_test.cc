#include "policy/config_schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pw::policy {
namespace {

const SchemaNode& at(std::initializer_list<std::string_view> path) {
  const SchemaNode* n = &schema_root();
  for (auto w : path) {
    n = n->child(w);
    EXPECT_NE(n, nullptr) << w;
  }
  return *n;
}

std::string canon(const SchemaNode& n, std::string_view raw) {
  std::string why;
  auto v = canonical_value(n, raw, &why);
  EXPECT_TRUE(v) << raw << ": " << why;
  return v ? v->text : "";
}

std::string reject(const SchemaNode& n, std::string_view raw) {
  std::string why;
  EXPECT_FALSE(canonical_value(n, raw, &why)) << raw;
  EXPECT_FALSE(why.empty());
  return why;
}

TEST(Schema, PortRanges) {
  const auto& svc = at({"service"});
  const SchemaNode& port = *svc.child("port");
  EXPECT_EQ(canon(port, "631"), "631");
  EXPECT_EQ(canon(port, "0047545-47547"), "47545-47547");
  EXPECT_EQ(canon(port, "80-80"), "80");
  EXPECT_NE(reject(port, "0").find("1..65535"), std::string::npos);
  EXPECT_NE(reject(port, "65536").find("1..65535"), std::string::npos);
  EXPECT_NE(reject(port, "100-99").find("start is above end"), std::string::npos);
  reject(port, "-5");
  reject(port, "5-");
  reject(port, "http");
  reject(port, "1-2-3");
}

TEST(Schema, NaturalOrderOfPorts) {
  const SchemaNode& port = *at({"service"}).child("port");
  std::string why;
  auto a = canonical_value(port, "9", &why), b = canonical_value(port, "10", &why);
  EXPECT_LT(a->sort_key, b->sort_key);
}

TEST(Schema, Prefixes) {
  const auto& pn = at({"printer-network"});
  EXPECT_EQ(canon(pn, "198.18.20.0/24"), "198.18.20.0/24");
  EXPECT_EQ(canon(pn, "2001:DB8:0020::/48"), "2001:db8:20::/48");
  EXPECT_EQ(canon(pn, "198.18.20.9"), "198.18.20.9/32");
  EXPECT_NE(reject(pn, "198.18.20.1/24").find("host bits"), std::string::npos);
  EXPECT_NE(reject(pn, "198.18.20.0/40").find("prefix length"), std::string::npos);
  reject(pn, "printers");
}

TEST(Schema, DurationsAndSizes) {
  const auto& w = at({"detection", "failed-auth", "window"});
  EXPECT_EQ(canon(w, "180"), "3m");
  EXPECT_EQ(canon(w, "180s"), "3m");
  EXPECT_EQ(canon(w, "90s"), "90s");
  EXPECT_EQ(canon(w, "24h"), "1d");
  EXPECT_NE(reject(w, "0s").find("above zero"), std::string::npos);
  reject(w, "3 minutes");
  reject(w, "m");
  EXPECT_NE(reject(w, "9999999d").find("too large"), std::string::npos);
  EXPECT_EQ(duration_seconds("3m"), 180u);
  const auto& sz = at({"mirror", "pcap", "max-size"});
  EXPECT_EQ(canon(sz, "1048576"), "1M");
  EXPECT_EQ(canon(sz, "1536K"), "1536K");
  EXPECT_EQ(size_bytes("64K"), 65536u);
  reject(sz, "10T");
}

TEST(Schema, NumbersEnumsNames) {
  const auto& vni = at({"mirror", "vxlan", "vni"});
  EXPECT_EQ(canon(vni, "0016777215"), "16777215");
  EXPECT_NE(reject(vni, "16777216").find("out of range"), std::string::npos);
  reject(vni, "-1");
  reject(vni, "99999999999999999999999");
  const auto& prof = at({"profile"});
  std::string why = reject(prof, "enterprize");
  EXPECT_NE(why.find("did you mean 'enterprise'"), std::string::npos) << why;
  const auto& grp = at({"group"});
  canon(grp, "print-servers");
  reject(grp, "Print");
  reject(grp, "-x");
  reject(grp, std::string(64, 'a'));
}

TEST(Schema, Ethertypes) {
  const auto& et = *at({"service"}).child("ethertype");
  EXPECT_EQ(canon(et, "0x888E"), "eapol");
  EXPECT_EQ(canon(et, "lldp"), "lldp");
  EXPECT_EQ(canon(et, "0x9000"), "0x9000");
  EXPECT_EQ(ethertype_value("eapol"), 0x888e);
  EXPECT_EQ(ethertype_value("0x9000"), 0x9000);
  reject(et, "0x05ff");
  reject(et, "0x12345");
  reject(et, "2048");
}

TEST(Schema, Strings) {
  const auto& d = *at({"group"}).child("description");
  EXPECT_EQ(canon(d, "a b"), "a b");
  reject(d, std::string("a\x01"));
  reject(d, std::string(1025, 'a'));
}

TEST(Schema, DidYouMean) {
  EXPECT_EQ(did_you_mean("sevrice", {"service", "system", "syslog"}), "service");
  EXPECT_EQ(did_you_mean("printer-netwrk", {"printer-network", "profile"}), "printer-network");
  EXPECT_FALSE(did_you_mean("zzzzzz", {"service", "system"}));
  EXPECT_FALSE(did_you_mean("service", {"service"}));  // exact is not a typo
}

TEST(Schema, PathsListed) {
  auto paths = schema_paths();
  auto has = [&](std::string_view p) {
    for (const auto& x : paths)
      if (x.rfind(p, 0) == 0) return true;
    return false;
  };
  EXPECT_TRUE(has("printer-network <prefix>  (multi)"));
  EXPECT_TRUE(has("service <name> port <port-range>"));
  EXPECT_TRUE(has("interface outside|inside|mirror device <string>"));
  EXPECT_TRUE(has("syslog host <address> transport udp|tcp|tls"));
  EXPECT_GT(paths.size(), 60u);
}

// docs/configuration.md marks **(R)** exactly the leaves the schema reads at start and **(S)**
// exactly the security-policy ones: every documented leaf row is checked against the schema.
TEST(SchemaDocs, RestartAndSecurityMarksMatchTheSchema) {
  const char* root = std::getenv("PW_SOURCE_ROOT");
  ASSERT_NE(root, nullptr) << "PW_SOURCE_ROOT (meson test sets it)";
  std::ifstream in(std::string(root) + "/docs/configuration.md");
  ASSERT_TRUE(in);
  std::string line;
  size_t checked = 0, restart_rows = 0;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const size_t end = line.find('`', 3);
    const size_t cell_end = line.find(" |", 3);
    if (end == std::string::npos || cell_end == std::string::npos) continue;
    const std::string cell = line.substr(0, cell_end);
    if (cell.find("` / `") != std::string::npos) continue;  // a summary row naming several
    std::istringstream words(line.substr(3, end - 3));
    const SchemaNode* n = &schema_root();
    bool restart = false, security = false, found = true;
    std::string w;
    while (words >> w) {
      if (w.find('<') != std::string::npos || w.find('|') != std::string::npos) continue;  // a key
      const SchemaNode* c = n->child(w);
      if (!c) {
        found = false;
        break;
      }
      restart |= c->restart;
      security |= c->security;
      n = c;
    }
    // Rows of other tables (reason codes, risks) name no schema path.
    if (!found || n == &schema_root() || n->kind != SchemaNode::Kind::Leaf) continue;
    ++checked;
    restart_rows += restart;
    EXPECT_EQ(cell.find("**(R)**") != std::string::npos, restart) << line.substr(0, 90);
    EXPECT_EQ(cell.find("**(S)**") != std::string::npos, security) << line.substr(0, 90);
  }
  EXPECT_GT(checked, 60u);
  EXPECT_GT(restart_rows, 20u);
}

}  // namespace
}  // namespace pw::policy
