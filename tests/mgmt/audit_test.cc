#include "mgmt/audit.h"

#include <gtest/gtest.h>

#include "mgmt/roles.h"

namespace pw::mgmt {
namespace {

using nlohmann::json;

// 2024-05-01T12:00:00.123456Z
const AuditClock::time_point kNow =
    AuditClock::time_point{} + std::chrono::seconds(1714564800) + std::chrono::microseconds(123456);

const Actor kAlice{"alice", 1001, kOperator | kAdmin};

TEST(Audit, CommonFields) {
  json j = audit_action(kAlice, "clear-statistics", kNow);
  EXPECT_EQ(j.at("timestamp"), "2024-05-01T12:00:00.123456Z");
  EXPECT_EQ(j.at("event_type"), "audit");
  EXPECT_EQ(j.at("event"), "clear-statistics");
  EXPECT_EQ(j.at("user"), "alice");
  EXPECT_EQ(j.at("uid"), 1001);
  EXPECT_EQ(j.at("roles"), "operator,admin");
  EXPECT_FALSE(j.contains("time"));
  EXPECT_FALSE(j.contains("type"));

  json c = audit_session_close(kAlice, 7, "exit", true, kNow);
  EXPECT_EQ(c.at("event"), "session-close");
  EXPECT_EQ(c.at("reason"), "exit");
  EXPECT_EQ(c.at("discarded_changes"), true);
}

TEST(Audit, Commit) {
  CommitMeta m;
  m.id = 12;
  m.kind = CommitKind::Commit;
  m.comment = "open 8443";
  m.confirmed_minutes = 5;
  m.diff = {"set service web port 8443"};
  json j = audit_commit(kAlice, m, kNow);
  EXPECT_EQ(j.at("event"), "commit");
  EXPECT_EQ(j.at("commit_id"), 12);
  EXPECT_EQ(j.at("kind"), "commit");
  EXPECT_EQ(j.at("comment"), "open 8443");
  EXPECT_EQ(j.at("confirmed_minutes"), 5);
  EXPECT_EQ(j.at("changes"), json::array({"set service web port 8443"}));

  m.kind = CommitKind::Rollback;
  m.rollback_of = 9;
  m.confirmed_minutes.reset();
  json r = audit_rollback(kAlice, 3, m, kNow);
  EXPECT_EQ(r.at("event"), "rollback");
  EXPECT_EQ(r.at("rollback"), 3);
  EXPECT_EQ(r.at("rollback_of"), 9);
  EXPECT_EQ(r.at("kind"), "rollback");
  EXPECT_FALSE(r.contains("confirmed_minutes"));

  m.kind = CommitKind::ConfirmedExpiry;
  json e = audit_confirmed_expiry(kAlice, 13, m, kNow);
  EXPECT_EQ(e.at("event"), "confirmed-expiry");
  EXPECT_EQ(e.at("unconfirmed_commit_id"), 13);
  EXPECT_EQ(e.at("commit_id"), 12);
}

TEST(Audit, Denied) {
  json j = audit_denied(kAlice, "commit", kSecurity, {"set service web min-tls 1.0"}, kNow);
  EXPECT_EQ(j.at("event"), "denied");
  EXPECT_EQ(j.at("command"), "commit");
  EXPECT_EQ(j.at("missing_role"), "security");
  EXPECT_EQ(j.at("statements"), json::array({"set service web min-tls 1.0"}));
  json k = audit_denied({"bob", 1002, kOperator}, "configure", kAdmin | kSecurity, {}, kNow);
  EXPECT_EQ(k.at("missing_role"), "admin,security");
  EXPECT_FALSE(k.contains("statements"));
}

TEST(Audit, SecretKeywords) {
  for (const char* kw : {"password", "bind-password", "auth-key", "private-key", "community",
                         "psk", "shared_secret", "api-token", "credentials"})
    EXPECT_TRUE(is_secret_keyword(kw)) << kw;
  for (const char* kw : {"keyboard", "min-rsa-bits", "ca-file", "server-name", "host-name",
                         "monkey", "passive-ports", ""})
    EXPECT_FALSE(is_secret_keyword(kw)) << kw;
}

TEST(Audit, RedactsSecretValues) {
  // Statements of the schema keep their values (none is a secret today)...
  EXPECT_EQ(redact_line("set service web port 8443"), "set service web port 8443");
  EXPECT_EQ(redact_line("set service key description \"front desk\""),
            "set service key description \"front desk\"");
  EXPECT_EQ(redact_line("set syslog host 198.18.1.2 ca-file /etc/ca.pem"),
            "set syslog host 198.18.1.2 ca-file /etc/ca.pem");
  EXPECT_EQ(redact_line("delete service web"), "delete service web");
  // ...and a statement the schema does not know is judged by its words.
  EXPECT_EQ(redact_line("set system ldap bind-password hunter2"),
            "set system ldap bind-password <redacted>");
  EXPECT_EQ(redact_line("set snmp community \"pub lic\" authorization read-only"),
            "set snmp community <redacted> authorization read-only");
  EXPECT_EQ(redact_line("set \"unterminated"), "<redacted>");

  CommitMeta m;
  m.diff = {"set system ldap bind-password hunter2", "set service web port 1"};
  json j = audit_commit(kAlice, m, kNow);
  EXPECT_EQ(j.dump().find("hunter2"), std::string::npos) << j.dump();
  json d = audit_denied(kAlice, "set system radius secret s3cr3t", kAdmin,
                        {"set system radius secret s3cr3t"}, kNow);
  EXPECT_EQ(d.dump().find("s3cr3t"), std::string::npos) << d.dump();
}

}  // namespace
}  // namespace pw::mgmt
