#include "mgmt/control_server.h"

#include "mgmt/control_connection.h"

namespace pw::mgmt {

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
