// printwalld's control socket: a Unix stream socket (default /run/printwall/control.sock) served
// by one Boost.Asio thread. Requests and replies are JSON lines (mgmt/commands.h); the peer's
// identity and roles come from SO_PEERCRED and its Unix groups. It owns the configuration life
// cycle: per-connection candidates, commit (with check, roles, history, confirmed commits),
// rollback, load, and the local event and audit logs. What touches the fast path (publishing a
// policy, counters, flows) goes through ControlBackend, which printwalld implements over DPDK
// and the tests implement with fakes.
#pragma once

#include <chrono>
#include <optional>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/ip.h"
#include "policy/config.h"

namespace pw::mgmt {

class LocalLog;

class ControlBackend {
 public:
  virtual ~ControlBackend() = default;
  // Compiles `text` and puts it in force on every worker; returns only when it is (or on error,
  // with `errors` filled and the running policy untouched).
  virtual bool apply(const std::string& text, std::vector<std::string>* errors,
                     uint64_t* generation) = 0;
  virtual nlohmann::json statistics() = 0;
  virtual void clear_statistics() = 0;
  virtual nlohmann::json flows(const nlohmann::json& filter) = 0;
  virtual void clear_flows() = 0;
  virtual nlohmann::json interfaces() = 0;
  virtual nlohmann::json system() = 0;
  // Sources blocked toward the printers (detection failed-auth action block-source):
  // {"blocked_sources": [...]}; clearing lifts one (`address`) or every block, returns how many.
  virtual nlohmann::json blocked_sources() = 0;
  virtual size_t clear_blocked_sources(const std::optional<IpAddr>& address) = 0;
  // Why the next start could not honour the restart-only settings of `text` (a commit that
  // changes them), or empty when it can. The daemon checks the lcores its EAL options give.
  virtual std::string restart_refusal(const std::string& text) {
    (void)text;
    return {};
  }
};

struct ControlOptions {
  std::string socket_path = "/run/printwall/control.sock";
  std::string state_dir = "/var/lib/printwall";  // commit history
  size_t keep_commits = 50;
  std::chrono::seconds confirm_unit{60};  // one "minute" of `commit confirmed N` (tests shorten it)
  size_t max_connections = 64;
  size_t max_connections_per_uid = 8;  // one user's connections at once (root included)
  size_t max_subscriber_backlog = 4096;  // `monitor events` lines queued per client, then dropped
  // A reply longer than this is replaced by a too-large answer (ask for less: `last N`, limits).
  size_t max_reply_bytes = 16u << 20;
  // Replies waiting for a slow reader, beyond which no further request is read from it (the
  // peer's requests wait in its socket: memory stays bounded whatever it pipelines).
  size_t max_queued_bytes = 1u << 20;
  // A connection with no request for this long is closed (its uncommitted candidate
  // discarded, audited); `monitor events` connections are exempt. 0: never.
  std::chrono::seconds idle_timeout{900};
  // The socket's group (mode 0660); when it does not exist, mode 0600 (root only).
  std::string group = "printwall";
};

class ControlServer {
 public:
  ControlServer(ControlOptions o, ControlBackend& backend, LocalLog& events, LocalLog& audit);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // The configuration to start from: the last commit of the history when there is one, else
  // `file_text`. Call before start(); fills `errors` when the history cannot be opened.
  std::string startup_text(const std::string& file_text, const std::string& file_name,
                           std::vector<std::string>* errors);
  // The dataplane started from the startup text: a file (empty history) becomes the initial
  // commit (audited) now, and the commit is remembered as the last that started
  // (STATE_DIR/started). False with `errors` when the history could not be written.
  bool started(std::vector<std::string>* errors);
  // startup_text() returned the file (the history is empty or unreadable).
  bool starts_from_file() const;
  // The start from the last commit failed (`why`): commits the configuration of the last commit
  // that started (kind rollback, by printwalld, the reason in the comment) and returns its id,
  // with the audit record as JSON text in `audit`; nullopt when there is no such commit (none
  // started yet, or it is the one that failed).
  std::optional<uint64_t> fall_back(const std::string& why, std::string* audit);
  // Binds the socket (mode 0660, group `printwall`: who may connect at all; roles decide the
  // rest, refused attempts audited) and starts the thread.
  bool start(std::string* err);
  void stop();

  // Re-reads a configuration file as `load replace` + commit by `user` (SIGHUP; audited); false
  // with errors printed in `errors` when it does not compile (the running policy stays). A file
  // unchanged since it was last read (initial commit or re-read) is not committed again (that
  // would only undo the commits made since): true, with the explanation in `unchanged`.
  // Thread-safe (runs on the server's thread).
  bool commit_file(const std::string& text, const std::string& file_name, const std::string& user,
                   std::vector<std::string>* errors, std::string* unchanged = nullptr);
  // An event for `monitor events` subscribers (the caller also appends it to the events log).
  void publish_event(const nlohmann::json& e);
  // Called for every audit record (so that the daemon can also send it to syslog).
  void on_audit(std::function<void(const nlohmann::json&)> f);
  // Commands of the shared table (mgmt/commands.h) without a handler here, and handlers for
  // names the table does not have; empty when the two agree (start() refuses otherwise).
  static std::vector<std::string> table_mismatches();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pw::mgmt
