// The control server's insides, shared by its two halves: control_server.cc (the socket, the
// connections' I/O, commits, the confirmed-commit clock) and control_commands.cc (one handler
// per command of the shared table, mgmt/commands.cc). Not for use elsewhere.
#pragma once

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>  // before asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
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
#include "mgmt/control_server.h"
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

inline std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* res = nullptr;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) return res->pw_name;
  return "uid" + std::to_string(uid);
}

inline std::optional<gid_t> group_gid(const std::string& name) {
  struct group gr {};
  struct group* res = nullptr;
  std::vector<char> buf(16384);
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &res) != 0 || !res) return std::nullopt;
  return res->gr_gid;
}

inline json reply(const json& req, int code, std::string message = {}, json data = nullptr) {
  json r;
  r["id"] = req.is_object() && req.contains("id") ? req["id"] : json(nullptr);
  r["code"] = code;
  r["message"] = std::move(message);
  r["data"] = std::move(data);
  return r;
}

inline json error_list(const std::vector<std::string>& errs) {
  json a = json::array();
  for (const auto& e : errs) a.push_back({{"text", e}});
  return a;
}
inline json error_list(const std::vector<policy::ConfigError>& errs) {
  json a = json::array();
  for (const auto& e : errs)
    a.push_back({{"text", e.str()}, {"file", e.loc.file}, {"line", e.loc.line},
                 {"column", e.loc.column}, {"reason", e.reason}});
  return a;
}

inline size_t to_count(const json& args, const char* key, size_t def) {
  if (!args.contains(key)) return def;
  try {
    const json& v = args[key];
    long long n = v.is_number() ? v.get<long long>() : std::stoll(v.get<std::string>());
    return n < 0 ? def : static_cast<size_t>(n);
  } catch (...) {
    return SIZE_MAX;  // the caller says "not a number"
  }
}


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
  // What the dataplane started with (its restart-only settings hold until the next start), and
  // the file to record as the initial commit once the start succeeded (empty history).
  policy::Config started;
  std::optional<std::pair<std::string, std::string>> pending_initial;  // text, file name
  bool from_file = true;  // the start is from the --config file, not the history
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
  // The statements of `text` that differ from what the dataplane started with and take effect
  // only at the next start (schema nodes marked restart).
  std::vector<std::string> restart_pending(const policy::Config& next) const {
    return policy::restart_lines(policy::diff_configs(started, next));
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
      if (session && session->dirty())
        s.record_audit(audit_session_close(actor(), number, "timeout", true));
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
      if (!timed_out && session && session->dirty())
        s.record_audit(audit_session_close(actor(), number, "disconnect", true));
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
  void cmd_show_blocked_sources(const json& req, const std::string& cmd, const json& args);
  void cmd_clear_blocked_sources(const json& req, const std::string& cmd, const json& args);
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

// The handler of every command of the shared command table (control_commands.cc).
using Handler = void (Connection::*)(const json& req, const std::string& cmd, const json& args);
const std::map<std::string, Handler, std::less<>>& handlers();

}  // namespace pw::mgmt
