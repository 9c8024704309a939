// The handlers of the control commands, one per entry of the shared command table.
#include "mgmt/control_connection.h"

#include "common/reason.h"

namespace pw::mgmt {

// The handler of every command of the shared command table (mgmt/commands.cc: names, roles,
// modes, arguments and help are declared there, once); a command without a handler, or a
// handler without a command, is refused when the server starts (handlers_complete()).
const std::map<std::string, Handler, std::less<>>& handlers() {
  static const std::map<std::string, Handler, std::less<>> table = {
      {"show configuration", &Connection::cmd_show_configuration},
      {"show statistics", &Connection::cmd_show_statistics},
      {"show flows", &Connection::cmd_show_flows},
      {"show interfaces", &Connection::cmd_show_interfaces},
      {"show system", &Connection::cmd_show_system},
      {"show policy", &Connection::cmd_show_policy},
      {"show system commit", &Connection::cmd_show_system_commit},
      {"show events", &Connection::cmd_show_events},
      {"show log events", &Connection::cmd_show_events},
      {"show log audit", &Connection::cmd_show_events},
      {"monitor events", &Connection::cmd_monitor_events},
      {"clear statistics", &Connection::cmd_clear_statistics},
      {"clear flows", &Connection::cmd_clear_flows},
      {"show blocked-sources", &Connection::cmd_show_blocked_sources},
      {"clear blocked-sources", &Connection::cmd_clear_blocked_sources},
      {"configure", &Connection::cmd_configure},
      {"exit", &Connection::cmd_exit},
      {"set", &Connection::cmd_set},
      {"delete", &Connection::cmd_set},
      {"show | compare", &Connection::cmd_show_compare},
      {"show candidate", &Connection::cmd_show_candidate},
      {"commit check", &Connection::cmd_commit_check},
      {"commit", &Connection::cmd_commit},
      {"rollback", &Connection::cmd_rollback},
      {"load merge", &Connection::cmd_load_merge},
      {"load replace", &Connection::cmd_load_merge},
  };
  return table;
}

void Connection::dispatch(const json& req, const std::string& cmd, const json& args) {
  const auto& h = handlers();
  if (auto it = h.find(cmd); it != h.end()) {
    (this->*(it->second))(req, cmd, args);
    return;
  }
    send(reply(req, kUnknownCommand, "'" + cmd + "' is not handled by this daemon"));
}

void Connection::cmd_show_configuration(const json& req, const std::string&, const json& args) {
  auto& S = s;
  bool expanded = args.value("expanded", false);
  send(reply(req, kOk, "", {{"text", expanded ? policy::print_expanded(S.running) : S.running_text}}));
}

void Connection::cmd_show_statistics(const json& req, const std::string&, const json&) {
  auto& S = s;
  send(reply(req, kOk, "", S.backend.statistics()));
}

namespace {

// A filter the gateway cannot match is an error, not an empty answer that reads as "no such
// traffic": each value checked against what it can be. Addresses come back canonical.
std::string bad_filter(json& args, const std::vector<std::pair<const char*, std::vector<std::string>>>& choices,
                       const std::vector<const char*>& addresses, bool reasons) {
  for (const auto& [key, allowed] : choices) {
    if (!args.contains(key)) continue;
    const std::string v = args[key].is_string() ? args[key].get<std::string>() : args[key].dump();
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return "'" + std::string(key) + "' takes " + list + ", not '" + v + "'";
    }
  }
  for (const char* key : addresses) {
    if (!args.contains(key)) continue;
    std::optional<IpAddr> a = args[key].is_string() ? parse_ip(args[key].get<std::string>()) : std::nullopt;
    if (!a) return "'" + std::string(key) + "' takes an IPv4 or IPv6 address, not " + args[key].dump();
    args[key] = a->str();
  }
  if (reasons && args.contains("reason")) {
    const std::string v = args["reason"].is_string() ? args["reason"].get<std::string>() : "";
    std::vector<std::string_view> codes;
    for (size_t r = 1; r < kReasonCount; ++r) codes.push_back(pw::reason_code(static_cast<pw::Reason>(r)));
    if (std::find(codes.begin(), codes.end(), v) == codes.end()) {
      std::string msg = "'reason' takes a reason code of docs/events.md, not '" + v + "'";
      if (auto m = policy::did_you_mean(v, codes)) msg += " (did you mean '" + std::string(*m) + "'?)";
      return msg;
    }
  }
  return {};
}

}  // namespace

