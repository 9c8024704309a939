// The dataplane set up from the first generation's model: the EAL (its options from the
// command line or the configuration, plus the configured devices), the ports by role, how flows
// reach the workers (RSS or software dispatch), the mbuf pool, the mirror output, RCU, and one
// pipeline per worker with its rings and queues.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <chrono>

#include "dataplane/eal_lcores.h"
#include "mgmt/printwalld/daemon.h"
#include "protocols/inspector_registry.h"

namespace pw::daemon {

namespace {

constexpr unsigned kRingSize = 4096;  // dispatcher <-> worker rings (mbufs)

// EAL arguments: the command line's, or the configuration's; plus the configured devices.
std::vector<std::string> eal_arguments(const Options& opt, const policy::Model& m) {
  std::vector<std::string> eal = {opt.argv0};
  if (!opt.eal_args.empty()) {
    eal.insert(eal.end(), opt.eal_args.begin(), opt.eal_args.end());
  } else {
    for (auto& a : dp::split_eal_options(m.dataplane.eal_options)) eal.push_back(std::move(a));
  }
  for (const auto& dv : m.interface_device) {
    if (dv.empty()) continue;
    bool given = false;
    for (const auto& a : eal) given |= a.find(dp::port_name(dv)) != std::string::npos;
    if (given) continue;
    eal.push_back(dp::is_pci(dv) ? "-a" : "--vdev");
    eal.push_back(dv);
  }
  return eal;
}

// Software dispatch: the worker's ring from the dispatcher and one back per port.
bool make_rings(dp::Dataplane& dp, dp::Worker& w, std::string* err) {
  std::string n = "pw_in" + std::to_string(w.id);
  w.in = rte_ring_create(n.c_str(), kRingSize, static_cast<int>(rte_socket_id()),
                         RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!w.in) {
    *err = "cannot create ring " + n + ": " + rte_strerror(rte_errno);
    return false;
  }
  for (int r = 0; r < 3; ++r) {
    if (!dp.ports[r].present()) continue;
    std::string bn = "pw_tx" + std::to_string(w.id) + "_" + std::to_string(r);
    w.back[r] = rte_ring_create(bn.c_str(), kRingSize, static_cast<int>(rte_socket_id()),
                                RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!w.back[r]) {
      *err = "cannot create ring " + bn + ": " + rte_strerror(rte_errno);
      return false;
    }
    w.tx[r] = {dp.ports[r].id, 0, w.back[r]};
  }
  return true;
}

}  // namespace

bool start_dataplane(Daemon& d, std::shared_ptr<const policy::CompiledPolicy> first,
                     std::string* err) {
  const policy::Model& m = d.model;
  dp::Dataplane& dp = d.dp;
  std::vector<std::string> eal = eal_arguments(d.opt, m);
  std::vector<char*> eal_argv;
  for (auto& a : eal) eal_argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    *err = std::string("EAL initialisation failed: ") + rte_strerror(rte_errno);
    return false;
  }
  d.eal_up = true;
  if (!dp::register_rx_timestamp(err)) return false;

  const char* roles[3] = {"outside", "inside", "mirror"};
  for (int r = 0; r < 3; ++r) {
    dp.ports[r].role = roles[r];
    dp.ports[r].device = m.interface_device[r];
    if (!m.interface_device[r].empty() && !dp::find_port(dp.ports[r], err)) return false;
  }

  // Workers and how flows reach them; the lcores must be there.
  const unsigned nw = m.dataplane.workers;
  dp.burst = static_cast<uint16_t>(std::min<uint32_t>(m.dataplane.burst, dp::kMaxBurst));
  if (nw == 1) {
    dp.dispatch = dp::Dispatch::Single;
  } else {
    std::string why;
    bool rss = dp::rss_capable(dp.ports[dp::kOutside].id, nw, &why) &&
               dp::rss_capable(dp.ports[dp::kInside].id, nw, &why);
    if (m.dataplane.dispatch == "rss" && !rss) {
      *err = "'dataplane dispatch rss' with " + std::to_string(nw) + " workers: " + why;
      return false;
    }
    dp.dispatch = (m.dataplane.dispatch == "software" || !rss) ? dp::Dispatch::Software : dp::Dispatch::Rss;
  }
  const unsigned need = dp.dispatch == dp::Dispatch::Software ? nw + 1 : nw;
  if (rte_lcore_count() < need) {
    *err = "'dataplane workers " + std::to_string(nw) + "' with " + to_string(dp.dispatch) +
           " dispatch needs " + std::to_string(need) + " lcores; the EAL has " +
           std::to_string(rte_lcore_count()) + " (give -l or --lcores)";
    return false;
  }

