// Audit records (the `audit` LocalLog, and syslog): who changed what, when; one record per
// change. Every record is a JSON object with
//   "timestamp"   RFC 3339 UTC with microseconds
//   "event_type"  "audit"
//   "event"       commit | rollback | confirmed-expiry | denied | session-close (a candidate with
//                 uncommitted changes dropped) | an operational action (clear-statistics, ...)
//   "user", "uid"
// and the event's details (the daemon's log adds "host").
//
// Secrets: configuration lines in a record (a commit's changes, the statements a denied commit
// tried to make) go through redact_line(): the value of a statement whose leaf name, or the key
// of a tag whose keyword, suggests a secret is replaced by "<redacted>". A keyword suggests a
// secret when one of its '-'/'_'-separated words is password, passwd, passphrase, secret, key,
// psk, token, community, credential(s) or private (so `bind-password`, `auth-key`,
// `private-key`, `snmp community`). The schema has no such statement today; the rule is there for
// the day one (LDAP bind, SNMP communities, syslog TLS keys) is added. Free text the user typed
// (commit comments) is kept as is: a secret has no place there. A denied command line goes
// through redact_line() too.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mgmt/config_store.h"

namespace pw::mgmt {

struct Actor {
  std::string user;  // login name ("printwalld" for the daemon itself)
  uint32_t uid = 0;
  uint8_t roles = 0;
};

using AuditClock = std::chrono::system_clock;

// A commit of any kind (`meta` as stored: id, kind, comment, diff, confirmed_minutes).
nlohmann::json audit_commit(const Actor& who, const CommitMeta& meta,
                            AuditClock::time_point now = AuditClock::now());
// `rollback N` committed as commit `meta.id` (restoring `meta.rollback_of`).
nlohmann::json audit_rollback(const Actor& who, size_t rollback_n, const CommitMeta& meta,
                              AuditClock::time_point now = AuditClock::now());
// The window of `commit confirmed` expired: `restored` is the commit that put the previous
// configuration back; `who` armed the window.
nlohmann::json audit_confirmed_expiry(const Actor& who, uint64_t unconfirmed_id,
                                      const CommitMeta& restored,
                                      AuditClock::time_point now = AuditClock::now());
// A command refused for want of a role; `statements` are the forbidden changes (forbidden()).
nlohmann::json audit_denied(const Actor& who, std::string_view command, uint8_t missing_roles,
                            const std::vector<std::string>& statements = {},
                            AuditClock::time_point now = AuditClock::now());
// An operational action worth auditing (clear statistics, clear flows).
nlohmann::json audit_action(const Actor& who, std::string_view what,
                            AuditClock::time_point now = AuditClock::now());
// A session ended with uncommitted changes in its candidate (they are dropped): recorded only
// then, a session that changed nothing leaves no record.
// `reason`: "exit", "disconnect", "timeout"; `discarded` the candidate had uncommitted changes.
nlohmann::json audit_session_close(const Actor& who, uint64_t session, std::string_view reason,
                                   bool discarded, AuditClock::time_point now = AuditClock::now());

// True when a schema keyword suggests a secret (see above).
bool is_secret_keyword(std::string_view keyword);
// A set/delete line with secret values replaced by "<redacted>".
std::string redact_line(std::string_view line);
std::vector<std::string> redact_lines(const std::vector<std::string>& lines);

}  // namespace pw::mgmt
