#include "mgmt/control_server.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <cstring>
#include <cerrno>
#include <deque>
#include <future>
#include <map>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "mgmt/audit.h"
#include "mgmt/commands.h"
#include "mgmt/config_session.h"
#include "mgmt/config_store.h"
#include "mgmt/confirmed_commit.h"
#include "mgmt/local_log.h"
#include "mgmt/rfc3339.h"
#include "mgmt/roles.h"
#include "policy/config_diff.h"
#include "policy/compiled_policy.h"
#include "policy/config_printer.h"
#include "policy/inspection_guard.h"
#include "policy/loader.h"
#include "policy/policy_model.h"

namespace pw::mgmt {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using nlohmann::json;

namespace {

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* res = nullptr;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) return res->pw_name;
  return "uid" + std::to_string(uid);
}

std::optional<gid_t> group_gid(const std::string& name) {
  struct group gr {};
  struct group* res = nullptr;
  std::vector<char> buf(16384);
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &res) != 0 || !res) return std::nullopt;
  return res->gr_gid;
}

json reply(const json& req, int code, std::string message = {}, json data = nullptr) {
  json r;
  r["id"] = req.is_object() && req.contains("id") ? req["id"] : json(nullptr);
  r["code"] = code;
  r["message"] = std::move(message);
  r["data"] = std::move(data);
  return r;
}

json error_list(const std::vector<std::string>& errs) {
  json a = json::array();
  for (const auto& e : errs) a.push_back({{"text", e}});
  return a;
}
json error_list(const std::vector<policy::ConfigError>& errs) {
  json a = json::array();
  for (const auto& e : errs)
    a.push_back({{"text", e.str()}, {"file", e.loc.file}, {"line", e.loc.line},
                 {"column", e.loc.column}, {"reason", e.reason}});
  return a;
}

// An operational action worth auditing (clear statistics, clear flows).
json audit_action(const Actor& who, std::string_view what) {
  return {{"time", rfc3339_utc(std::chrono::system_clock::now(), true)}, {"type", "audit"},
          {"event", std::string(what)}, {"user", who.user}, {"uid", who.uid},
          {"roles", role_names(who.roles)}};
}

size_t to_count(const json& args, const char* key, size_t def) {
  if (!args.contains(key)) return def;
  try {
    const json& v = args[key];
    long long n = v.is_number() ? v.get<long long>() : std::stoll(v.get<std::string>());
    return n < 0 ? def : static_cast<size_t>(n);
  } catch (...) {
    return SIZE_MAX;  // the caller says "not a number"
  }
}

}  // namespace

struct Connection;

struct ControlServer::Impl {
  ControlOptions opt;
  ControlBackend& backend;
  LocalLog& events;
  LocalLog& audit;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<local::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> timer;
  std::thread thread;
  ConfigStore store;
  ConfirmedCommit confirmed;
  Actor confirmed_by;             // who armed the pending confirmed commit
  uint64_t confirmed_commit = 0;  // and its commit id
  uint8_t confirmed_needs = 0;    // the roles that commit needed: only they may confirm it
  uint64_t sessions = 0;
  std::string running_text;
  policy::Config running;
  uint64_t running_commit = 0;  // history id of the running configuration
  std::set<std::shared_ptr<Connection>> connections;
  std::map<uid_t, size_t> per_uid;  // open connections per peer uid
  std::vector<std::function<void(const json&)>> audit_hooks;

  Impl(ControlOptions o, ControlBackend& b, LocalLog& e, LocalLog& a)
      : opt(std::move(o)),
        backend(b),
        events(e),
        audit(a),
        store(opt.state_dir, opt.keep_commits),
        confirmed(std::chrono::duration_cast<ConfirmedCommit::Clock::duration>(opt.confirm_unit)) {}

  void record_audit(json rec) {
    audit.append(rec);
    for (auto& f : audit_hooks) f(rec);
  }
  // The running configuration compiled (what the dataplane enforces), or null if it does not
  // build (it always does: it was committed).
  std::shared_ptr<const policy::CompiledPolicy> compiled_running() const {
    return policy::load_config(running, "running", 0).compiled;
  }
  bool set_running(const std::string& text, std::vector<std::string>* errors) {
    policy::ParseResult pr = policy::parse_config(text, "running");
    if (!pr.ok()) {
      for (const auto& e : pr.errors) errors->push_back(e.str());
      return false;
    }
    running = pr.config;
    running_text = policy::print_config(running);
    return true;
  }
  // Applies `text` to the dataplane and records it in the history. On failure nothing changes.
  bool commit_text(const std::string& text, CommitMeta& meta, std::vector<std::string>* errors,
                   json* data);
  void accept();
  void tick();
};