  dp.pool = rte_pktmbuf_pool_create("pw_mbufs", m.dataplane.mbufs, 256, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (!dp.pool) {
    *err = "cannot create the mbuf pool (" + std::to_string(m.dataplane.mbufs) +
           " mbufs): " + rte_strerror(rte_errno) + "; lower 'dataplane mbufs' or give more memory (-m)";
    return false;
  }
  for (int r = 0; r < 3; ++r) {
    dp::DpdkPort& p = dp.ports[r];
    if (!p.present()) continue;
    uint16_t q = dp.dispatch == dp::Dispatch::Rss ? static_cast<uint16_t>(nw) : 1;
    p.rx_queues = r == dp::kMirror ? 1 : q;
    p.tx_queues = q;
    if (!dp::start_port(p, dp.pool, static_cast<uint16_t>(m.dataplane.rx_desc),
                        static_cast<uint16_t>(m.dataplane.tx_desc), dp.dispatch == dp::Dispatch::Rss, err))
      return false;
  }

  // The mirror: the port, or a writer thread for VXLAN/ERSPAN/pcap with one ring per worker.
  const dp::MirrorOutputConfig mirror = dp::mirror_output_config(m);
  using Kind = dp::MirrorOutputConfig::Kind;
  if (mirror.kind == Kind::Port && !dp.ports[dp::kMirror].present()) {
    *err = "'mirror output port' needs 'interface mirror device'";
    return false;
  }
  if (mirror.kind == Kind::Vxlan || mirror.kind == Kind::Erspan || mirror.kind == Kind::Pcap) {
    dp.mirror_writer = std::make_unique<dp::MirrorWriter>(mirror, nw);
    if (!dp.mirror_writer->start(err)) {
      *err = "mirror output: " + *err;
      return false;
    }
  }

  // RCU: one reader thread id per worker.
  size_t qs_size = rte_rcu_qsbr_get_memsize(nw);
  dp.qs = static_cast<rte_rcu_qsbr*>(rte_zmalloc("pw_rcu", qs_size, RTE_CACHE_LINE_SIZE));
  if (!dp.qs || rte_rcu_qsbr_init(dp.qs, nw) != 0) {
    *err = "cannot set up RCU";
    return false;
  }

  // Workers: flow table, reassembly and inspectors sharded across them.
  const dp::PipelineLimits limits = dp::PipelineLimits::from_model(m, nw);
  std::vector<unsigned> lcores;
  unsigned lc;
  RTE_LCORE_FOREACH_WORKER(lc) lcores.push_back(lc);
  // Flow ids (events' flow_id) unique across workers and restarts: worker i numbers its flows
  // start + i, start + i + nw, ... from the start time in microseconds, which the ids of an
  // earlier run cannot have reached unless it opened over a million flows a second on average;
  // below 2^53 (exact in every JSON reader) until the year 2255.
  const uint64_t id_start = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count());
  for (unsigned i = 0; i < nw; ++i) {
    auto w = std::make_unique<dp::Worker>();
    w->dataplane = &dp;
    w->id = i;
    w->pipeline = std::make_unique<dp::Pipeline>(limits, proto::inspector_for);
    w->pipeline->set_flow_ids(id_start + i, nw);
    if (dp.mirror_writer) w->mirror_queue = &dp.mirror_writer->queue(i);
    if (dp.dispatch == dp::Dispatch::Software) {
      w->lcore = lcores[i];
      if (!make_rings(dp, *w, err)) return false;
    } else {
      w->lcore = i == 0 ? rte_get_main_lcore() : lcores[i - 1];
      w->rx_queue = static_cast<uint16_t>(i);
      for (int r = 0; r < 3; ++r)
        if (dp.ports[r].present()) w->tx[r] = {dp.ports[r].id, static_cast<uint16_t>(i), nullptr};
    }
    dp.workers.push_back(std::move(w));
  }
  // A discovery answer may reach another worker than its query: each reads all the tables.
  for (auto& a : dp.workers)
    for (auto& b : dp.workers) a->pipeline->read_group_queries_of(*b->pipeline);
  dp.policy.store(first.get());
  d.gens[1] = {first, m.profile};
  d.baseline.resize(dp.workers.size());
  d.started_ns = dp::now_ns();
  return true;
}

}  // namespace pw::daemon