void Connection::cmd_show_flows(const json& req, const std::string&, const json& a) {
  auto& S = s;
  json args = a;
  const std::string bad = bad_filter(
      args, {{"protocol", {"tcp", "udp", "icmp", "other"}},
             {"state", {"syn", "syn-sent", "syn-received", "established", "closing", "udp", "icmp"}}},
      {"printer"}, false);
  if (!bad.empty()) {
    send(reply(req, kUsage, bad));
    return;
  }
  send(reply(req, kOk, "", S.backend.flows(args)));
}

void Connection::cmd_show_interfaces(const json& req, const std::string&, const json&) {
  auto& S = s;
  send(reply(req, kOk, "", S.backend.interfaces()));
}

void Connection::cmd_show_system(const json& req, const std::string&, const json&) {
  auto& S = s;
  json d = S.backend.system();
  d["running_commit"] = S.running_commit;
  d["confirmed_commit_pending"] = S.confirmed.pending();
  // Committed settings the dataplane reads only at its start: in force after a restart.
  d["restart_pending"] = S.restart_pending(S.running);
  send(reply(req, kOk, "", d));
}

void Connection::cmd_show_policy(const json& req, const std::string&, const json&) {
  std::shared_ptr<const policy::CompiledPolicy> now = s.compiled_running();
  if (!now) {
    send(reply(req, kInternal, "the running configuration does not build"));
    return;
  }
  send(reply(req, kOk, "", {{"text", now->describe()}}));
}

void Connection::cmd_show_system_commit(const json& req, const std::string&, const json&) {
  auto& S = s;
  json a = json::array();
  size_t n = 0;
  for (const auto& m : S.store.history()) {
    json c = json::parse(commit_meta_json(m), nullptr, false);
    c["n"] = n++;
    a.push_back(c);
  }
  send(reply(req, kOk, "", {{"commits", a}}));
}

void Connection::cmd_show_events(const json& req, const std::string& cmd, const json& args) {
  auto& S = s;
  LocalLog& log = cmd == "show log audit" ? S.audit : S.events;
  size_t last = to_count(args, "last", 20);
  if (last == SIZE_MAX) {
    send(reply(req, kUsage, "'last' takes a number"));
    return;
  }
  if (args.contains("export")) {
    std::string how = args["export"].is_string() ? args["export"].get<std::string>() : "";
    std::ostringstream os;
    if (how == "csv") {
      log.export_csv(os, {});
    } else if (how == "json") {
      log.export_json(os);
    } else {
      send(reply(req, kUsage, "'export' takes csv or json"));
      return;
    }
    send(reply(req, kOk, "", {{"text", os.str()}}));
    return;
  }
  json checked = args;
  if (const std::string bad = bad_filter(checked, {{"action", {"drop", "reject", "alert", "block"}}},
                                         {"src", "dst"}, cmd != "show log audit");
      !bad.empty()) {
    send(reply(req, kUsage, bad));
    return;
  }
  const json& args_ok = checked;
  LocalLog::Filter filter;
  for (const char* k : {"reason", "action"})
    if (args_ok.contains(k) && args_ok[k].is_string()) filter[k] = args_ok[k];
  if (args_ok.contains("src") && args_ok["src"].is_string()) filter["src_ip"] = args_ok["src"];
  if (args_ok.contains("dst") && args_ok["dst"].is_string()) filter["dst_ip"] = args_ok["dst"];
  send(reply(req, kOk, "", {{"records", log.last(last, filter)}}));
}