struct Connection : std::enable_shared_from_this<Connection> {
  ControlServer::Impl& s;
  local::socket sock;
  asio::streambuf buf{kMaxRequestBytes + 1};
  std::deque<std::string> out;
  size_t queued = 0;     // bytes in `out`
  bool paused = false;   // reading stopped until the peer reads its replies
  bool reading = false;  // an async read is outstanding
  bool writing = false, closing = false;
  asio::steady_timer idle;
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  pid_t pid = 0;
  std::string user;
  uint8_t roles = 0;
  uint64_t number = 0;
  Actor actor() const { return {user, static_cast<uint32_t>(uid), roles}; }
  std::optional<size_t> rollback_loaded;  // the candidate is rollback point N, unchanged since
  Mode mode = Mode::Operational;
  std::unique_ptr<ConfigSession> session;
  uint64_t session_base = 0;  // running_commit when `configure` was entered
  std::optional<json> subscribe_id;
  std::string subscribe_reason;
  size_t dropped_events = 0;

  Connection(ControlServer::Impl& server, local::socket s, const ucred& cred)
      : s(server), sock(std::move(s)), idle(server.io) {
    uid = cred.uid;
    gid = cred.gid;
    pid = cred.pid;
  }

  void start() {
    user = user_name(uid);
    roles = roles_of(uid, gid);
    ++s.per_uid[uid];
    number = ++s.sessions;
    s.record_audit(audit_session_open(actor(), number, pid));
    arm_idle();
    read();
  }
  // The idle timeout: re-armed by every request; a `monitor events` connection is not idle.
  void arm_idle() {
    if (s.opt.idle_timeout.count() == 0) return;
    idle.expires_after(s.opt.idle_timeout);
    auto self = shared_from_this();
    idle.async_wait([this, self](boost::system::error_code ec) {
      if (ec || closing || !sock.is_open()) return;
      if (subscribe_id) {
        arm_idle();
        return;
      }
      s.record_audit(audit_session_close(actor(), number, "timeout", session && session->dirty()));
      session.reset();
      timed_out = true;
      send(reply(nullptr, kConflict, "idle for " + std::to_string(s.opt.idle_timeout.count()) +
                                         " s: connection closed"));
      close_after_write();
    });
  }
  bool timed_out = false;
  void read() {
    if (reading || closing) return;
    reading = true;
    auto self = shared_from_this();
    asio::async_read_until(sock, buf, '\n', [this, self](boost::system::error_code ec, size_t n) {
      reading = false;
      if (ec == asio::error::not_found) {  // longer than kMaxRequestBytes
        send(reply(nullptr, kBadRequest, "request longer than " + std::to_string(kMaxRequestBytes) + " bytes"));
        close_after_write();
        return;
      }
      if (ec) {  // EOF (a half-closed peer is answered what it asked, then closed) or error
        close_after_write();
        return;
      }
      std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + static_cast<long>(n));
      buf.consume(n);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      arm_idle();
      if (!line.empty()) handle_line(line);
      if (closing) return;
      // A peer that does not read its replies gets no more of them computed: its further
      // requests wait in its socket until it reads (bounded memory, whatever it pipelines).
      if (queued > s.opt.max_queued_bytes) {
        paused = true;
        return;
      }
      read();
    });
  }
  void send(const json& j) {
    std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    if (text.size() > s.opt.max_reply_bytes) {
      json id = j.is_object() && j.contains("id") ? j["id"] : json(nullptr);
      json r = {{"id", id}, {"code", kTooLarge},
                {"message", "reply of " + std::to_string(text.size()) + " bytes is over the " +
                                std::to_string(s.opt.max_reply_bytes) +
                                "-byte limit: ask for less (last N, limit N, a filter)"},
                {"data", nullptr}};
      text = r.dump() + "\n";
    }
    queued += text.size();
    out.push_back(std::move(text));
    write();
  }
  void write() {
    if (writing || out.empty()) return;
    writing = true;
    auto self = shared_from_this();
    asio::async_write(sock, asio::buffer(out.front()), [this, self](boost::system::error_code ec, size_t) {
      writing = false;
      if (ec) {
        out.clear();
        queued = 0;
        finish();
        return;
      }
      queued -= out.front().size();
      out.pop_front();
      if (paused && queued <= s.opt.max_queued_bytes / 2 && !closing) {
        paused = false;
        read();
      }
      if (!out.empty()) {
        write();
      } else if (closing) {
        finish();
      }
    });
  }
  void close_after_write() {
    closing = true;
    if (!writing && out.empty()) finish();
  }
  void finish() {
    boost::system::error_code ec;
    sock.shutdown(local::socket::shutdown_both, ec);
    sock.close(ec);
    idle.cancel();
    if (s.connections.erase(shared_from_this())) {
      if (--s.per_uid[uid] == 0) s.per_uid.erase(uid);
      if (!timed_out)
        s.record_audit(audit_session_close(actor(), number, "disconnect", session && session->dirty()));
    }
  }

  void handle_line(const std::string& line) {
    json req;
    try {
      req = json::parse(line);
    } catch (const std::exception&) {
      send(reply(nullptr, kBadRequest, "not a JSON object"));
      return;
    }
    if (!req.is_object() || !req.contains("cmd") || !req["cmd"].is_string()) {
      send(reply(req, kBadRequest, "a request is {\"id\": N, \"cmd\": \"...\", \"args\": {...}}"));
      return;
    }
    json args = req.contains("args") && req["args"].is_object() ? req["args"] : json::object();
    std::string cmd = req["cmd"];
    const CommandSpec* spec = find_command(cmd);
    if (!spec) {
      send(reply(req, kUnknownCommand, "unknown command '" + cmd + "'"));
      return;
    }
    if (!(spec->roles & roles)) {
      s.record_audit(audit_denied(actor(), cmd, spec->roles));
      send(reply(req, kDenied,
                 "permission denied: '" + cmd + "' needs the role " + role_names(spec->roles) +
                     " (Unix groups printwall, printwall-admin, printwall-security); " + user +
                     " has " + (roles ? role_names(roles) : std::string("none"))));
      return;
    }
    bool config_cmd = spec->mode == Mode::Configuration;
    if (config_cmd && mode != Mode::Configuration) {
      send(reply(req, kConflict, "'" + cmd + "' is a configuration-mode command: 'configure' first"));
      return;
    }
    if (spec->mode == Mode::Operational && mode == Mode::Configuration && cmd == "configure") {
      send(reply(req, kConflict, "already in configuration mode"));
      return;
    }
    try {
      dispatch(req, cmd, args);
    } catch (const std::exception& e) {
      send(reply(req, kInternal, std::string("internal error: ") + e.what()));
    }
  }

  void dispatch(const json& req, const std::string& cmd, const json& args);
  void cmd_show_configuration(const json& req, const std::string& cmd, const json& args);
  void cmd_show_statistics(const json& req, const std::string& cmd, const json& args);
  void cmd_show_flows(const json& req, const std::string& cmd, const json& args);
  void cmd_show_interfaces(const json& req, const std::string& cmd, const json& args);
  void cmd_show_system(const json& req, const std::string& cmd, const json& args);
  void cmd_show_policy(const json& req, const std::string& cmd, const json& args);
  void cmd_show_system_commit(const json& req, const std::string& cmd, const json& args);
  void cmd_show_events(const json& req, const std::string& cmd, const json& args);
  void cmd_monitor_events(const json& req, const std::string& cmd, const json& args);
  void cmd_clear_statistics(const json& req, const std::string& cmd, const json& args);
  void cmd_clear_flows(const json& req, const std::string& cmd, const json& args);
  void cmd_configure(const json& req, const std::string& cmd, const json& args);
  void cmd_exit(const json& req, const std::string& cmd, const json& args);
  void cmd_set(const json& req, const std::string& cmd, const json& args);
  void cmd_show_compare(const json& req, const std::string& cmd, const json& args);
  void cmd_show_candidate(const json& req, const std::string& cmd, const json& args);
  void cmd_commit_check(const json& req, const std::string& cmd, const json& args);
  void cmd_commit(const json& req, const std::string& cmd, const json& args);
  void cmd_rollback(const json& req, const std::string& cmd, const json& args);
  void cmd_load_merge(const json& req, const std::string& cmd, const json& args);
};

