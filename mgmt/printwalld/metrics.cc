// The Prometheus exporter of printwalld: `set system metrics address A [port P]` serves
// http://A:P/metrics; each scrape reads the workers' published counters (never a worker's own
// cache lines) and the daemon's, counted since the start.
#include <cstdio>

#include "mgmt/printwalld/daemon.h"

namespace pw::daemon {

mgmt::MetricsSnapshot metrics_snapshot(Daemon& d) {
  mgmt::MetricsSnapshot s;
  for (const auto& w : d.dp.workers) {
    const dp::WorkerStats st = w->published.read();
    mgmt::WorkerMetrics m;
    m.pipeline = st.pipeline;
    m.flows = st.flows;
    m.tx_dropped = st.tx_dropped;
    m.mirror_dropped = st.mirror_dropped;
    m.alloc_failed = st.alloc_failed;
    s.workers.push_back(m);
  }
  s.policy_generation = d.generation.load();
  s.reloads_failed = d.reloads_failed.load();
  s.uptime_s = (dp::now_ns() - d.started_ns) / 1'000'000'000ull;
  s.dispatched = d.dp.dispatched.load(std::memory_order_relaxed);
  s.dispatch_dropped = d.dp.dispatch_dropped.load(std::memory_order_relaxed);
  s.dispatch_tx_dropped = d.dp.dispatch_tx_dropped.load(std::memory_order_relaxed);
  if (d.dp.mirror_writer) {
    const dp::MirrorStats m = d.dp.mirror_writer->stats();
    s.mirror = true;
    s.mirror_sent = m.sent;
    s.mirror_dropped_full = m.dropped_full;
    s.mirror_send_errors = m.send_errors;
  }
  s.events_log_dropped = d.events_log.dropped();
  std::lock_guard<std::mutex> g(d.syslog_mu);
  if (d.syslog)
    for (const auto& x : d.syslog->stats())
      s.syslog.push_back({x.destination, x.sent, x.dropped_queue_full, x.lost_on_error, x.errors,
                          x.reconnects, x.connected});
  return s;
}

void update_metrics(Daemon& d, const policy::Model& m) {
  std::string want;
  if (m.metrics.address) {
    const std::string a = m.metrics.address->str();
    want = (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" +
           std::to_string(m.metrics.port);
  }
  std::unique_ptr<mgmt::MetricsExporter> old;
  {
    std::lock_guard<std::mutex> g(d.metrics_mu);
    if (want == d.metrics_listen && (d.metrics || want.empty())) return;
    old = std::move(d.metrics);
  }
  old.reset();  // the port is free again before the new exporter binds it
  std::unique_ptr<mgmt::MetricsExporter> now;
  std::string error;
  if (m.metrics.address) {
    try {
      now = std::make_unique<mgmt::MetricsExporter>(m.metrics.address->str(), m.metrics.port,
                                                    [&d] { return metrics_snapshot(d); });
      std::fprintf(stderr, "printwalld: metrics on http://%s/metrics\n", want.c_str());
    } catch (const std::exception& e) {
      error = e.what();
      std::fprintf(stderr, "printwalld: %s; no metrics until a commit names a free address\n",
                   error.c_str());
    }
  }
  std::lock_guard<std::mutex> g(d.metrics_mu);
  d.metrics = std::move(now);
  d.metrics_listen = want;
  d.metrics_error = error;
}

void stop_metrics(Daemon& d) {
  std::unique_ptr<mgmt::MetricsExporter> m;
  {
    std::lock_guard<std::mutex> g(d.metrics_mu);
    m = std::move(d.metrics);
  }
}

}  // namespace pw::daemon
