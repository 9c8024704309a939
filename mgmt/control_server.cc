#include "mgmt/control_server.h"

#include "mgmt/control_connection.h"

namespace pw::mgmt {

bool ControlServer::Impl::commit_text(const std::string& text, CommitMeta& meta,
                                      std::vector<std::string>* errors, json* data) {
  uint64_t generation = 0;
  // Restart-only changes: recorded and in force at the next start, once the backend has checked
  // that the next start can honour them (never a commit that would keep the daemon from starting).
  std::vector<std::string> later;  // this commit's changes that wait for the next start
  if (policy::ParseResult next = policy::parse_config(text, "candidate"); next.ok()) {
    later = policy::restart_lines(policy::diff_configs(running, next.config));
    if (!restart_pending(next.config).empty()) {
      std::string why = backend.restart_refusal(text);
      if (!why.empty()) {
        errors->push_back(why);
        return false;
      }
    }
  }
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
    if (!later.empty()) (*data)["restart_pending"] = later;
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

ControlServer::ControlServer(ControlOptions o, ControlBackend& backend, LocalLog& events, LocalLog& audit)
    : impl_(std::make_unique<Impl>(std::move(o), backend, events, audit)) {}

ControlServer::~ControlServer() { stop(); }

std::string ControlServer::startup_text(const std::string& file_text, const std::string& file_name,
                                        std::vector<std::string>* errors) {
  Impl& s = *impl_;
  std::string err;
  std::string text = file_text;
  s.from_file = true;
  if (!s.store.open(&err)) {
    errors->push_back(s.opt.state_dir + ": " + err);
  } else if (std::optional<std::string> last = s.store.latest_text()) {
    text = *last;
    s.from_file = false;
    if (!s.store.history().empty()) s.running_commit = s.store.history().front().id;
  } else {
    // Recorded once the daemon has started from it (started()): a first start that fails leaves
    // no commit behind, and the corrected file is read at the next start.
    s.pending_initial = std::make_pair(file_text, file_name);
  }
  s.set_running(text, errors);
  s.started = s.running;
  return text;
}

bool ControlServer::starts_from_file() const { return impl_->from_file; }

bool ControlServer::started(std::vector<std::string>* errors) {
  Impl& s = *impl_;
  std::string err;
  if (s.pending_initial) {
    CommitMeta m;
    m.user = "printwalld";
    m.kind = CommitKind::Initial;
    m.comment = "from " + s.pending_initial->second;
    if (std::optional<uint64_t> id = s.store.commit(s.pending_initial->first, m, &err)) {
      s.running_commit = *id;
      if (!s.store.history().empty()) m = s.store.history().front();
      s.record_audit(audit_commit({"printwalld", 0, 0}, m));
    } else {
      errors->push_back(s.opt.state_dir + ": " + err);
    }
    s.pending_initial.reset();
  }
  if (s.running_commit == 0) return false;
  // The last commit the dataplane started from: where a start that fails falls back to.
  if (!s.store.set_started(s.running_commit, &err)) {
    errors->push_back(s.opt.state_dir + ": " + err);
    return false;
  }
  return true;
}

std::optional<uint64_t> ControlServer::fall_back(const std::string& why, std::string* done) {
  Impl& s = *impl_;
  std::string err;
  const std::optional<uint64_t> started = s.store.started();
  if (!started || s.running_commit == 0 || *started == s.running_commit) return std::nullopt;
  const uint64_t good = *started;
  std::optional<std::string> text;
  const auto history = s.store.history();
  for (size_t n = 0; n < history.size(); ++n)
    if (history[n].id == good) text = s.store.text_of(n);
  if (!text) return std::nullopt;
  CommitMeta m;
  m.user = "printwalld";
  m.kind = CommitKind::Rollback;
  m.rollback_of = good;
  m.comment = "commit " + std::to_string(s.running_commit) + " could not start (" + why +
              "): back to commit " + std::to_string(good) + ", the last that started";
  std::optional<uint64_t> id = s.store.commit(*text, m, &err);
  if (!id) return std::nullopt;
  if (!s.store.history().empty()) m = s.store.history().front();
  if (done) *done = audit_commit({"printwalld", 0, 0}, m).dump();
  return id;
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
                                const std::string& user, std::vector<std::string>* errors,
                                std::string* unchanged) {
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
    // The file as it was when last read (the initial commit, or the last re-read): unchanged, it
    // would only undo the commits made since, which is not what a reload is for.
    const std::string canonical = policy::print_config(pr.config);
    const std::vector<CommitMeta> history = s.store.history();
    for (size_t n = 0; n < history.size(); ++n) {
      const CommitMeta& h = history[n];
      const bool read = (h.kind == CommitKind::Initial && h.comment == "from " + file_name) ||
                        h.comment.rfind("re-read " + file_name + " (", 0) == 0;
      if (!read) continue;
      if (s.store.text_of(n) == canonical && unchanged) {
        *unchanged = file_name + " is as commit " + std::to_string(h.id) + " read it: nothing to do; "
                     "the running configuration (commit " + std::to_string(s.running_commit) +
                     ") stays. To put the file's configuration back: printwall configure, "
                     "load replace " + file_name + ", commit";
        done.set_value(true);
        return;
      }
      break;
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
