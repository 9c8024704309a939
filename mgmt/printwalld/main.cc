// printwalld: the appliance daemon. DPDK ports by role (outside, inside, optional mirror), the
// fast-path pipeline between them on one or more worker lcores (dataplane/worker.h), events to
// a JSON log and syslog, mirror copies to a port, VXLAN, ERSPAN or a rotating pcap, counters in
// DPDK telemetry, the control socket for the printwall CLI; SIGHUP re-reads the configuration
// as a commit, SIGTERM stops cleanly. The parts: daemon.h.
//
//   printwalld [EAL options] -- --config FILE [--events FILE] [--socket PATH] [--state-dir DIR]
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "mgmt/printwalld/daemon.h"
#include "policy/loader.h"

namespace {

pw::daemon::Daemon* g_daemon = nullptr;

void on_signal(int sig) {
  if (!g_daemon) return;
  if (sig == SIGHUP)
    g_daemon->reload = true;
  else
    g_daemon->dp.stop = true;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "printwalld: %s\n", msg.c_str());
  return 1;
}

// The start failed (`why`). From the file: nothing was recorded, the administrator corrects the
// file. From the history: the configuration of the last commit that started is committed again
// (audited) and the daemon starts over from it, once; without such a commit, it says what to do.
int start_failed(pw::daemon::Daemon& d, char** argv, const std::string& why, bool from_history) {
  const std::string& file = d.opt.config_path;
  if (!from_history)
    return fail(why + "; nothing was recorded: correct " + file + " and start again");
  std::string audit;
  std::optional<uint64_t> id;
  if (!std::getenv("PRINTWALLD_FALLBACK")) id = d.server->fall_back(why, &audit);
  if (!id)
    return fail(why + "\nprintwalld: the last commit (in " + d.opt.control.state_dir +
                ") cannot start, and no earlier commit started here to fall back to: give the "
                "daemon what that commit needs, or move " + d.opt.control.state_dir +
                " aside to start from " + file);
  if (std::ofstream log(d.opt.events_path, std::ios::app); log) log << audit << '\n';
  std::fprintf(stderr,
               "printwalld: %s\nprintwalld: commit %llu restores the last configuration that "
               "started (see 'show system commit'); starting again from it\n",
               why.c_str(), static_cast<unsigned long long>(*id));
  if (d.eal_up) rte_eal_cleanup();
  // The new image starts clean: DPDK's runtime files are locked through descriptors that would
  // otherwise survive the exec and refuse the new EAL its memory.
  ::close_range(3, ~0U, 0);
  setenv("PRINTWALLD_FALLBACK", "1", 1);
  execv("/proc/self/exe", argv);
  return fail(std::string("cannot start again: ") + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pw;
  daemon::Daemon d;
  if (int rc = daemon::parse_options(argc, argv, &d.opt); rc >= 0) return rc;
  const std::string& config_path = d.opt.config_path;

  // The configuration to start from: the last commit of the history, else the file.
  std::string err;
  std::optional<std::string> file_text = daemon::read_file(config_path, &err);
  if (!file_text) return fail(err);
  std::unique_ptr<mgmt::ControlBackend> backend = daemon::make_control_backend(d);
  d.server = std::make_unique<mgmt::ControlServer>(d.opt.control, *backend, d.events_log, d.audit_log);
  std::vector<std::string> errors;
  std::string start_text = d.server->startup_text(*file_text, config_path, &errors);
  for (const auto& x : errors) std::fprintf(stderr, "printwalld: %s\n", x.c_str());
  const bool from_history = !d.server->starts_from_file();
  policy::Loaded first =
      policy::load_text(start_text, from_history ? d.opt.control.state_dir + "/latest" : config_path, 1);
  if (!first.ok()) {
    for (const auto& x : first.errors) std::fprintf(stderr, "%s\n", x.str().c_str());
    return start_failed(d, argv, (from_history ? "the last commit" : config_path) +
                                     std::string(": configuration invalid, not starting"),
                        from_history);
  }
  if (from_history)
    std::fprintf(stderr, "printwalld: starting from the last commit in %s (%s is read on SIGHUP)\n",
                 d.opt.control.state_dir.c_str(), config_path.c_str());
  d.model = first.model;
  const auto& dev = d.model.interface_device;
  if (dev[0].empty() || dev[1].empty())
    return start_failed(d, argv, "'interface outside device' and 'interface inside device' are required",
                        from_history);

  daemon::register_telemetry(d);  // before the EAL starts its telemetry thread
  if (!daemon::start_dataplane(d, first.compiled, &err)) return start_failed(d, argv, err, from_history);
  // Started: a first configuration becomes the initial commit; this one is the last that started.
  errors.clear();
  d.server->started(&errors);
  for (const auto& x : errors) std::fprintf(stderr, "printwalld: %s\n", x.c_str());

  g_daemon = &d;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGHUP, on_signal);

  std::atomic<bool> control_stop{false};
  std::thread control_thread([&] { daemon::control_main(d, control_stop); });
  if (!d.server->start(&err)) std::fprintf(stderr, "printwalld: %s (no CLI access)\n", err.c_str());
  d.server->on_audit([&d](const nlohmann::json& rec) {
    std::lock_guard<std::mutex> g(d.audit_mu);
    if (d.audit_pending.size() < 4096) d.audit_pending.push_back(rec);
  });

  const dp::Dataplane& dp = d.dp;
  const size_t nw = dp.workers.size();
  std::fprintf(stderr,
               "printwalld: forwarding %s <-> %s%s%s, %zu worker%s (%s dispatch), policy generation 1 "
               "(profile %s), mirror %s\n",
               dp.ports[dp::kOutside].device.c_str(), dp.ports[dp::kInside].device.c_str(),
               dp.ports[dp::kMirror].present() ? ", mirror port " : "",
               dp.ports[dp::kMirror].present() ? dp.ports[dp::kMirror].device.c_str() : "", nw,
               nw == 1 ? "" : "s", to_string(dp.dispatch),
               d.model.profile.empty() ? "none" : d.model.profile.c_str(),
               dp::to_string(dp::mirror_output_config(d.model).kind));
  for (auto& w : d.dp.workers)
    if (w->lcore != rte_get_main_lcore()) rte_eal_remote_launch(dp::worker_main, w.get(), w->lcore);
  if (dp.dispatch == dp::Dispatch::Software)
    dp::dispatcher_main(d.dp);
  else
    dp::worker_main(d.dp.workers[0].get());
  rte_eal_mp_wait_lcore();

  // Stop the control socket, then the control thread (it writes the last events), then syslog
  // and the metrics (a scrape reads the workers, which shutdown() releases).
  d.server->stop();
  control_stop = true;
  control_thread.join();
  daemon::stop_syslog(d);
  daemon::stop_metrics(d);
  daemon::shutdown(d);
  return 0;
}
