#include "mgmt/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>

#include <sstream>
#include <stdexcept>

namespace pw::mgmt {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = "printwall_" + std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add(MetricFamily& f, double v, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter)
    m.counter.value = v;
  else
    m.gauge.value = v;
  f.metric.push_back(std::move(m));
}

ClientMetric::Label worker(size_t i) { return {"worker", std::to_string(i)}; }

}  // namespace

std::vector<MetricFamily> metric_families(const MetricsSnapshot& s) {
  std::vector<MetricFamily> out;
  // The pipeline's counters (counters.def), one series per worker.
  if (!s.workers.empty()) {
    s.workers.front().pipeline.for_each([&](const char* name, uint64_t) {
      const char* desc = dp::counter_description(name);
      MetricFamily f = family(std::string(name) + "_total", desc ? desc : name, MetricType::Counter);
      for (size_t i = 0; i < s.workers.size(); ++i)
        s.workers[i].pipeline.for_each([&](const char* n, uint64_t v) {
          if (std::string_view(n) == name) add(f, static_cast<double>(v), {worker(i)});
        });
      out.push_back(std::move(f));
    });
  }
  // Every frame by reason (forwarded included), per worker: what `show statistics` lists as
  // reasons, and the drop counters every dashboard wants.
  MetricFamily reasons = family("frames_total",
                                "frames by outcome: forwarded, or the reason of a drop, reject "
                                "or report (docs/events.md)",
                                MetricType::Counter);
  for (size_t i = 0; i < s.workers.size(); ++i)
    for (size_t r = 0; r < kReasonCount; ++r)
      add(reasons, static_cast<double>(s.workers[i].pipeline.reasons.n[r]),
          {{"reason", reason_code(static_cast<Reason>(r))}, worker(i)});
  out.push_back(std::move(reasons));
  MetricFamily flows = family("flows_active", "flows in the worker's table", MetricType::Gauge);
  MetricFamily tx = family("tx_dropped_total", "frames a TX queue or ring refused",
                           MetricType::Counter);
  MetricFamily mirror = family("mirror_copies_dropped_total",
                               "mirror copies lost (port queue full, ring full)",
                               MetricType::Counter);
  MetricFamily alloc = family("alloc_failed_total",
                              "no mbuf for an injected frame or a mirror copy", MetricType::Counter);
  for (size_t i = 0; i < s.workers.size(); ++i) {
    add(flows, static_cast<double>(s.workers[i].flows), {worker(i)});
    add(tx, static_cast<double>(s.workers[i].tx_dropped), {worker(i)});
    add(mirror, static_cast<double>(s.workers[i].mirror_dropped), {worker(i)});
    add(alloc, static_cast<double>(s.workers[i].alloc_failed), {worker(i)});
  }
  for (auto* f : {&flows, &tx, &mirror, &alloc}) out.push_back(std::move(*f));

  auto single = [&out](const char* name, const char* help, MetricType t, uint64_t v) {
    MetricFamily f = family(name, help, t);
    add(f, static_cast<double>(v));
    out.push_back(std::move(f));
  };
  single("workers", "workers (lcores) of the fast path", MetricType::Gauge, s.workers.size());
  single("policy_generation", "generation of the policy in force (each commit adds one)",
         MetricType::Gauge, s.policy_generation);
  single("reloads_failed_total", "configuration reloads (SIGHUP) refused", MetricType::Counter,
         s.reloads_failed);
  single("uptime_seconds", "seconds since the daemon started", MetricType::Gauge, s.uptime_s);
  single("dispatched_total", "frames the software dispatcher handed to workers",
         MetricType::Counter, s.dispatched);
  single("dispatch_dropped_total", "frames the dispatcher could not hand to a worker",
         MetricType::Counter, s.dispatch_dropped);
  single("dispatch_tx_dropped_total", "frames the dispatcher could not transmit",
         MetricType::Counter, s.dispatch_tx_dropped);
  single("event_log_dropped_total", "records the in-memory event log dropped (oldest first)",
         MetricType::Counter, s.events_log_dropped);
  if (s.mirror) {
    single("mirror_sent_total", "frames the mirror output sent to the NIDS", MetricType::Counter,
           s.mirror_sent);
    single("mirror_dropped_full_total", "mirror frames dropped: the writer's queue was full",
           MetricType::Counter, s.mirror_dropped_full);
    single("mirror_send_errors_total", "mirror frames the output failed to send",
           MetricType::Counter, s.mirror_send_errors);
  }
  if (!s.syslog.empty()) {
    MetricFamily sent = family("syslog_sent_total", "records written to the destination",
                               MetricType::Counter);
    MetricFamily full = family("syslog_dropped_queue_full_total",
                               "records refused: the destination's queue was full",
                               MetricType::Counter);
    MetricFamily lost = family("syslog_lost_on_error_total", "records lost to write errors",
                               MetricType::Counter);
    MetricFamily errors = family("syslog_errors_total",
                                 "failed connects, handshakes, verifications and writes",
                                 MetricType::Counter);
    MetricFamily reconnects = family("syslog_reconnects_total",
                                     "connections made after the first", MetricType::Counter);
    MetricFamily up = family("syslog_connected", "1 while the destination is connected",
                             MetricType::Gauge);
    for (const auto& d : s.syslog) {
      const std::vector<ClientMetric::Label> l{{"destination", d.destination}};
      add(sent, static_cast<double>(d.sent), l);
      add(full, static_cast<double>(d.dropped_queue_full), l);
      add(lost, static_cast<double>(d.lost_on_error), l);
      add(errors, static_cast<double>(d.errors), l);
      add(reconnects, static_cast<double>(d.reconnects), l);
      add(up, d.connected ? 1 : 0, l);
    }
    for (auto* f : {&sent, &full, &lost, &errors, &reconnects, &up}) out.push_back(std::move(*f));
  }
  return out;
}

std::string metrics_text(const MetricsSnapshot& s) {
  std::ostringstream os;
  prometheus::TextSerializer().Serialize(os, metric_families(s));
  return os.str();
}

namespace {

class SnapshotCollectable : public prometheus::Collectable {
 public:
  explicit SnapshotCollectable(MetricsExporter::Source src) : src_(std::move(src)) {}
  std::vector<MetricFamily> Collect() const override { return metric_families(src_()); }

 private:
  MetricsExporter::Source src_;
};

}  // namespace

struct MetricsExporter::Impl {
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<SnapshotCollectable> collectable;
};

MetricsExporter::MetricsExporter(const std::string& address, uint16_t port, Source snapshot)
    : impl_(std::make_unique<Impl>()) {
  const bool v6 = address.find(':') != std::string::npos;
  const std::string where = (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
  try {
    // One thread answers: a scrape is a snapshot copy, and a second client waits its turn.
    impl_->exposer = std::make_unique<prometheus::Exposer>(where, 1);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen for metrics on " + where + ": " + e.what());
  }
  impl_->collectable = std::make_shared<SnapshotCollectable>(std::move(snapshot));
  impl_->exposer->RegisterCollectable(impl_->collectable);
}

MetricsExporter::~MetricsExporter() = default;

uint16_t MetricsExporter::port() const {
  auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<uint16_t>(ports.front());
}

}  // namespace pw::mgmt