void Connection::cmd_monitor_events(const json& req, const std::string&, const json& a) {
  json args = a;
  if (const std::string bad = bad_filter(args, {}, {}, true); !bad.empty()) {
    send(reply(req, kUsage, bad));
    return;
  }
  subscribe_id = req.contains("id") ? req["id"] : json(nullptr);
  subscribe_reason = args.value("reason", "");
  send(reply(req, kOk, "monitoring events; close the connection to stop"));
}

void Connection::cmd_clear_statistics(const json& req, const std::string& cmd, const json&) {
  auto& S = s;
  S.backend.clear_statistics();
  S.record_audit(audit_action(actor(), cmd));
  send(reply(req, kOk, "statistics cleared"));
}

void Connection::cmd_clear_flows(const json& req, const std::string& cmd, const json&) {
  auto& S = s;
  S.backend.clear_flows();
  S.record_audit(audit_action(actor(), cmd));
  send(reply(req, kOk, "flows cleared"));
}

void Connection::cmd_show_blocked_sources(const json& req, const std::string&, const json&) {
  send(reply(req, kOk, "", s.backend.blocked_sources()));
}

void Connection::cmd_clear_blocked_sources(const json& req, const std::string& cmd, const json& args) {
  auto& S = s;
  std::optional<IpAddr> only;
  if (args.contains("address")) {
    const std::string a = args["address"].is_string() ? args["address"].get<std::string>() : "";
    only = parse_ip(a);
    if (!only) {
      send(reply(req, kUsage, "'" + a + "' is not an IPv4 or IPv6 address"));
      return;
    }
  }
  const size_t n = S.backend.clear_blocked_sources(only);
  S.record_audit(audit_action(actor(), only ? cmd + " address " + only->str() : cmd));
  if (only && n == 0) {
    send(reply(req, kNotFound, only->str() + " is not blocked"));
    return;
  }
  send(reply(req, kOk, std::to_string(n) + (n == 1 ? " block lifted" : " blocks lifted")));
}

void Connection::cmd_configure(const json& req, const std::string&, const json&) {
  auto& S = s;
  session = std::make_unique<ConfigSession>(S.running, S.running_text);
  session_base = S.running_commit;
  mode = Mode::Configuration;
  send(reply(req, kOk, "entering configuration mode", {{"mode", "configuration"}}));
}

void Connection::cmd_exit(const json& req, const std::string&, const json& args) {
  auto& S = s;
  if (session && session->dirty() && !args.value("discard", false)) {
    send(reply(req, kConflict, "the candidate has uncommitted changes: 'commit', or 'exit discard' to drop them"));
    return;
  }
  if (session && session->dirty()) S.record_audit(audit_session_close(actor(), number, "exit", true));
  session.reset();
  rollback_loaded.reset();
  mode = Mode::Operational;
  send(reply(req, kOk, "leaving configuration mode", {{"mode", "operational"}}));
}

void Connection::cmd_set(const json& req, const std::string&, const json& args) {
  auto& S = s;
  std::string line = args.value("line", "");
  // Roles per statement: an admin cannot touch the security administrator's statements.
  policy::ConfigError perr;
  if (auto pl = policy::parse_line(line, {"candidate", 1, 1}, &perr)) {
    uint8_t need = required_roles(pl->statement);
    if (!(need & roles)) {
      S.record_audit(audit_denied(actor(), line, static_cast<uint8_t>(need & ~roles)));
      send(reply(req, kDenied, "permission denied: '" + pl->statement.text() + "' is a " +
                                   (need & kRoleSecurity ? "security" : "configuration") +
                                   " statement and needs the role " + role_names(need)));
      return;
    }
  }
  std::vector<policy::ConfigError> errs;
  rollback_loaded.reset();
  if (!session->apply_line(line, &errs)) {
    json r = reply(req, kConfigError, errs.empty() ? "not applied" : errs.front().reason);
    r["errors"] = error_list(errs);
    send(r);
    return;
  }
  send(reply(req, kOk));
}

