// Prometheus metrics: the daemon's counters as the text exposition format, served over HTTP
// (prometheus-cpp's exposer) at `set system metrics address A port P`. Every counter of
// dataplane/counters.def per worker, every reason of common/reasons.def per worker, and the
// daemon's own (dispatch, mirror, event log, syslog), read from the same published copies as
// `show statistics`; the metric values are counts since the start (Prometheus counters never
// go back: `clear statistics` resets only the CLI's view).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "dataplane/counters.h"

namespace prometheus {
class Exposer;
}

namespace pw::mgmt {

struct WorkerMetrics {
  dp::PipelineCounters pipeline;
  uint64_t flows = 0;  // a level (gauge)
  uint64_t tx_dropped = 0, mirror_dropped = 0, alloc_failed = 0;
};

struct SyslogMetrics {
  std::string destination;
  uint64_t sent = 0, dropped_queue_full = 0, lost_on_error = 0, errors = 0, reconnects = 0;
  bool connected = false;
};

struct MetricsSnapshot {
  std::vector<WorkerMetrics> workers;
  uint64_t policy_generation = 0;
  uint64_t reloads_failed = 0;
  uint64_t uptime_s = 0;
  uint64_t dispatched = 0, dispatch_dropped = 0, dispatch_tx_dropped = 0;
  bool mirror = false;  // a mirror output is configured
  uint64_t mirror_sent = 0, mirror_dropped_full = 0, mirror_send_errors = 0;
  uint64_t events_log_dropped = 0;
  std::vector<SyslogMetrics> syslog;
};

// The families of a snapshot, names prefixed printwall_, counters suffixed _total.
std::vector<prometheus::MetricFamily> metric_families(const MetricsSnapshot& s);
// The text exposition format of a snapshot (what a scrape returns).
std::string metrics_text(const MetricsSnapshot& s);

// The HTTP endpoint: GET /metrics calls `snapshot` and answers with its families.
class MetricsExporter {
 public:
  using Source = std::function<MetricsSnapshot()>;
  // Listens on ADDRESS:PORT (IPv6 in brackets); throws std::runtime_error naming the address
  // when it cannot bind.
  MetricsExporter(const std::string& address, uint16_t port, Source snapshot);
  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;
  // The port bound (the one asked, or the kernel's choice for port 0).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pw::mgmt
