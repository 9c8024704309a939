#include "mgmt/roles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>

#include <functional>

#include "mgmt/config_session.h"
#include "policy/config_printer.h"

namespace pw::mgmt {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

policy::Statement stmt(std::string_view line) {
  policy::ConfigError e;
  auto pl = policy::parse_line(line, {"t", 1, 0}, &e);
  EXPECT_TRUE(pl) << line << ": " << e.str();
  return pl ? pl->statement : policy::Statement{};
}

ConfigSession session(std::string_view text) {
  policy::ParseResult r = policy::parse_config(text, "running.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  return ConfigSession(r.config, policy::print_config(r.config));
}

constexpr uint8_t kAdminRoles = kOperator | kAdmin;
constexpr uint8_t kSecurityRoles = kOperator | kSecurity;

TEST(Roles, SecurityStatements) {
  for (const char* line : {
           "set service ipp tls required",
           "set service ipp min-tls 1.3",
           "set service ipp plaintext-auth allow",
           "set service snmp snmp-version 1",
           "set service snmp snmp-security no-auth",
           "set service smb smb-signing optional",
           "set service smb smb1 allow",
           "set service ipp mirror never",
           "set security tls min-version 1.0",
           "set security tls weak-certificate alert",
           "set security risk possible-exploit ignore",
           "set service ipp risk tls-missing-sni alert",
           "delete service ipp risk",
           "delete security",
           "set mirror output vxlan",
           "set mirror all",
           "set mirror vxlan remote 198.18.1.1",
           "set syslog facility local3",
           "set syslog host 198.18.1.2 transport tcp",
           "delete syslog host 198.18.1.2",
       })
    EXPECT_EQ(required_roles(stmt(line)), kSecurity) << line;
}

TEST(Roles, PlainStatements) {
  for (const char* line : {
           "set service ipp port 631",
           "set service ipp action allow",
           "set service ipp inspect ipp",
           "set service ipp peer-group mgmt",
           "set service ipp passive-ports 50000-50100",
           "delete service ipp",
           "set service mirror port 1",  // a service named like a security keyword
           "set profile enterprise",
           "set printer-network 198.18.20.0/24",
           "set default-action reject",
           "set group mgmt address 198.18.40.0/24",
           "set detection port-scan ports 10",
           "set system host-name gw",
           "set interface inside device 0000:03:00.0",
           "set dataplane workers 2",
           "set flows timeout udp 30s",
       })
    EXPECT_EQ(required_roles(stmt(line)), kAdmin) << line;
}

// Every node the schema marks `security` is one the docs list (docs/configuration.md 1.6).
TEST(Roles, SchemaSecurityNodes) {
  std::vector<std::string> marked;
  std::function<void(const policy::SchemaNode&, const std::string&)> walk =
      [&](const policy::SchemaNode& n, const std::string& path) {
        for (const auto& c : n.children) {
          std::string p =
              path.empty() ? std::string(c.keyword) : path + " " + std::string(c.keyword);
          if (c.security) marked.push_back(p);
          walk(c, p);
        }
      };
  walk(policy::schema_root(), "");
  EXPECT_THAT(marked, UnorderedElementsAre("service tls", "service min-tls",
                                           "service plaintext-auth", "service snmp-version",
                                           "service snmp-security", "service snmp-des",
                                           "service snmp-auth", "service smb-signing",
                                           "service smb1", "service data-tls", "service lpd-remove-jobs",
                                           "service lpd-queue-state", "service mirror", "service risk", "service discovery-answers",
                                           "security", "job-language", "ipp", "mirror",
                                           "syslog"));
}

TEST(Roles, Names) {
  EXPECT_EQ(role_names(0), "none");
  EXPECT_EQ(role_names(kOperator), "operator");
  EXPECT_EQ(role_names(kAllRoles), "operator,admin,security");
  EXPECT_EQ(role_names(kSecurity | kOperator), "operator,security");
}

TEST(Roles, FromGroupNames) {
  EXPECT_EQ(roles_of_groups({}), 0);
  EXPECT_EQ(roles_of_groups({"users", "wheel"}), 0);
  EXPECT_EQ(roles_of_groups({"printwall"}), kOperator);
  EXPECT_EQ(roles_of_groups({"printwall-admin"}), kOperator | kAdmin);
  EXPECT_EQ(roles_of_groups({"printwall-security"}), kOperator | kSecurity);
  EXPECT_EQ(roles_of_groups({"printwall-admin", "printwall-security"}), kAllRoles);
  EXPECT_EQ(roles_of_groups({"printwall-admins"}), 0);
}

TEST(Roles, RootHasAll) { EXPECT_EQ(roles_of(0, 0), kAllRoles); }

TEST(Roles, UnknownUidHasNone) {
  const uid_t unknown = 3999999u;
  if (::getpwuid(unknown)) GTEST_SKIP() << "uid " << unknown << " exists here";
  EXPECT_EQ(roles_of(unknown, unknown), 0);
  EXPECT_EQ(roles_of(unknown, 0), 0);  // even with gid 0
}

TEST(Roles, NobodyHasNone) {
  // nobody (65534) is in no printwall group on any sane system.
  EXPECT_EQ(roles_of(65534, 65534), 0);
}

constexpr const char* kRunning =
    "set printer-network 198.18.20.0/24\n"
    "set service web direction to-printers\n"
    "set service web protocol tcp\n"
    "set service web port 443\n"
    "set service web inspect tls\n"
    "set service web min-tls 1.2\n";

TEST(Forbidden, SplitsByRole) {
  ConfigSession s = session(kRunning);
  ASSERT_TRUE(s.apply_line("set service web min-tls 1.3", nullptr));
  ASSERT_TRUE(s.apply_line("set service web port 8443", nullptr));
  uint8_t missing = 0;
  EXPECT_THAT(forbidden(s, kAdminRoles, &missing), ElementsAre("set service web min-tls 1.3"));
  EXPECT_EQ(missing, kSecurity);
  EXPECT_THAT(forbidden(s, kSecurityRoles, &missing), ElementsAre("set service web port 8443"));
  EXPECT_EQ(missing, kAdmin);
  EXPECT_THAT(forbidden(s, kOperator, &missing),
              UnorderedElementsAre("set service web min-tls 1.3", "set service web port 8443"));
  EXPECT_EQ(missing, kAdmin | kSecurity);
  EXPECT_TRUE(forbidden(s, kAllRoles, &missing).empty());
  EXPECT_EQ(missing, 0);
  EXPECT_TRUE(forbidden(s, kAdmin | kSecurity).empty());
}

TEST(Forbidden, NothingChangedNothingForbidden) {
  ConfigSession s = session(kRunning);
  EXPECT_TRUE(forbidden(s, 0).empty());
}

TEST(Forbidden, DeletingAServiceRemovesItsSecurityStatements) {
  ConfigSession s = session(kRunning);
  ASSERT_TRUE(s.apply_line("delete service web", nullptr));
  EXPECT_THAT(forbidden(s, kAdminRoles), ElementsAre("delete service web min-tls 1.2"));
  // A security administrator cannot remove the service itself.
  auto sec = forbidden(s, kSecurityRoles);
  EXPECT_THAT(sec, ::testing::Contains("delete service web port 443"));
  EXPECT_THAT(sec, ::testing::Not(::testing::Contains("delete service web min-tls 1.2")));
}

TEST(Forbidden, SecurityAdminCannotCreateAService) {
  ConfigSession s = session(kRunning);
  ASSERT_TRUE(s.apply_line("set service mail tls required", nullptr));
  EXPECT_THAT(forbidden(s, kSecurityRoles), ElementsAre("set service mail"));
  EXPECT_THAT(forbidden(s, kAdminRoles), ElementsAre("set service mail tls required"));
}

TEST(Forbidden, ProfileChangeThatWeakensSecurityNeedsSecurity) {
  ConfigSession s = session("set profile enterprise\nset printer-network 198.18.20.0/24\n");
  ASSERT_TRUE(s.apply_line("set profile small-office", nullptr));
  uint8_t missing = 0;
  auto f = forbidden(s, kAdminRoles, &missing);
  EXPECT_EQ(missing, kSecurity);
  // enterprise mirrors every mail flow, small-office does not.
  EXPECT_THAT(f, ::testing::Contains("delete service mail-smtp mirror always"));
  EXPECT_THAT(f, ::testing::Not(::testing::Contains("set profile small-office")));
  // The security administrator may not switch profiles (a plain statement) either.
  EXPECT_THAT(forbidden(s, kSecurityRoles), ::testing::Contains("set profile small-office"));
  EXPECT_TRUE(forbidden(s, kAllRoles).empty());
}

TEST(Forbidden, DeletingAProfileSecurityStatement) {
  ConfigSession s = session("set profile small-office\nset printer-network 198.18.20.0/24\n");
  ASSERT_TRUE(s.apply_line("delete service smtp-rx tls", nullptr));
  EXPECT_THAT(forbidden(s, kAdminRoles), UnorderedElementsAre("delete service smtp-rx tls",
                                                             "delete service smtp-rx tls required"));
  EXPECT_TRUE(forbidden(s, kSecurityRoles).empty());
}

}  // namespace
}  // namespace pw::mgmt