void Connection::cmd_show_compare(const json& req, const std::string&, const json& args) {
  if (!args.contains("rollback")) {
    send(reply(req, kOk, "", {{"lines", session->compare()}}));
    return;
  }
  const size_t n = to_count(args, "rollback", SIZE_MAX);
  std::optional<std::string> text = n == SIZE_MAX ? std::nullopt : s.store.text_of(n);
  if (!text) {
    const std::string n_text = args["rollback"].is_string() ? args["rollback"].get<std::string>() : args["rollback"].dump();
    send(reply(req, kNotFound, "no rollback point " + n_text + " ('show system commit' lists them)"));
    return;
  }
  policy::ParseResult then = policy::parse_config(*text, "rollback");
  send(reply(req, kOk, "", {{"lines", policy::diff_configs(then.config, session->candidate())}}));
}

void Connection::cmd_show_candidate(const json& req, const std::string&, const json&) {
  send(reply(req, kOk, "", {{"text", session->candidate_text()}}));
}

void Connection::cmd_commit_check(const json& req, const std::string&, const json&) {
  CheckResult c = session->check();
  if (!c.ok()) {
    json r = reply(req, kConfigError, "the candidate does not validate");
    r["errors"] = error_list(c.errors);
    send(r);
    return;
  }
  send(reply(req, kOk, "configuration check succeeds", {{"warnings", error_list(c.warnings)}}));
}

void Connection::cmd_commit(const json& req, const std::string&, const json& args) {
  auto& S = s;
  size_t minutes = to_count(args, "confirmed", 0);
  if (minutes == SIZE_MAX || (args.contains("confirmed") && (minutes == 0 || minutes > 65535))) {
    send(reply(req, kUsage, "'confirmed' takes minutes, 1..65535"));
    return;
  }
  if (S.running_commit != session_base && session->dirty()) {
    send(reply(req, kConflict, "the running configuration changed since 'configure' (commit " +
                                   std::to_string(S.running_commit) +
                                   "); 'rollback 0' loads it, then redo the changes"));
    return;
  }
  uint8_t missing = 0;
  std::vector<std::string> bad = forbidden(*session, roles, &missing);
  if (!bad.empty()) {
    S.record_audit(audit_denied(actor(), "commit", missing, bad));
    json r = reply(req, kDenied, "permission denied: the candidate changes statements your roles may not change");
    r["errors"] = error_list(bad);
    send(r);
    return;
  }
  // A pending confirmed commit is confirmed by any later commit: only by a user who holds
  // every role it needed (a security change is not confirmed by an admin).
  if (S.confirmed.pending() && (S.confirmed_needs & ~roles)) {
    const uint8_t lack = static_cast<uint8_t>(S.confirmed_needs & ~roles);
    S.record_audit(audit_denied(actor(), "commit (confirm)", lack));
    send(reply(req, kDenied, "permission denied: commit " + std::to_string(S.confirmed_commit) +
                                 " by " + S.confirmed_by.user +
                                 " awaits confirmation, which needs the role " + role_names(lack)));
    return;
  }
  if (!session->dirty()) {
    if (S.confirmed.pending()) {
      S.confirmed.confirm();
      S.record_audit(audit_action(actor(), "commit-confirmed"));
      send(reply(req, kOk, "commit confirmed"));
    } else {
      send(reply(req, kOk, "nothing to commit"));
    }
    return;
  }
  CheckResult c = session->check();
  if (!c.ok()) {
    json r = reply(req, kConfigError, "the candidate does not validate; nothing changed");
    r["errors"] = error_list(c.errors);
    send(r);
    return;
  }
  // What the commit does, judged on the compiled policies: less inspection of any traffic is
  // the security administrator's decision, however the statements spell it.
  uint8_t needs = 0;
  forbidden(*session, 0, &needs);
  std::vector<policy::InspectionLoss> losses;
  if (std::shared_ptr<const policy::CompiledPolicy> now = S.compiled_running())
    losses = policy::inspection_losses(*now, *c.compiled);
  if (!losses.empty()) needs |= kSecurity;
  if (!losses.empty() && !(roles & kSecurity)) {
    std::vector<std::string> lines;
    for (const auto& l : losses) lines.push_back(l.text);
    S.record_audit(audit_denied(actor(), "commit", kSecurity, lines));
    json r = reply(req, kDenied,
                   "permission denied: the candidate inspects traffic less than the running "
                   "policy does, which needs the role security");
    r["errors"] = error_list(lines);
    send(r);
    return;
  }
  CommitMeta m;
  m.user = user;
  m.uid = uid;
  m.comment = args.value("comment", "");
  m.kind = CommitKind::Commit;
  if (rollback_loaded) {
    m.kind = CommitKind::Rollback;
    m.rollback_of = S.store.id_of(*rollback_loaded);
  }
  if (minutes) m.confirmed_minutes = static_cast<uint32_t>(minutes);
  std::string previous = S.running_text;
  std::vector<std::string> errors;
  json data;
  if (!S.commit_text(session->candidate_text(), m, &errors, &data)) {
    json r = reply(req, kConfigError, "commit failed; the running configuration is unchanged");
    r["errors"] = error_list(errors);
    send(r);
    return;
  }
  if (minutes) {
    S.confirmed.arm(static_cast<uint32_t>(minutes), previous, ConfirmedCommit::Clock::now());
    S.confirmed_by = actor();
    S.confirmed_commit = m.id;
    S.confirmed_needs = needs;
  } else if (S.confirmed.pending()) {
    S.confirmed.confirm();
  }
  S.record_audit(rollback_loaded ? audit_rollback(actor(), *rollback_loaded, m) : audit_commit(actor(), m));
  rollback_loaded.reset();
  session = std::make_unique<ConfigSession>(S.running, S.running_text);
  session_base = S.running_commit;
  data["lines"] = m.diff;
  std::string message = minutes ? "commit complete; rolled back in " + std::to_string(minutes) +
                                      " minutes unless confirmed by 'commit'"
                                : "commit complete";
  if (data.contains("restart_pending")) {
    message += "; at the next start of printwalld (recorded, not in force before):";
    for (const auto& l : data["restart_pending"]) message += "\n  " + l.get<std::string>();
  }
  send(reply(req, kOk, message, data));
}

