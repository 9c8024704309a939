// printwalld, the appliance daemon: what its parts share, and one function per job. The
// dataplane (dataplane/worker.h) runs on the lcores; everything here runs beside it, on the
// main thread before launch and after stop, on the control thread, and in the control socket's
// threads.
//
//   options.cc        command line and --help
//   ports.cc          EAL, ports, mbufs, mirror output, RCU, workers: the dataplane set up
//   reload.cc         a configuration compiled off the fast path and published (commit, SIGHUP)
//   control.cc        the control socket's view of the dataplane (statistics, flows, system)
//   telemetry.cc      DPDK telemetry commands (/printwall/...)
//   control_thread.cc events and audit records to the log and syslog, reloads, link changes
//   metrics.cc        the Prometheus exporter (set system metrics): the counters per scrape
//   shutdown.cc       the stop: drain, report, release
//   main.cc           the order of it all, signals
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/worker.h"
#include "mgmt/control_server.h"
#include "mgmt/local_log.h"
#include "mgmt/metrics.h"
#include "mgmt/syslog.h"
#include "policy/compiled_policy.h"
#include "policy/policy_model.h"

namespace pw::daemon {

struct Options {
  std::string config_path;
  std::string events_path = "/var/log/printwall/events.jsonl";
  mgmt::ControlOptions control;
  std::vector<std::string> eal_args;  // before "--" (without argv[0]); empty: the configuration's
  std::string argv0 = "printwalld";
};

// A policy generation that events may name.
struct Generation {
  std::shared_ptr<const policy::CompiledPolicy> policy;
  std::string profile;
};

struct Daemon {
  Options opt;
  policy::Model model;  // of the first generation: ports, lcores, mirror output
  dp::Dataplane dp;
  std::atomic<uint64_t> generation{1};
  std::atomic<uint64_t> reloads_failed{0};
  std::atomic<bool> reload{false};  // SIGHUP
  uint64_t started_ns = 0;
  bool eal_up = false;  // rte_eal_init succeeded (rte_eal_cleanup before a restart)
  // Policy generations that events may name (control plane only).
  std::mutex gens_mu;
  std::map<uint64_t, Generation> gens;
  std::mutex apply_mu;  // one publication at a time
  std::vector<dp::WorkerStats> baseline;  // `clear statistics`
  mgmt::LocalLog events_log{40000};
  mgmt::LocalLog audit_log{40000};
  std::unique_ptr<mgmt::ControlServer> server;
  // Audit records on their way to the event log (and syslog), written by the control thread.
  std::mutex audit_mu;
  std::deque<nlohmann::json> audit_pending;
  // Events and audit records to the SIEM (RFC 5424); rebuilt when a commit changes `syslog`.
  std::mutex syslog_mu;
  std::unique_ptr<mgmt::SyslogSender> syslog;
  std::string syslog_key;  // the destinations and facility it was built for
  // The Prometheus exporter; rebuilt when a commit changes `system metrics` (control thread).
  std::mutex metrics_mu;
  std::unique_ptr<mgmt::MetricsExporter> metrics;
  std::string metrics_listen;  // ADDRESS:PORT it serves, or was asked for
  std::string metrics_error;   // why it does not serve there (bind failed), else empty

  // Sources blocked toward the printers (detection failed-auth action block-source): the
  // control thread records each block a worker reports and hands it to every worker; the
  // control socket lists them and queues clears (the control thread alone writes the workers'
  // command rings). Bounded: at most kMaxBlocked; expired ones are pruned.
  struct Block {
    uint64_t since_ns = 0, until_ns = 0;
    uint32_t failures = 0;
    std::string service;  // of the flow whose failure reached the threshold
  };
  static constexpr size_t kMaxBlocked = 65536;
  std::mutex blocked_mu;
  std::map<IpAddr, Block> blocked;
  std::deque<dp::SourceCommand> source_requests;  // clears from the control socket
  std::vector<std::deque<dp::SourceCommand>> source_pending;  // per worker (control thread)

  // The policy of generation `g` (null once it is retired), and the newest one.
  std::shared_ptr<const policy::CompiledPolicy> policy_of(uint64_t g);
  Generation newest();
};

// options.cc: -1 to go on, else the exit status (0: --help printed; 2: a usage error).
int parse_options(int argc, char** argv, Options* out);

// reload.cc
std::optional<std::string> read_file(const std::string& path, std::string* err);
// Parses, validates and compiles `text` (errors name `name`, line and column), publishes it to
// every worker and waits until none still uses the old generation.
bool publish(Daemon& d, const std::string& text, const std::string& name,
             std::vector<std::string>* errors, uint64_t* generation);

// ports.cc: false with the reason in `err`; the first policy is in force afterwards.
bool start_dataplane(Daemon& d, std::shared_ptr<const policy::CompiledPolicy> first,
                     std::string* err);

// control.cc
std::unique_ptr<mgmt::ControlBackend> make_control_backend(Daemon& d);

// telemetry.cc: registers the /printwall/... commands (before the EAL starts).
void register_telemetry(Daemon& d);

// control_thread.cc: runs until `stop` is set and nothing is left to write.
void control_main(Daemon& d, std::atomic<bool>& stop);
void stop_syslog(Daemon& d);

// metrics.cc: the counters as the exporter serves them (the same published copies as
// `show statistics`, counted since the start); (re)starts or stops the exporter for `m`.
mgmt::MetricsSnapshot metrics_snapshot(Daemon& d);
void update_metrics(Daemon& d, const policy::Model& m);
void stop_metrics(Daemon& d);

// shutdown.cc: after the lcores returned and the control thread stopped.
void shutdown(Daemon& d);

}  // namespace pw::daemon
