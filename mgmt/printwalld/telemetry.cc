// DPDK telemetry commands (dpdk-telemetry.py): /printwall/stats, lcores, reasons, ports,
// mirror, latency. The counters are the workers' published copies: reading them never touches
// a worker's cache lines.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>
#include <utility>

#include "mgmt/printwalld/daemon.h"

namespace pw::daemon {

namespace {

Daemon* g_daemon = nullptr;  // the telemetry callbacks take no argument

void add_u64s(rte_tel_data* d, std::initializer_list<std::pair<const char*, uint64_t>> kv) {
  for (const auto& [k, v] : kv) rte_tel_data_add_dict_u64(d, k, v);
}

void add_counters(rte_tel_data* d, const dp::WorkerStats& s) {
  s.pipeline.for_each([&](const char* name, uint64_t v) { rte_tel_data_add_dict_u64(d, name, v); });
  add_u64s(d, {{"flows_active", s.flows},
               {"tx_dropped", s.tx_dropped},
               {"mirror_dropped", s.mirror_dropped},
               {"alloc_failed", s.alloc_failed}});
}

int tel_stats(const char*, const char*, rte_tel_data* out) {
  const Daemon& d = *g_daemon;
  rte_tel_data_start_dict(out);
  add_counters(out, dp::totals(d.dp));
  add_u64s(out, {{"dispatched", d.dp.dispatched.load(std::memory_order_relaxed)},
                 {"dispatch_dropped", d.dp.dispatch_dropped.load(std::memory_order_relaxed)},
                 {"dispatch_tx_dropped", d.dp.dispatch_tx_dropped.load(std::memory_order_relaxed)},
                 {"policy_generation", d.generation.load()},
                 {"reloads_failed", d.reloads_failed.load()},
                 {"workers", d.dp.workers.size()}});
  rte_tel_data_add_dict_string(out, "dispatch", to_string(d.dp.dispatch));
  rte_tel_data_add_dict_u64(out, "uptime_s", (dp::now_ns() - d.started_ns) / 1'000'000'000ull);
  return 0;
}

int tel_lcores(const char*, const char*, rte_tel_data* out) {
  const Daemon& d = *g_daemon;
  rte_tel_data_start_dict(out);
  for (const auto& w : d.dp.workers) {
    rte_tel_data* c = rte_tel_data_alloc();
    if (!c) return -ENOMEM;
    rte_tel_data_start_dict(c);
    rte_tel_data_add_dict_u64(c, "lcore", w->lcore);
    add_counters(c, w->published.read());
    std::string name = "worker" + std::to_string(w->id);
    rte_tel_data_add_dict_container(out, name.c_str(), c, 0);
  }
  return 0;
}

int tel_reasons(const char*, const char*, rte_tel_data* out) {
  dp::WorkerStats t = dp::totals(g_daemon->dp);
  rte_tel_data_start_dict(out);
  for (size_t i = 0; i < kReasonCount; ++i) {
    if (!t.pipeline.reasons.n[i]) continue;
    // Telemetry names take letters, digits and '_' (not the codes' '-'): plaintext_auth.
    std::string name = reason_code(static_cast<Reason>(i));
    std::replace(name.begin(), name.end(), '-', '_');
    rte_tel_data_add_dict_u64(out, name.c_str(), t.pipeline.reasons.n[i]);
  }
  return 0;
}

int tel_ports(const char*, const char*, rte_tel_data* out) {
  const Daemon& d = *g_daemon;
  rte_tel_data_start_dict(out);
  for (const auto& p : d.dp.ports) {
    if (!p.present()) continue;
    rte_tel_data* c = rte_tel_data_alloc();
    if (!c) return -ENOMEM;
    rte_tel_data_start_dict(c);
    rte_eth_stats s{};
    rte_eth_stats_get(p.id, &s);
    rte_tel_data_add_dict_string(c, "device", p.device.c_str());
    rte_tel_data_add_dict_u64(c, "port_id", p.id);
    rte_tel_data_add_dict_string(c, "link", dp::link_text(p).c_str());
    add_u64s(c, {{"ipackets", s.ipackets}, {"opackets", s.opackets}, {"ibytes", s.ibytes},
                 {"obytes", s.obytes}, {"imissed", s.imissed}, {"ierrors", s.ierrors},
                 {"oerrors", s.oerrors}, {"rx_nombuf", s.rx_nombuf}});
    rte_tel_data_add_dict_container(out, p.role, c, 0);
  }
  return 0;
}

int tel_mirror(const char*, const char*, rte_tel_data* out) {
  const Daemon& d = *g_daemon;
  rte_tel_data_start_dict(out);
  auto kind = dp::mirror_output_config(d.model).kind;
  rte_tel_data_add_dict_string(out, "output", dp::to_string(kind));
  dp::WorkerStats t = dp::totals(d.dp);
  rte_tel_data_add_dict_u64(out, "mirrored", t.pipeline.mirrored);
  rte_tel_data_add_dict_u64(out, "dropped", t.mirror_dropped);
  if (d.dp.mirror_writer) {
    dp::MirrorStats m = d.dp.mirror_writer->stats();
    add_u64s(out, {{"queued", m.queued}, {"dropped_full", m.dropped_full},
                   {"truncated", m.truncated}, {"sent", m.sent}, {"send_errors", m.send_errors},
                   {"bytes_sent", m.bytes_sent}, {"files_rotated", m.files_rotated}});
    rte_tel_data_add_dict_string(out, "last_error", d.dp.mirror_writer->last_error().c_str());
  }
  return 0;
}

int tel_latency(const char*, const char*, rte_tel_data* out) {
  dp::WorkerStats t = dp::totals(g_daemon->dp);
  const double ns = 1e9 / static_cast<double>(rte_get_tsc_hz());
  auto q = [&](double x) { return static_cast<uint64_t>(static_cast<double>(t.latency.quantile(x)) * ns); };
  rte_tel_data_start_dict(out);
  add_u64s(out, {{"samples", t.latency.samples()}, {"p50_ns", q(0.5)}, {"p90_ns", q(0.9)},
                 {"p99_ns", q(0.99)}, {"p999_ns", q(0.999)}});
  return 0;
}

}  // namespace

void register_telemetry(Daemon& d) {
  g_daemon = &d;
  rte_telemetry_register_cmd("/printwall/latency", tel_latency,
                             "printwall latency added per forwarded frame, RX burst to TX burst (ns)");
  rte_telemetry_register_cmd("/printwall/stats", tel_stats,
                             "printwall totals: frames, verdicts, flows, drops, policy generation");
  rte_telemetry_register_cmd("/printwall/lcores", tel_lcores, "printwall counters per worker lcore");
  rte_telemetry_register_cmd("/printwall/reasons", tel_reasons,
                             "printwall frames per drop/deny reason (docs/events.md)");
  rte_telemetry_register_cmd("/printwall/ports", tel_ports, "printwall ports by role: link, packets, errors");
  rte_telemetry_register_cmd("/printwall/mirror", tel_mirror, "printwall NIDS mirror output and its drops");
}

}  // namespace pw::daemon
