// The control thread (not an lcore): drains the workers' event rings and the audit queue into
// the JSON event log (rotated), the CLI's `monitor events` and syslog; rebuilds the syslog
// sender when a commit changes its destinations; re-reads the configuration on SIGHUP; reports
// link changes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "mgmt/printwalld/daemon.h"

namespace pw::daemon {

namespace {

// The JSON event log is rotated like the mirror pcap: FILE -> FILE.1 -> ... -> FILE.N, the
// oldest removed, when FILE passes kEventLogBytes.
constexpr uint64_t kEventLogBytes = 64ull << 20;
constexpr int kEventLogFiles = 5;

void rotate_event_log(std::ofstream& log, const std::string& path) {
  log.close();
  std::error_code ec;
  std::filesystem::remove(path + "." + std::to_string(kEventLogFiles), ec);
  for (int i = kEventLogFiles - 1; i >= 1; --i)
    std::filesystem::rename(path + "." + std::to_string(i), path + "." + std::to_string(i + 1), ec);
  std::filesystem::rename(path, path + ".1", ec);
  log.open(path, std::ios::app);
}

// A JSON record (event or audit) as an RFC 5424 message: MSGID the reason code ("audit" for
// audit records), the record's fields as structured data, a one-line summary as MSG.
mgmt::LogRecord log_record(const nlohmann::json& j, bool audit) {
  mgmt::LogRecord r;
  r.ts_ns = 0;  // now
  std::string action = j.value("action", "");
  r.severity = audit ? mgmt::kSevNotice : action == "alert" ? mgmt::kSevNotice : mgmt::kSevWarning;
  r.msgid = audit ? "audit" : j.value("reason", "event");
  // Objects (the alert) flattened: alert.category="..." (SD-NAMEs may hold dots).
  auto add = [&r](const std::string& k, const nlohmann::json& v, auto&& self) -> void {
    if (v.is_null()) return;
    if (v.is_string()) {
      r.fields.emplace_back(k, v.get<std::string>());
    } else if (v.is_object()) {
      for (const auto& [sub, x] : v.items()) self(k + "." + sub, x, self);
    } else if (v.is_array()) {
      std::string joined;
      for (const auto& x : v) joined += (joined.empty() ? "" : "; ") + (x.is_string() ? x.get<std::string>() : x.dump());
      r.fields.emplace_back(k, joined);
    } else {
      r.fields.emplace_back(k, v.dump());
    }
  };
  for (const auto& [k, v] : j.items()) add(k, v, add);
  if (audit) {
    r.msg = j.value("event", "audit") + " by " + j.value("user", "?");
  } else {
    r.msg = action + " " + j.value("reason", "") + " " + j.value("proto", "") + " " +
            (j["src_ip"].is_string() ? j["src_ip"].get<std::string>() : "-") + ":" +
            std::to_string(j.value("src_port", 0)) + " -> " +
            (j["dst_ip"].is_string() ? j["dst_ip"].get<std::string>() : "-") + ":" +
            std::to_string(j.value("dst_port", 0));
  }
  return r;
}

// The appliance's name in events and audit records: `set system host-name`, else the machine's.
std::string_view host_of(const policy::CompiledPolicy* p) {
  if (p && !p->model().host_name.empty()) return p->model().host_name;
  return dp::local_host_name();
}

void to_syslog(Daemon& d, const nlohmann::json& j, bool audit) {
  std::lock_guard<std::mutex> g(d.syslog_mu);
  if (d.syslog) d.syslog->submit(log_record(j, audit));
}

// (Re)builds the syslog sender when the policy in force names other destinations.
void update_syslog(Daemon& d, const policy::Model& m) {
  mgmt::SyslogConfig c = mgmt::syslog_config(m);
  std::string key = std::to_string(c.facility) + "/" + std::to_string(c.queue_size);
  for (const auto& x : c.destinations)
    key.append(" ").append(x.str()).append("|").append(x.ca_file).append("|").append(x.server_name);
  std::unique_ptr<mgmt::SyslogSender> old;
  {
    std::lock_guard<std::mutex> g(d.syslog_mu);
    if (key == d.syslog_key && (d.syslog || c.destinations.empty())) return;
    old = std::move(d.syslog);
    d.syslog_key = key;
    if (!c.destinations.empty()) {
      d.syslog = std::make_unique<mgmt::SyslogSender>(c);
      d.syslog->start();
    }
  }
  if (old) old->stop(std::chrono::milliseconds(500));
  if (!c.destinations.empty())
    std::fprintf(stderr, "printwalld: syslog to %zu destination(s)\n", c.destinations.size());
}

// SIGHUP: the configuration file, as a commit (history, audit) by the signal's sender.
void reload_file(Daemon& d) {
  std::string err;
  std::vector<std::string> errors;
  std::optional<std::string> text = read_file(d.opt.config_path, &err);
  if (!text) errors.push_back(err);
  std::string unchanged;
  if (text && d.server->commit_file(*text, d.opt.config_path, "SIGHUP", &errors, &unchanged)) {
    if (!unchanged.empty()) std::fprintf(stderr, "printwalld: SIGHUP: %s\n", unchanged.c_str());
  } else {
    for (const auto& x : errors) std::fprintf(stderr, "%s\n", x.c_str());
    std::fprintf(stderr, "printwalld: reload failed; generation %llu stays in force\n",
                 static_cast<unsigned long long>(d.generation.load()));
  }
}

// Commands a worker has not taken yet (its ring is full: it is stuck or flooded); beyond, new
// blocks wait for the worker's own detector (clears are always kept).
constexpr size_t kMaxPending = 65536;

// A worker blocked a source (auth-failures, block-source): recorded for `show blocked-sources`
// and handed to every worker (the one that caught it has it already; a repeat only extends).
void note_block(Daemon& d, const dp::Event& e) {
  const auto pol = d.policy_of(e.generation);
  const uint64_t block_s = pol ? pol->model().failed_auth.block_s : 900;
  const uint64_t until = e.ts_ns + block_s * 1'000'000'000ull;
  {
    std::lock_guard<std::mutex> g(d.blocked_mu);
    if (d.blocked.size() < Daemon::kMaxBlocked || d.blocked.count(e.src)) {
      Daemon::Block& b = d.blocked[e.src];
      b.since_ns = e.ts_ns;
      b.until_ns = std::max(b.until_ns, until);
      b.failures = e.count;
      b.service = pol && e.service < pol->services().size() ? pol->services()[e.service].name : "";
    }
  }
  for (auto& q : d.source_pending)
    if (q.size() < kMaxPending) q.push_back({dp::SourceCommand::Block, e.src, until});
}

// The control socket's clears, then every worker's pending commands, as far as its ring takes
// them (the rest waits for the next round: the control thread never blocks on a worker).
void hand_source_commands(Daemon& d) {
  {
    std::lock_guard<std::mutex> g(d.blocked_mu);
    for (const auto& c : d.source_requests)
      for (auto& q : d.source_pending)
        if (q.size() < kMaxPending || c.op != dp::SourceCommand::Block) q.push_back(c);
    d.source_requests.clear();
  }
  for (size_t i = 0; i < d.source_pending.size(); ++i) {
    auto& q = d.source_pending[i];
    while (!q.empty() && d.dp.workers[i]->source_commands.push(q.front())) q.pop_front();
  }
}

}  // namespace

void stop_syslog(Daemon& d) {
  std::unique_ptr<mgmt::SyslogSender> sl;
  {
    std::lock_guard<std::mutex> g(d.syslog_mu);
    sl = std::move(d.syslog);
  }
  if (sl) sl->stop(std::chrono::milliseconds(1000));
}

void control_main(Daemon& d, std::atomic<bool>& stop) {
  const std::string& path = d.opt.events_path;
  std::error_code ec;
  if (std::filesystem::path ep(path); ep.has_parent_path())
    std::filesystem::create_directories(ep.parent_path(), ec);
  std::ofstream log(path, std::ios::app);
  if (!log) std::fprintf(stderr, "printwalld: cannot write %s; events are dropped\n", path.c_str());
  std::string link[3];
  auto last_link = std::chrono::steady_clock::time_point{};
  uint64_t seen_generation = 0;
  dp::Event e;
  d.source_pending.resize(d.dp.workers.size());
  for (;;) {
    bool any = false;
    for (auto& w : d.dp.workers)
      while (w->events.pop(e)) {
        any = true;
        if (e.action == dp::EventAction::Block) note_block(d, e);
        const auto pol = d.policy_of(e.generation);
        std::string line = dp::event_json(e, {pol.get(), host_of(pol.get())});
        if (log) log << line << '\n';
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded()) {
          d.events_log.append(j);
          if (d.server) d.server->publish_event(j);
          to_syslog(d, j, false);
        }
      }
    std::deque<nlohmann::json> audit;
    {
      std::lock_guard<std::mutex> g(d.audit_mu);
      audit.swap(d.audit_pending);
    }
    for (auto& a : audit) {
      any = true;
      a["host"] = host_of(d.policy_of(d.generation.load()).get());
      if (log) log << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      to_syslog(d, a, true);
    }
    if (uint64_t g = d.generation.load(); g != seen_generation) {
      seen_generation = g;
      if (auto pol = d.policy_of(g)) {
        update_syslog(d, pol->model());
        update_metrics(d, pol->model());
      }
    }
    if (any && log) {
      log.flush();
      if (static_cast<uint64_t>(log.tellp()) > kEventLogBytes) rotate_event_log(log, path);
    }
    hand_source_commands(d);
    if (stop && !any) break;
    if (d.reload.exchange(false)) reload_file(d);
    auto now = std::chrono::steady_clock::now();
    if (now - last_link > std::chrono::seconds(1)) {
      last_link = now;
      for (int r = 0; r < 3; ++r) {
        const dp::DpdkPort& p = d.dp.ports[r];
        if (!p.present()) continue;
        std::string l = dp::link_text(p);
        if (l != link[r]) std::fprintf(stderr, "printwalld: %s port %s: link %s\n", p.role, p.device.c_str(), l.c_str());
        link[r] = l;
      }
    }
    if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace pw::daemon
