#include "dataplane/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "dataplane/dispatch_hash.h"

namespace pw::dp {

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

const char* to_string(Dispatch d) {
  return d == Dispatch::Single ? "single" : d == Dispatch::Rss ? "rss" : "software";
}

uint64_t Latency::samples() const {
  uint64_t total = 0;
  for (uint64_t k : n) total += k;
  return total;
}

uint64_t Latency::quantile(double q) const {
  const uint64_t total = samples();
  if (!total) return 0;
  uint64_t want = static_cast<uint64_t>(q * static_cast<double>(total - 1)), seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += n[b];
    if (seen > want) return (low(b) + (b + 1 < kBuckets ? low(b + 1) : low(b))) / 2;
  }
  return 0;
}

WorkerStats& WorkerStats::operator+=(const WorkerStats& o) {
  pipeline += o.pipeline;
  tx_dropped += o.tx_dropped;
  mirror_dropped += o.mirror_dropped;
  alloc_failed += o.alloc_failed;
  flows += o.flows;
  bursts += o.bursts;
  latency += o.latency;
  return *this;
}

WorkerStats WorkerStats::since(const WorkerStats& base) const {
  WorkerStats a = *this;
  a.pipeline -= base.pipeline;
  a.tx_dropped -= base.tx_dropped;
  a.mirror_dropped -= base.mirror_dropped;
  a.alloc_failed -= base.alloc_failed;
  return a;
}

