// The control socket's view of the dataplane: commits, statistics (since `clear statistics`),
// flows listed by the workers a slice at a time, ports and the system.
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <strings.h>

#include <algorithm>
#include <thread>

#include "dataplane/eal_lcores.h"
#include "mgmt/printwalld/daemon.h"
#include "mgmt/rfc3339.h"

namespace pw::daemon {

namespace {

nlohmann::json counters_json(const dp::WorkerStats& s) {
  nlohmann::json j = nlohmann::json::object();
  s.pipeline.for_each([&](const char* name, uint64_t v) { j[name] = v; });
  j["flows_active"] = s.flows;
  j["tx_dropped"] = s.tx_dropped;
  j["mirror_dropped"] = s.mirror_dropped;
  j["alloc_failed"] = s.alloc_failed;
  return j;
}

nlohmann::json port_json(const dp::DpdkPort& p) {
  rte_eth_stats s{};
  rte_eth_stats_get(p.id, &s);
  return {{"role", p.role}, {"device", p.device}, {"port_id", p.id},
          {"link", dp::link_text(p)}, {"ipackets", s.ipackets}, {"opackets", s.opackets},
          {"ibytes", s.ibytes}, {"obytes", s.obytes}, {"imissed", s.imissed},
          {"ierrors", s.ierrors}, {"oerrors", s.oerrors}, {"rx_nombuf", s.rx_nombuf}};
}

// One flow as `show flows` prints it, or null when `filter` leaves it out.
nlohmann::json flow_json(const dp::FlowSummary& f, const nlohmann::json& filter,
                         const policy::CompiledPolicy* pol, uint64_t now) {
  auto str = [&](const char* k) {
    return filter.contains(k) && filter[k].is_string() ? filter[k].get<std::string>() : std::string();
  };
  const IpAddr& prn = f.to_printers ? f.server : f.client;
  const char* pname = f.ip_proto == 6    ? "tcp"
                      : f.ip_proto == 17 ? "udp"
                      : (f.ip_proto == 1 || f.ip_proto == 58) ? "icmp" : "other";
  std::string st = dp::to_string(f.state);
  std::string an = f.app ? dp::NdpiClassifier::name(f.app) : "";
  if (std::string v = str("printer"); !v.empty() && prn.str() != v) return nullptr;
  if (std::string v = str("protocol"); !v.empty() && v != pname) return nullptr;
  if (std::string v = str("app"); !v.empty() && strcasecmp(v.c_str(), an.c_str()) != 0) return nullptr;
  if (std::string v = str("state"); !v.empty() && st.find(v) == std::string::npos) return nullptr;
  std::string svc;
  if (pol && f.service < pol->services().size()) svc = pol->services()[f.service].name;
  return {{"proto", pname}, {"src", f.client.str()}, {"sport", f.client_port},
          {"dst", f.server.str()}, {"dport", f.server_port}, {"vlan", f.vlan},
          {"direction", f.to_printers ? "to-printers" : "from-printers"},
          {"state", st}, {"service", svc}, {"app", an},
          {"inspection", f.pass_through ? "pass-through" : f.inspected ? "inspecting" : "none"},
          {"suspicious", f.suspicious},
          {"packets", f.packets[0] + f.packets[1]}, {"bytes", f.bytes[0] + f.bytes[1]},
          {"age_s", (now - std::min(now, f.created_ns)) / 1'000'000'000ull},
          {"idle_s", (now - std::min(now, f.last_ns)) / 1'000'000'000ull}};
}

class DaemonBackend : public mgmt::ControlBackend {
 public:
  explicit DaemonBackend(Daemon& d) : d_(d) {}

  bool apply(const std::string& text, std::vector<std::string>* errors, uint64_t* generation) override {
    return publish(d_, text, "candidate", errors, generation);
  }

  nlohmann::json statistics() override {
    nlohmann::json out;
    dp::WorkerStats total;
    nlohmann::json workers = nlohmann::json::array();
    for (size_t i = 0; i < d_.dp.workers.size(); ++i) {
      dp::WorkerStats s = d_.dp.workers[i]->published.read().since(d_.baseline[i]);
      nlohmann::json w = counters_json(s);
      w["worker"] = i;
      w["lcore"] = d_.dp.workers[i]->lcore;
      workers.push_back(w);
      total += s;
    }
    out["totals"] = counters_json(total);
    out["workers"] = workers;
    nlohmann::json reasons = nlohmann::json::object();
    for (size_t r = 1; r < kReasonCount; ++r)
      if (total.pipeline.reasons.n[r]) reasons[reason_code(static_cast<Reason>(r))] = total.pipeline.reasons.n[r];
    out["reasons"] = reasons;
    out["dispatch"] = {{"mode", to_string(d_.dp.dispatch)},
                       {"dispatched", d_.dp.dispatched.load()},
                       {"dropped", d_.dp.dispatch_dropped.load()},
                       {"tx_dropped", d_.dp.dispatch_tx_dropped.load()}};
    if (d_.dp.mirror_writer) {
      dp::MirrorStats m = d_.dp.mirror_writer->stats();
      out["mirror"] = {{"output", dp::to_string(dp::mirror_output_config(d_.model).kind)},
                       {"sent", m.sent}, {"dropped_full", m.dropped_full},
                       {"send_errors", m.send_errors}, {"last_error", d_.dp.mirror_writer->last_error()}};
    }
    out["events_log_dropped"] = d_.events_log.dropped();
    {
      std::lock_guard<std::mutex> g(d_.metrics_mu);
      if (!d_.metrics_listen.empty())
        out["metrics"] = {{"listen", d_.metrics_listen},
                          {"serving", d_.metrics != nullptr},
                          {"error", d_.metrics_error}};
    }
    std::lock_guard<std::mutex> g(d_.syslog_mu);
    if (d_.syslog) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& x : d_.syslog->stats())
        a.push_back({{"destination", x.destination}, {"sent", x.sent},
                     {"dropped_queue_full", x.dropped_queue_full}, {"lost_on_error", x.lost_on_error},
                     {"errors", x.errors}, {"reconnects", x.reconnects}, {"connected", x.connected},
                     {"last_error", x.last_error}});
      out["syslog"] = a;
    }
    return out;
  }

  void clear_statistics() override {
    for (size_t i = 0; i < d_.dp.workers.size(); ++i) d_.baseline[i] = d_.dp.workers[i]->published.read();
  }

  nlohmann::json flows(const nlohmann::json& filter) override {
    size_t limit = 100;
    if (filter.contains("limit")) {
      try {
        limit = std::stoul(filter["limit"].is_string() ? filter["limit"].get<std::string>()
                                                       : std::to_string(filter["limit"].get<long>()));
      } catch (...) {
      }
    }
    limit = std::min<size_t>(limit, 100000);
    std::vector<dp::FlowSummary> all;
    const bool complete = dp::list_flows(d_.dp, 100000, &all);
    const std::shared_ptr<const policy::CompiledPolicy> pol = d_.newest().policy;
    const uint64_t now = dp::now_ns();
    nlohmann::json list = nlohmann::json::array();
    size_t matched = 0;
    for (const auto& f : all) {
      nlohmann::json j = flow_json(f, filter, pol.get(), now);
      if (j.is_null()) continue;
      if (++matched <= limit) list.push_back(std::move(j));
    }
    return {{"flows", list}, {"matched", matched}, {"truncated", matched > limit}, {"complete", complete}};
  }

  void clear_flows() override { dp::clear_flows(d_.dp); }

  nlohmann::json blocked_sources() override {
    const uint64_t now = dp::now_ns();
    nlohmann::json list = nlohmann::json::array();
    std::lock_guard<std::mutex> g(d_.blocked_mu);
    for (auto it = d_.blocked.begin(); it != d_.blocked.end();) {
      if (it->second.until_ns <= now) {
        it = d_.blocked.erase(it);
        continue;
      }
      const Daemon::Block& b = it->second;
      auto at = [](uint64_t ns) {
        return mgmt::rfc3339_utc(std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns))));
      };
      list.push_back({{"address", it->first.str()},
                      {"since", at(b.since_ns)},
                      {"until", at(b.until_ns)},
                      {"remaining_s", (b.until_ns - now + 999'999'999ull) / 1'000'000'000ull},
                      {"failures", b.failures},
                      {"service", b.service.empty() ? nlohmann::json() : nlohmann::json(b.service)}});
      ++it;
    }
    return {{"blocked_sources", list}};
  }

