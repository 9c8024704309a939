#include "mgmt/audit.h"

#include "mgmt/rfc3339.h"
#include "mgmt/roles.h"
#include "policy/config.h"
#include "policy/config_lexer.h"

namespace pw::mgmt {

namespace {

using nlohmann::json;

constexpr const char* kRedacted = "<redacted>";

json base(const char* event, const Actor& who, AuditClock::time_point now) {
  json j = json::object();
  j["timestamp"] = rfc3339_utc(now, true);
  j["event_type"] = "audit";
  j["event"] = event;
  j["user"] = who.user;
  j["uid"] = who.uid;
  if (who.roles) j["roles"] = role_names(who.roles);
  return j;
}

// An event about a commit: who, when, and the commit's fields.
json commit_record(const char* event, const Actor& who, const CommitMeta& m,
                   AuditClock::time_point now) {
  json j = base(event, who, now);
  j["commit_id"] = m.id;
  j["kind"] = commit_kind_name(m.kind);
  if (!m.comment.empty()) j["comment"] = m.comment;
  if (m.confirmed_minutes) j["confirmed_minutes"] = *m.confirmed_minutes;
  if (m.rollback_of) j["rollback_of"] = *m.rollback_of;
  j["changes"] = redact_lines(m.diff);
  return j;
}

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

}  // namespace

bool is_secret_keyword(std::string_view kw) {
  static constexpr std::string_view kWords[] = {"password", "passwd",     "passphrase",
                                                "secret",   "key",        "psk",
                                                "token",    "community",  "credential",
                                                "credentials", "private"};
  size_t start = 0;
  while (start <= kw.size()) {
    size_t end = kw.find_first_of("-_", start);
    if (end == std::string_view::npos) end = kw.size();
    std::string_view part = kw.substr(start, end - start);
    for (auto w : kWords)
      if (part == w) return true;
    start = end + 1;
  }
  return false;
}

std::string redact_line(std::string_view line) {
  policy::ConfigError e;
  auto pl = policy::parse_line(line, {}, &e);
  if (pl) {
    const policy::Statement& s = pl->statement;
    std::vector<std::string> out{pl->op == policy::Op::Set ? "set" : "delete"};
    const policy::SchemaNode* n = &policy::schema_root();
    bool secret_value = false;
    for (size_t i = 0; i < s.path.size(); ++i) {
      const policy::SchemaNode* c = n ? n->child(s.path[i].text) : nullptr;
      out.push_back(policy::quote_if_needed(s.path[i].text));
      if (!c) continue;
      n = c;
      if (c->kind == policy::SchemaNode::Kind::Tag && i + 1 < s.path.size()) {
        ++i;
        out.push_back(is_secret_keyword(c->keyword) ? kRedacted
                                                    : policy::quote_if_needed(s.path[i].text));
      } else if (c->kind == policy::SchemaNode::Kind::Leaf) {
        secret_value = is_secret_keyword(c->keyword);
      }
    }
    if (s.value) out.push_back(secret_value ? kRedacted : policy::quote_if_needed(s.value->text));
    return join(out);
  }
  // Not a statement of this schema: by words, the word after a secret-looking one goes.
  std::vector<policy::Token> toks;
  policy::LexError le;
  if (!policy::lex_line(line, toks, le)) return kRedacted;
  std::vector<std::string> out;
  for (size_t i = 0; i < toks.size(); ++i) {
    bool after_secret = i >= 2 && !toks[i - 1].quoted && is_secret_keyword(toks[i - 1].text);
    out.push_back(after_secret ? kRedacted : policy::quote_if_needed(toks[i].text));
  }
  return join(out);
}

std::vector<std::string> redact_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const auto& l : lines) out.push_back(redact_line(l));
  return out;
}

json audit_commit(const Actor& who, const CommitMeta& meta, AuditClock::time_point now) {
  return commit_record("commit", who, meta, now);
}

json audit_rollback(const Actor& who, size_t rollback_n, const CommitMeta& meta,
                    AuditClock::time_point now) {
  json j = commit_record("rollback", who, meta, now);
  j["rollback"] = rollback_n;
  return j;
}

json audit_confirmed_expiry(const Actor& who, uint64_t unconfirmed_id, const CommitMeta& restored,
                            AuditClock::time_point now) {
  json j = commit_record("confirmed-expiry", who, restored, now);
  j["unconfirmed_commit_id"] = unconfirmed_id;
  return j;
}

json audit_denied(const Actor& who, std::string_view command, uint8_t missing_roles,
                  const std::vector<std::string>& statements, AuditClock::time_point now) {
  json j = base("denied", who, now);
  j["command"] = redact_line(command);
  j["missing_role"] = role_names(missing_roles);
  if (!statements.empty()) j["statements"] = redact_lines(statements);
  return j;
}

json audit_action(const Actor& who, std::string_view what, AuditClock::time_point now) {
  return base(std::string(what).c_str(), who, now);
}

json audit_session_close(const Actor& who, uint64_t session, std::string_view reason,
                         bool discarded, AuditClock::time_point now) {
  json j = base("session-close", who, now);
  j["session"] = session;
  j["reason"] = std::string(reason);
  j["discarded_changes"] = discarded;
  return j;
}

}  // namespace pw::mgmt