bool ControlServer::Impl::commit_text(const std::string& text, CommitMeta& meta,
                                      std::vector<std::string>* errors, json* data) {
  uint64_t generation = 0;
  if (!backend.apply(text, errors, &generation)) return false;
  std::string err;
  std::optional<uint64_t> id = store.commit(text, meta, &err);
  if (id && !store.history().empty()) meta = store.history().front();
  if (!id) errors->push_back("the configuration is in force but the history could not be written: " + err);
  std::vector<std::string> ignore;
  set_running(text, &ignore);
  if (id) running_commit = *id;
  if (data) {
    (*data)["generation"] = generation;
    (*data)["commit"] = id ? json(*id) : json(nullptr);
  }
  return true;
}

void ControlServer::Impl::accept() {
  acceptor->async_accept([this](boost::system::error_code ec, local::socket sock) {
    if (ec) return;  // stopped
    ucred cred{};
    cred.uid = static_cast<uid_t>(-1);
    socklen_t len = sizeof cred;
    ::getsockopt(sock.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len);
    auto refuse = [&](const std::string& why) {
      std::string msg = reply(nullptr, kConflict, why).dump() + "\n";
      boost::system::error_code wec;
      asio::write(sock, asio::buffer(msg), wec);
    };
    auto mine = per_uid.find(cred.uid);
    if (connections.size() >= opt.max_connections) {
      refuse("too many control connections (at most " + std::to_string(opt.max_connections) + ")");
    } else if (mine != per_uid.end() && mine->second >= opt.max_connections_per_uid) {
      refuse("too many control connections for " + user_name(cred.uid) + " (at most " +
             std::to_string(opt.max_connections_per_uid) + " per user)");
    } else {
      auto c = std::make_shared<Connection>(*this, std::move(sock), cred);
      connections.insert(c);
      c->start();
    }
    accept();
  });
}