  size_t clear_blocked_sources(const std::optional<IpAddr>& only) override {
    const uint64_t now = dp::now_ns();
    std::lock_guard<std::mutex> g(d_.blocked_mu);
    size_t n = 0;
    if (only) {
      auto it = d_.blocked.find(*only);
      if (it != d_.blocked.end()) {
        n = it->second.until_ns > now;
        d_.blocked.erase(it);
      }
      // Lifted on the workers even when the list had it no more (a block not yet reported).
      d_.source_requests.push_back({dp::SourceCommand::Unblock, *only, 0});
    } else {
      for (const auto& [a, b] : d_.blocked) n += b.until_ns > now;
      d_.blocked.clear();
      d_.source_requests.push_back({dp::SourceCommand::UnblockAll, {}, 0});
    }
    return n;
  }

  nlohmann::json interfaces() override {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& p : d_.dp.ports)
      if (p.present()) ports.push_back(port_json(p));
    return {{"ports", ports}};
  }

  nlohmann::json system() override {
    size_t mem = 0;
    for (const auto& w : d_.dp.workers) mem += w->pipeline->memory_bytes();
    nlohmann::json lcores = nlohmann::json::array();
    for (const auto& w : d_.dp.workers) lcores.push_back(w->lcore);
    return {{"version", PRINTWALL_VERSION},
            {"uptime_s", (dp::now_ns() - d_.started_ns) / 1'000'000'000ull},
            {"workers", d_.dp.workers.size()},
            {"worker_lcores", lcores},
            {"main_lcore", rte_get_main_lcore()},
            {"dispatch", to_string(d_.dp.dispatch)},
            {"policy_generation", d_.generation.load()},
            {"profile", d_.newest().profile},
            {"reloads_failed", d_.reloads_failed.load()},
            {"pipeline_memory_bytes", mem},
            {"mbufs", d_.model.dataplane.mbufs},
            {"mbufs_in_use", d_.dp.pool ? rte_mempool_in_use_count(d_.dp.pool) : 0u},
            {"config_file", d_.opt.config_path}};
  }

  // The next start runs the same command line: its EAL options (or, without any, the
  // candidate's `dataplane eal-options`) must give the lcores the candidate's workers need.
  std::string restart_refusal(const std::string& text) override {
    policy::ParseResult pr = policy::parse_config(text, "candidate");
    if (!pr.ok()) return {};  // apply() reports it
    policy::ModelResult mr = policy::build_model(pr.config);
    if (!mr.ok()) return {};
    const auto& dpm = mr.model.dataplane;
    const bool command_line = !d_.opt.eal_args.empty();
    const std::vector<std::string> args =
        command_line ? d_.opt.eal_args : dp::split_eal_options(dpm.eal_options);
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    const std::optional<unsigned> have = dp::eal_lcore_count(args, cpus);
    const std::string source =
        command_line ? "printwalld's command line" : "'dataplane eal-options'";
    if (!have)
      return "dataplane: the lcore option of " + source +
             " does not parse; the daemon would not start with it";
    // Several workers need a dispatcher lcore unless the ports spread flows by RSS (what these
    // ports do now is what they will do at the next start).
    const bool rss = dpm.dispatch == "rss" ||
                     (dpm.dispatch == "auto" && d_.dp.dispatch == dp::Dispatch::Rss);
    const unsigned need = dpm.workers + (dpm.workers > 1 && !rss ? 1 : 0);
    if (need > *have)
      return "dataplane workers " + std::to_string(dpm.workers) + ": the next start needs " +
             std::to_string(need) + " lcores" + (dpm.workers > 1 && !rss ? " (a dispatcher and the workers)" : "") +
             ", " + source + " gives " + std::to_string(*have) +
             "; the daemon would not start: give more lcores first (-l, --lcores), or fewer workers";
    return {};
  }

 private:
  Daemon& d_;
};

}  // namespace

std::unique_ptr<mgmt::ControlBackend> make_control_backend(Daemon& d) {
  return std::make_unique<DaemonBackend>(d);
}

}  // namespace pw::daemon
