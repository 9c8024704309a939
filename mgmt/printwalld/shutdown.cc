// The stop, after the lcores have returned and the control thread has written the last events:
// the totals reported, the mirror writer stopped, what the rings still hold freed, the ports
// stopped, the EAL released.
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdio>

#include "mgmt/printwalld/daemon.h"

namespace pw::daemon {

namespace {

using ull = unsigned long long;

void report(Daemon& d) {
  const dp::WorkerStats t = dp::totals(d.dp);
  const auto& c = t.pipeline;
  std::fprintf(stderr,
               "printwalld: stopping: %llu frames in, %llu forwarded, %llu dropped, %llu mirrored, "
               "%llu injected, %llu events (%llu lost), %llu tx drops, %llu mirror drops, "
               "%llu dispatch drops\n",
               (ull)c.frames_in, (ull)c.forwarded, (ull)c.dropped, (ull)c.mirrored, (ull)c.injected,
               (ull)c.events, (ull)c.events_lost, (ull)(t.tx_dropped + d.dp.dispatch_tx_dropped),
               (ull)t.mirror_dropped, (ull)d.dp.dispatch_dropped.load());
  if (d.dp.workers.size() > 1)
    for (auto& w : d.dp.workers) {
      dp::WorkerStats s = w->published.read();
      std::fprintf(stderr, "printwalld: worker %u (lcore %u): %llu frames in, %llu forwarded, %llu dropped\n",
                   w->id, w->lcore, (ull)s.pipeline.frames_in, (ull)s.pipeline.forwarded,
                   (ull)s.pipeline.dropped);
    }
}

void free_ring(rte_ring* r) {
  void* m = nullptr;
  if (r)
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
}

}  // namespace

void shutdown(Daemon& d) {
  report(d);
  if (d.dp.mirror_writer) {
    d.dp.mirror_writer->stop();
    dp::MirrorStats m = d.dp.mirror_writer->stats();
    std::fprintf(stderr, "printwalld: mirror %s: %llu sent, %llu send errors, %llu ring drops\n",
                 dp::to_string(dp::mirror_output_config(d.model).kind), (ull)m.sent,
                 (ull)m.send_errors, (ull)m.dropped_full);
  }
  for (auto& w : d.dp.workers) {
    free_ring(w->in);
    for (rte_ring* r : w->back) free_ring(r);
  }
  for (const auto& p : d.dp.ports)
    if (p.present()) {
      rte_eth_dev_stop(p.id);
      rte_eth_dev_close(p.id);
    }
  d.dp.workers.clear();
  rte_free(d.dp.qs);
  rte_eal_cleanup();
}

}  // namespace pw::daemon