void ControlServer::Impl::tick() {
  timer->expires_after(std::chrono::milliseconds(500));
  timer->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    if (std::optional<std::string> back = confirmed.due(std::chrono::steady_clock::now())) {
      // The confirmed commit was not confirmed in time: the previous configuration returns.
      CommitMeta m;
      m.user = "printwalld";
      m.kind = CommitKind::ConfirmedExpiry;
      m.rollback_of = store.id_of(1);
      m.comment = "commit confirmed " + std::to_string(confirmed_commit) + " was not confirmed in time";
      std::vector<std::string> errors;
      if (commit_text(*back, m, &errors, nullptr)) {
        record_audit(audit_confirmed_expiry(confirmed_by, confirmed_commit, m));
      } else {
        json rec = audit_action(confirmed_by, "confirmed-expiry-failed");
        rec["errors"] = errors;
        record_audit(rec);
      }
    }
    tick();
  });
}

// The handler of every command of the shared command table (mgmt/commands.cc: names, roles,
// modes, arguments and help are declared there, once); a command without a handler, or a
// handler without a command, is refused when the server starts (handlers_complete()).
using Handler = void (Connection::*)(const json& req, const std::string& cmd, const json& args);
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

void Connection::cmd_show_flows(const json& req, const std::string&, const json& args) {
  auto& S = s;
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
  LocalLog::Filter filter;
  for (const char* k : {"reason", "action"})
    if (args.contains(k) && args[k].is_string()) filter[k] = args[k];
  if (args.contains("src") && args["src"].is_string()) filter["src_ip"] = args["src"];
  if (args.contains("dst") && args["dst"].is_string()) filter["dst_ip"] = args["dst"];
  send(reply(req, kOk, "", {{"records", log.last(last, filter)}}));
}