void Connection::cmd_rollback(const json& req, const std::string&, const json& args) {
  auto& S = s;
  size_t n = to_count(args, "value", SIZE_MAX);
  std::optional<std::string> text = n == SIZE_MAX ? std::nullopt : S.store.text_of(n);
  if (!text) {
    send(reply(req, kNotFound, "no rollback point " + args.value("value", std::string("?")) +
                                   " (show system commit lists them)"));
    return;
  }
  std::vector<policy::ConfigError> errs;
  if (!session->load_rollback(*text, &errs)) {
    json r = reply(req, kConfigError, "rollback point " + std::to_string(n) + " does not load");
    r["errors"] = error_list(errs);
    send(r);
    return;
  }
  rollback_loaded = n;
  send(reply(req, kOk, "rollback " + std::to_string(n) + " loaded into the candidate; 'commit' applies it",
             {{"lines", session->compare()}}));
}

void Connection::cmd_load_merge(const json& req, const std::string& cmd, const json& args) {
  std::string name = args.value("value", std::string("loaded"));
  std::string text = args.value("text", std::string());
  std::vector<policy::ConfigError> errs;
  rollback_loaded.reset();
  if (!session->load(text, cmd == "load replace", name, &errs)) {
    json r = reply(req, kConfigError, "not loaded; the candidate is unchanged");
    r["errors"] = error_list(errs);
    send(r);
    return;
  }
  send(reply(req, kOk, "load complete", {{"lines", session->compare()}}));
}

}  // namespace pw::mgmt