void Published::write(const WorkerStats& s) {
  uint32_t q = seq_.load(std::memory_order_relaxed);
  seq_.store(q + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  std::memcpy(static_cast<void*>(&s_), &s, sizeof s);
  seq_.store(q + 2, std::memory_order_release);
}

WorkerStats Published::read() const {
  WorkerStats out;
  for (;;) {
    uint32_t a = seq_.load(std::memory_order_acquire);
    std::memcpy(static_cast<void*>(&out), &s_, sizeof out);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (!(a & 1) && a == seq_.load(std::memory_order_relaxed)) return out;
    std::this_thread::yield();
  }
}

uint16_t TxPath::send(rte_mbuf** m, uint16_t n) const {
  if (ring) return static_cast<uint16_t>(rte_ring_sp_enqueue_burst(ring, reinterpret_cast<void**>(m), n, nullptr));
  return rte_eth_tx_burst(port, queue, m, n);
}

namespace {

// The RX timestamp of each mbuf (a dynamic field): set when a burst is received, read when it
// is transmitted; 0 for frames the gateway builds (RST, mirror copies).
int g_rx_tsc_offset = -1;
inline uint64_t& rx_tsc(rte_mbuf* m) { return *RTE_MBUF_DYNFIELD(m, g_rx_tsc_offset, uint64_t*); }
void stamp(rte_mbuf** m, uint16_t n) {
  const uint64_t t = rte_rdtsc();
  for (uint16_t i = 0; i < n; ++i) rx_tsc(m[i]) = t;
}
void measure(Latency& l, rte_mbuf** m, uint16_t n) {
  const uint64_t t = rte_rdtsc();
  for (uint16_t i = 0; i < n; ++i)
    if (uint64_t r = rx_tsc(m[i])) l.add(t - r);
}

// The pipeline's output for one burst: forwarded input mbufs and built frames queued per port,
// mirror copies to the port or the writer's ring, events to the worker's ring; sent at end().
class Sink : public PipelineSink {
 public:
  Sink(rte_mempool* pool, const TxPath (&tx)[3], MirrorQueue* mq, EventRing& events, WorkerStats& st)
      : pool_(pool), mq_(mq), events_(events), st_(st) {
    for (int i = 0; i < 3; ++i) tx_[i] = tx[i];
  }

  void begin(rte_mbuf** rx, uint16_t n) {
    rx_ = rx;
    n_ = n;
    std::fill(forwarded_, forwarded_ + n, false);
  }
  void forward_input(size_t i, Side egress) override {
    forwarded_[i] = true;
    enqueue(egress == Side::Outside ? kOutside : kInside, rx_[i]);
  }
  void emit(std::span<const uint8_t> f, Side egress, uint64_t) override {
    if (rte_mbuf* m = copy(f)) enqueue(egress == Side::Outside ? kOutside : kInside, m);
  }
  void mirror(std::span<const uint8_t> f, uint64_t ts) override {
    if (mq_) {
      if (!mq_->push(f, ts)) ++st_.mirror_dropped;
      return;
    }
    if (!tx_[kMirror].present()) return;
    if (n_tx_[kMirror] == kQueue) {
      ++st_.mirror_dropped;
      return;
    }
    if (rte_mbuf* m = copy(f)) q_[kMirror][n_tx_[kMirror]++] = m;
  }
  bool event(const Event& e) override { return events_.push(e); }

  void end() {
    for (uint16_t i = 0; i < n_; ++i)
      if (!forwarded_[i]) rte_pktmbuf_free(rx_[i]);
    for (int r = 0; r < 3; ++r) {
      uint16_t n = n_tx_[r];
      if (!n) continue;
      if (r != kMirror && !tx_[r].ring) measure(st_.latency, q_[r], n);
      uint16_t sent = tx_[r].send(q_[r], n);
      if (sent < n) {
        rte_pktmbuf_free_bulk(q_[r] + sent, n - sent);
        (r == kMirror ? st_.mirror_dropped : st_.tx_dropped) += n - sent;
      }
      n_tx_[r] = 0;
    }
  }

 private:
  static constexpr uint16_t kQueue = kMaxBurst * 2;
  rte_mbuf* copy(std::span<const uint8_t> f) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    char* p = m ? rte_pktmbuf_append(m, static_cast<uint16_t>(f.size())) : nullptr;
    if (!p) {
      if (m) rte_pktmbuf_free(m);
      ++st_.alloc_failed;
      return nullptr;
    }
    std::memcpy(p, f.data(), f.size());
    rx_tsc(m) = 0;
    return m;
  }
  void enqueue(Role r, rte_mbuf* m) {
    if (n_tx_[r] == kQueue) {
      rte_pktmbuf_free(m);
      ++st_.tx_dropped;
      return;
    }
    q_[r][n_tx_[r]++] = m;
  }

  rte_mempool* pool_;
  TxPath tx_[3];
  MirrorQueue* mq_;
  EventRing& events_;
  WorkerStats& st_;
  rte_mbuf** rx_ = nullptr;
  uint16_t n_ = 0;
  bool forwarded_[kMaxBurst] = {};
  rte_mbuf* q_[3][kQueue] = {};
  uint16_t n_tx_[3] = {};
};

// Waits (bounded) until every worker has answered its request; false if one did not.
bool await_workers(Dataplane& d) {
  bool all = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (auto& w : d.workers) {
    while (w->request.load(std::memory_order_acquire) != Worker::kDone &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    all &= w->request.load(std::memory_order_acquire) == Worker::kDone;
  }
  return all;
}

}  // namespace

bool register_rx_timestamp(std::string* err) {
  static const rte_mbuf_dynfield kRxTsc = {"printwall_rx_tsc", sizeof(uint64_t), alignof(uint64_t), 0};
  g_rx_tsc_offset = rte_mbuf_dynfield_register(&kRxTsc);
  if (g_rx_tsc_offset >= 0) return true;
  *err = std::string("cannot register an mbuf field: ") + rte_strerror(rte_errno);
  return false;
}

int worker_main(void* arg) {
  Worker& w = *static_cast<Worker*>(arg);
  Dataplane& d = *w.dataplane;
  WorkerStats st;
  Sink sink(d.pool, w.tx, w.mirror_queue, w.events, st);
  rte_rcu_qsbr_thread_register(d.qs, w.id);
  rte_rcu_qsbr_thread_online(d.qs, w.id);
  const policy::CompiledPolicy* cur = nullptr;
  rte_mbuf* rx[kMaxBurst];
  Frame frames[kMaxBurst];
  const uint16_t burst = d.burst;
  uint64_t idle = 0, last_publish = 0;
  auto side_of = [&](uint16_t port) {
    return port == d.ports[kOutside].id ? Side::Outside : Side::Inside;
  };
  auto run = [&](uint16_t n) {
    uint64_t t = now_ns();
    for (uint16_t i = 0; i < n; ++i) {
      Side side = side_of(rx[i]->port);
      // Multi-segment frames (jumbo) are not expected on these ports: linearise or drop.
      if (rx[i]->nb_segs > 1 && rte_pktmbuf_linearize(rx[i]) != 0) {
        frames[i] = {{}, t, side};
        continue;
      }
      frames[i] = {{rte_pktmbuf_mtod(rx[i], const uint8_t*), rx[i]->data_len}, t, side};
    }
    sink.begin(rx, n);
    w.pipeline->process({frames, n}, sink);
    sink.end();
  };
  auto publish = [&] {
    st.pipeline = w.pipeline->counters();
    st.flows = w.pipeline->flows().size();
    w.published.write(st);
  };
  while (!d.stop.load(std::memory_order_relaxed)) {
    const policy::CompiledPolicy* p = d.policy.load(std::memory_order_acquire);
    if (p != cur) {
      w.pipeline->set_policy(p);
      cur = p;
    }
    bool any = false;
    if (w.in) {
      uint16_t n = static_cast<uint16_t>(
          rte_ring_sc_dequeue_burst(w.in, reinterpret_cast<void**>(rx), burst, nullptr));
      if (n) {
        any = true;
        run(n);
      }
    } else {
      for (int r = kOutside; r <= kInside; ++r) {
        uint16_t n = rte_eth_rx_burst(d.ports[r].id, w.rx_queue, rx, burst);
        if (!n) continue;
        stamp(rx, n);
        any = true;
        run(n);
      }
    }
    ++st.bursts;
    for (SourceCommand c; w.source_commands.pop(c);) {
      if (c.op == SourceCommand::Block) w.pipeline->block_source(c.src, c.until_ns);
      if (c.op == SourceCommand::Unblock) w.pipeline->unblock_source(c.src);
      if (c.op == SourceCommand::UnblockAll) w.pipeline->unblock_all();
    }
    if (int r = w.request.load(std::memory_order_acquire); r == Worker::kList) {
      w.cursor = w.pipeline->summarize_flows(w.cursor, 4096, w.flows, w.max_flows);
      if (w.cursor >= w.pipeline->flows().capacity()) w.request.store(Worker::kDone, std::memory_order_release);
    } else if (r == Worker::kClear) {
      w.pipeline->clear_flows();
      w.request.store(Worker::kDone, std::memory_order_release);
    }
    rte_rcu_qsbr_quiescent(d.qs, w.id);
    uint64_t now = 0;
    if (any) {
      idle = 0;
    } else if (++idle > 256) {
      // Idle: offline for RCU while napping (a commit need not wait for us), housekeeping.
      now = now_ns();
      if (idle % 64 == 0) {
        sink.begin(rx, 0);
        w.pipeline->housekeeping(now, sink);
        sink.end();
      }
      rte_rcu_qsbr_thread_offline(d.qs, w.id);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      rte_rcu_qsbr_thread_online(d.qs, w.id);
    }
    if ((st.bursts & 63) == 0 || now) {
      if (!now) now = now_ns();
      if (now - last_publish > 1'000'000) {
        publish();
        last_publish = now;
      }
    }
  }
  publish();
  rte_rcu_qsbr_thread_offline(d.qs, w.id);
  rte_rcu_qsbr_thread_unregister(d.qs, w.id);
  return 0;
}

void dispatcher_main(Dataplane& d) {
  const unsigned nw = static_cast<unsigned>(d.workers.size());
  const uint16_t burst = d.burst;
  rte_mbuf* rx[kMaxBurst];
  std::vector<std::vector<rte_mbuf*>> bucket(nw);
  for (auto& b : bucket) b.reserve(kMaxBurst);
  rte_mbuf* tx[kMaxBurst];
  uint64_t idle = 0, loops = 0;
  Latency lat;
  while (!d.stop.load(std::memory_order_relaxed)) {
    bool any = false;
    if ((++loops & 1023) == 0) {
      WorkerStats p;
      p.latency = lat;
      d.dispatcher_stats.write(p);
    }
    for (int r = kOutside; r <= kInside; ++r) {
      uint16_t n = rte_eth_rx_burst(d.ports[r].id, 0, rx, burst);
      if (!n) continue;
      any = true;
      stamp(rx, n);
      for (uint16_t i = 0; i < n; ++i) {
        uint32_t h = symmetric_hash({rte_pktmbuf_mtod(rx[i], const uint8_t*), rx[i]->data_len});
        bucket[worker_for(h, nw)].push_back(rx[i]);
      }
      for (unsigned k = 0; k < nw; ++k) {
        auto& b = bucket[k];
        if (b.empty()) continue;
        unsigned sent = rte_ring_sp_enqueue_burst(d.workers[k]->in, reinterpret_cast<void**>(b.data()),
                                                  static_cast<unsigned>(b.size()), nullptr);
        if (sent < b.size()) {
          rte_pktmbuf_free_bulk(b.data() + sent, static_cast<unsigned>(b.size() - sent));
          d.dispatch_dropped.fetch_add(b.size() - sent, std::memory_order_relaxed);
        }
        d.dispatched.fetch_add(sent, std::memory_order_relaxed);
        b.clear();
      }
    }
    for (auto& w : d.workers)
      for (int r = kOutside; r <= kMirror; ++r) {
        if (!w->back[r]) continue;
        unsigned n = rte_ring_sc_dequeue_burst(w->back[r], reinterpret_cast<void**>(tx), burst, nullptr);
        if (!n) continue;
        any = true;
        if (r != kMirror) measure(lat, tx, static_cast<uint16_t>(n));
        uint16_t sent = rte_eth_tx_burst(d.ports[r].id, 0, tx, static_cast<uint16_t>(n));
        if (sent < n) {
          rte_pktmbuf_free_bulk(tx + sent, n - sent);
          d.dispatch_tx_dropped.fetch_add(n - sent, std::memory_order_relaxed);
        }
      }
    if (any) {
      idle = 0;
    } else if (++idle > 256) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  WorkerStats p;
  p.latency = lat;
  d.dispatcher_stats.write(p);
}

WorkerStats totals(const Dataplane& d) {
  WorkerStats t;
  for (const auto& w : d.workers) t += w->published.read();
  t.latency += d.dispatcher_stats.read().latency;
  return t;
}

bool list_flows(Dataplane& d, size_t max_flows, std::vector<FlowSummary>* out) {
  for (auto& w : d.workers) {
    w->cursor = 0;
    w->max_flows = max_flows;
    w->flows.clear();
    w->request.store(Worker::kList, std::memory_order_release);
  }
  const bool complete = await_workers(d);
  for (auto& w : d.workers) {
    if (w->request.load(std::memory_order_acquire) != Worker::kDone) continue;  // leave it be
    out->insert(out->end(), w->flows.begin(), w->flows.end());
    w->flows.clear();
    w->request.store(Worker::kIdle, std::memory_order_release);
  }
  return complete;
}

void clear_flows(Dataplane& d) {
  for (auto& w : d.workers) w->request.store(Worker::kClear, std::memory_order_release);
  await_workers(d);
  for (auto& w : d.workers) w->request.store(Worker::kIdle, std::memory_order_release);
}

}  // namespace pw::dp