void Connection::cmd_monitor_events(const json& req, const std::string&, const json& args) {
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

void Connection::cmd_show_compare(const json& req, const std::string&, const json&) {
  send(reply(req, kOk, "", {{"lines", session->compare()}}));
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
  send(reply(req, kOk,
             minutes ? "commit complete; rolled back in " + std::to_string(minutes) +
                           " minutes unless confirmed by 'commit'"
                     : "commit complete",
             data));
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

ControlServer::ControlServer(ControlOptions o, ControlBackend& backend, LocalLog& events, LocalLog& audit)
    : impl_(std::make_unique<Impl>(std::move(o), backend, events, audit)) {}

ControlServer::~ControlServer() { stop(); }

std::string ControlServer::startup_text(const std::string& file_text, const std::string& file_name,
                                        std::vector<std::string>* errors) {
  Impl& s = *impl_;
  std::string err;
  if (!s.store.open(&err)) {
    errors->push_back(s.opt.state_dir + ": " + err);
    s.set_running(file_text, errors);
    return file_text;
  }
  if (std::optional<std::string> last = s.store.latest_text()) {
    s.set_running(*last, errors);
    if (!s.store.history().empty()) s.running_commit = s.store.history().front().id;
    return *last;
  }
  CommitMeta m;
  m.user = "printwalld";
  m.kind = CommitKind::Initial;
  m.comment = "from " + file_name;
  if (std::optional<uint64_t> id = s.store.commit(file_text, m, &err)) s.running_commit = *id;
  else errors->push_back(s.opt.state_dir + ": " + err);
  s.set_running(file_text, errors);
  return file_text;
}

std::vector<std::string> ControlServer::table_mismatches() {
  std::vector<std::string> out;
  std::set<std::string> named;
  for (const auto& c : command_table()) {
    named.insert(c.name);
    if (!handlers().count(c.name)) out.push_back(std::string(c.name) + ": no handler");
  }
  for (const auto& [name, h] : handlers())
    if (!named.count(name)) out.push_back(name + ": not in the command table");
  return out;
}

bool ControlServer::start(std::string* err) {
  Impl& s = *impl_;
  if (auto bad = table_mismatches(); !bad.empty()) {
    *err = "internal error: the command table and the handlers disagree: " + bad.front();
    return false;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(s.opt.socket_path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  fs::remove(p, ec);
  try {
    s.acceptor = std::make_unique<local::acceptor>(s.io, local::endpoint(s.opt.socket_path));
  } catch (const std::exception& e) {
    *err = "cannot listen on " + s.opt.socket_path + ": " + e.what();
    return false;
  }
  // Who may connect at all: root and the printwall group (roles decide the rest). Without the
  // group the socket is root's alone.
  if (std::optional<gid_t> g = group_gid(s.opt.group)) {
    if (::chown(s.opt.socket_path.c_str(), static_cast<uid_t>(-1), *g) != 0 ||
        ::chmod(s.opt.socket_path.c_str(), 0660) != 0) {
      *err = "cannot give " + s.opt.socket_path + " to group " + s.opt.group + ": " + std::strerror(errno);
      return false;
    }
  } else {
    ::chmod(s.opt.socket_path.c_str(), 0600);
    std::fprintf(stderr, "printwalld: group %s does not exist: only root can use %s\n",
                 s.opt.group.c_str(), s.opt.socket_path.c_str());
  }
  s.timer = std::make_unique<asio::steady_timer>(s.io);
  s.work.emplace(asio::make_work_guard(s.io));
  s.accept();
  s.tick();
  s.thread = std::thread([&s] { s.io.run(); });
  return true;
}

void ControlServer::stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  asio::post(s.io, [&s] {
    boost::system::error_code ec;
    if (s.acceptor) s.acceptor->close(ec);
    if (s.timer) s.timer->cancel();
    for (auto c : std::vector<std::shared_ptr<Connection>>(s.connections.begin(), s.connections.end()))
      c->finish();
    s.work.reset();
  });
  s.thread.join();
  std::error_code fec;
  std::filesystem::remove(s.opt.socket_path, fec);
}

bool ControlServer::commit_file(const std::string& text, const std::string& file_name,
                                const std::string& user, std::vector<std::string>* errors) {
  Impl& s = *impl_;
  std::promise<bool> done;
  auto fut = done.get_future();
  asio::post(s.io, [&] {
    policy::ParseResult pr = policy::parse_config(text, file_name);
    if (!pr.ok()) {
      for (const auto& e : pr.errors) errors->push_back(e.str());
      done.set_value(false);
      return;
    }
    CommitMeta m;
    m.user = user;
    m.kind = CommitKind::Commit;
    m.comment = "re-read " + file_name + " (" + user + ")";
    json data;
    bool ok = s.commit_text(policy::print_config(pr.config), m, errors, &data);
    if (ok) s.record_audit(audit_commit({user, 0, kRoleSecurity | kRoleAdmin}, m));
    done.set_value(ok);
  });
  if (!s.thread.joinable()) s.io.run_one();
  return fut.get();
}

void ControlServer::publish_event(const json& e) {
  Impl& s = *impl_;
  asio::post(s.io, [&s, e] {
    for (const auto& c : s.connections) {
      if (!c->subscribe_id) continue;
      if (!c->subscribe_reason.empty() && e.value("reason", "") != c->subscribe_reason) continue;
      if (c->out.size() >= s.opt.max_subscriber_backlog) {
        ++c->dropped_events;
        continue;
      }
      c->send({{"id", *c->subscribe_id}, {"event", e}});
    }
  });
}

void ControlServer::on_audit(std::function<void(const json&)> f) {
  impl_->audit_hooks.push_back(std::move(f));
}

}  // namespace pw::mgmt
