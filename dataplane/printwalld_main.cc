// printwalld: the appliance daemon. DPDK ports by role (outside, inside, optional mirror), the
// fast-path pipeline between them on one or more worker lcores, events to a JSON log, mirror
// copies to a port, VXLAN, ERSPAN or a rotating pcap, counters in DPDK telemetry, SIGHUP
// re-reads the configuration, SIGTERM stops cleanly.
//
//   printwalld [EAL options] -- --config FILE [--events FILE]
//
// Lcores. With `set dataplane workers 1` the main lcore is the only worker. With N > 1 workers
// both directions of a flow must meet on one lcore: where the NICs have RSS (N queues, a hash
// over the IP addresses) each worker polls its own queue of both ports and RSS spreads with a
// symmetric key; elsewhere (af_packet, pcap, ring, null vdevs) the main lcore is a dispatcher
// that hashes the unordered address pair (dataplane/dispatch_hash.h) into one ring per worker
// and transmits what the workers hand back through rings. `set dataplane dispatch` forces one.
//
// Policy swap. A control thread (not an lcore) compiles a new configuration off the fast path,
// publishes the pointer, waits with rte_rcu_qsbr until every worker has passed a quiescent state
// (the end of a burst; an idle worker is offline) and only then retires the old generation: a
// burst sees the old or the new policy, never a mix, and no packet waits for a commit.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <cerrno>
#include <cstring>
#include <strings.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/dispatch_hash.h"
#include "dataplane/dpdk_ports.h"
#include "dataplane/mirror_output.h"
#include "dataplane/pipeline.h"
#include "mgmt/control_server.h"
#include "mgmt/local_log.h"
#include "mgmt/syslog.h"
#include "policy/loader.h"
#include "policy/config.h"
#include "protocols/inspector_registry.h"

namespace {

using namespace pw;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_signal(int sig) {
  if (sig == SIGHUP)
    g_reload = true;
  else
    g_stop = true;
}

constexpr uint16_t kMaxBurst = 512;
constexpr size_t kEventRing = 8192;
constexpr unsigned kRingSize = 4096;  // dispatcher <-> worker rings (mbufs)

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// Single-producer single-consumer ring of events: the worker never blocks; when full, events
// are counted as lost.
class EventRing {
 public:
  bool push(const dp::Event& e) {
    size_t h = head_.load(std::memory_order_relaxed);
    if (h - tail_.load(std::memory_order_acquire) == kEventRing) return false;
    slots_[h % kEventRing] = e;
    head_.store(h + 1, std::memory_order_release);
    return true;
  }
  bool pop(dp::Event& e) {
    size_t t = tail_.load(std::memory_order_relaxed);
    if (t == head_.load(std::memory_order_acquire)) return false;
    e = slots_[t % kEventRing];
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

 private:
  std::vector<dp::Event> slots_ = std::vector<dp::Event>(kEventRing);
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

// Latency the gateway adds to a forwarded frame: TSC cycles from the RX burst that received it
// to the TX burst that sends it, in a log-linear histogram (4 buckets per octave, ~19%).
struct Latency {
  static constexpr int kBuckets = 256;
  std::array<uint64_t, kBuckets> n{};
  static int bucket(uint64_t c) {
    if (c < 4) return static_cast<int>(c);
    int e = 63 - __builtin_clzll(c);
    return 4 * (e - 1) + static_cast<int>((c >> (e - 2)) & 3);
  }
  static uint64_t low(int b) { return b < 4 ? b : (uint64_t{4} + b % 4) << (b / 4 - 1); }
  void add(uint64_t cycles) { ++n[bucket(cycles)]; }
  Latency& operator+=(const Latency& o) {
    for (int b = 0; b < kBuckets; ++b) n[b] += o.n[b];
    return *this;
  }
  // The q-quantile in cycles (the middle of its bucket), 0 with no samples.
  uint64_t quantile(double q) const {
    uint64_t total = 0;
    for (uint64_t k : n) total += k;
    if (!total) return 0;
    uint64_t want = static_cast<uint64_t>(q * static_cast<double>(total - 1)), seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += n[b];
      if (seen > want) return (low(b) + (b + 1 < kBuckets ? low(b + 1) : low(b))) / 2;
    }
    return 0;
  }
};

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

// What a worker counts beside the pipeline.
struct WorkerStats {
  dp::PipelineCounters pipeline;
  uint64_t tx_dropped = 0;      // frames a TX queue or ring refused
  uint64_t mirror_dropped = 0;  // mirror copies lost (port queue full, ring full)
  uint64_t alloc_failed = 0;    // no mbuf for an injected frame or a mirror copy
  uint64_t flows = 0;           // flows in the table
  uint64_t bursts = 0;
  Latency latency;              // frames this thread transmitted

  // Sums over workers (flows: the tables' sizes add up too).
  WorkerStats& operator+=(const WorkerStats& o) {
    pipeline += o.pipeline;
    tx_dropped += o.tx_dropped;
    mirror_dropped += o.mirror_dropped;
    alloc_failed += o.alloc_failed;
    flows += o.flows;
    bursts += o.bursts;
    latency += o.latency;
    return *this;
  }
};

// A worker's counters for the other threads (control, telemetry): copied under a sequence
// lock about every millisecond, so that readers never touch the worker's own cache lines.
class Published {
 public:
  void write(const WorkerStats& s) {
    uint32_t q = seq_.load(std::memory_order_relaxed);
    seq_.store(q + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(static_cast<void*>(&s_), &s, sizeof s);
    seq_.store(q + 2, std::memory_order_release);
  }
  WorkerStats read() const {
    WorkerStats out;
    for (;;) {
      uint32_t a = seq_.load(std::memory_order_acquire);
      std::memcpy(static_cast<void*>(&out), &s_, sizeof out);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (!(a & 1) && a == seq_.load(std::memory_order_relaxed)) return out;
      std::this_thread::yield();
    }
  }

 private:
  alignas(64) std::atomic<uint32_t> seq_{0};
  WorkerStats s_;
};

// Where a worker's frames toward one port go: its own TX queue of the port, or a ring that the
// dispatcher drains (software dispatch).
struct TxPath {
  uint16_t port = UINT16_MAX;
  uint16_t queue = 0;
  rte_ring* ring = nullptr;
  bool present() const { return port != UINT16_MAX; }
  uint16_t send(rte_mbuf** m, uint16_t n) const {
    if (ring) return static_cast<uint16_t>(rte_ring_sp_enqueue_burst(ring, reinterpret_cast<void**>(m), n, nullptr));
    return rte_eth_tx_burst(port, queue, m, n);
  }
};

enum Role { kOutside = 0, kInside = 1, kMirror = 2 };

class Sink : public dp::PipelineSink {
 public:
  Sink(rte_mempool* pool, const TxPath (&tx)[3], dp::MirrorQueue* mq, EventRing& events, WorkerStats& st)
      : pool_(pool), mq_(mq), events_(events), st_(st) {
    for (int i = 0; i < 3; ++i) tx_[i] = tx[i];
  }

  void begin(rte_mbuf** rx, uint16_t n) {
    rx_ = rx;
    n_ = n;
    std::fill(forwarded_, forwarded_ + n, false);
  }
  void forward_input(size_t i, dp::Side egress) override {
    forwarded_[i] = true;
    enqueue(egress == dp::Side::Outside ? kOutside : kInside, rx_[i]);
  }
  void emit(std::span<const uint8_t> f, dp::Side egress, uint64_t) override {
    if (rte_mbuf* m = copy(f)) enqueue(egress == dp::Side::Outside ? kOutside : kInside, m);
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
  bool event(const dp::Event& e) override { return events_.push(e); }

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
  dp::MirrorQueue* mq_;
  EventRing& events_;
  WorkerStats& st_;
  rte_mbuf** rx_ = nullptr;
  uint16_t n_ = 0;
  bool forwarded_[kMaxBurst] = {};
  rte_mbuf* q_[3][kQueue] = {};
  uint16_t n_tx_[3] = {};
};

struct Worker {
  unsigned id = 0;
  unsigned lcore = 0;
  std::unique_ptr<dp::Pipeline> pipeline;
  EventRing events;
  rte_ring* in = nullptr;         // software dispatch: frames from the dispatcher
  uint16_t rx_queue = 0;          // otherwise: this queue of both ports
  rte_ring* back[3] = {};         // software dispatch: frames to the dispatcher, per port
  TxPath tx[3];
  dp::MirrorQueue* mirror_queue = nullptr;
  Published published;
  // `show flows` / `clear flows`: the control socket asks, the worker answers a slice of its
  // table per loop (never a long pause), then marks it done.
  enum : int { kIdle, kList, kClear, kDone };
  std::atomic<int> request{kIdle};
  size_t cursor = 0, max_flows = 0;
  std::vector<dp::FlowSummary> flows;
};

struct Generation {
  std::shared_ptr<const policy::CompiledPolicy> policy;
  std::string profile;
};

enum class Dispatch { Single, Rss, Software };
const char* to_string(Dispatch d) {
  return d == Dispatch::Single ? "single" : d == Dispatch::Rss ? "rss" : "software";
}

struct Daemon {
  std::string config_path, events_path;
  policy::Model model;
  dp::DpdkPort ports[3];
  rte_mempool* pool = nullptr;
  Dispatch dispatch = Dispatch::Single;
  uint16_t burst = 32;
  std::vector<std::unique_ptr<Worker>> workers;
  rte_rcu_qsbr* qs = nullptr;
  std::atomic<const policy::CompiledPolicy*> policy{nullptr};
  std::atomic<uint64_t> generation{1};
  std::atomic<uint64_t> reloads_failed{0};
  std::unique_ptr<dp::MirrorWriter> mirror_writer;
  uint64_t started_ns = 0;
  // Dispatcher counters (main lcore; read racily by telemetry, single writer).
  std::atomic<uint64_t> dispatched{0}, dispatch_dropped{0}, dispatch_tx_dropped{0};
  Published dispatcher_stats;  // its latency histogram (software dispatch transmits)
  // Policy generations that events may name (control plane only).
  std::mutex gens_mu;
  std::map<uint64_t, Generation> gens;
  std::mutex apply_mu;  // one publication at a time
  std::vector<WorkerStats> baseline;  // `clear statistics`
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
};
Daemon* g_daemon = nullptr;

struct Loaded {
  policy::Model model;
  std::shared_ptr<const policy::CompiledPolicy> policy;
};

// Parses, validates and compiles a configuration text; the errors name `name`, line and column.
bool load(const std::string& text, const std::string& name, uint64_t generation, Loaded& out,
          std::vector<std::string>* errors) {
  policy::Loaded l = policy::load_text(text, name, generation);
  for (const auto& e : l.errors) errors->push_back(e.str());
  if (!l.ok()) return false;
  out.policy = std::move(l.compiled);
  out.model = std::move(l.model);
  return true;
}

std::optional<std::string> read_file(const std::string& path, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = path + ": cannot read: " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- The worker lcores ---

int worker_main(void* arg) {
  Daemon& d = *g_daemon;
  Worker& w = *static_cast<Worker*>(arg);
  WorkerStats st;
  Sink sink(d.pool, w.tx, w.mirror_queue, w.events, st);
  rte_rcu_qsbr_thread_register(d.qs, w.id);
  rte_rcu_qsbr_thread_online(d.qs, w.id);
  const policy::CompiledPolicy* cur = nullptr;
  rte_mbuf* rx[kMaxBurst];
  dp::Frame frames[kMaxBurst];
  const uint16_t burst = d.burst;
  uint64_t idle = 0, last_publish = 0;
  auto side_of = [&](uint16_t port) {
    return port == d.ports[kOutside].id ? dp::Side::Outside : dp::Side::Inside;
  };
  auto run = [&](uint16_t n) {
    uint64_t t = now_ns();
    for (uint16_t i = 0; i < n; ++i) {
      dp::Side side = side_of(rx[i]->port);
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
  while (!g_stop.load(std::memory_order_relaxed)) {
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
        st.pipeline = w.pipeline->counters();
        st.flows = w.pipeline->flows().size();
        w.published.write(st);
        last_publish = now;
      }
    }
  }
  st.pipeline = w.pipeline->counters();
  st.flows = w.pipeline->flows().size();
  w.published.write(st);
  rte_rcu_qsbr_thread_offline(d.qs, w.id);
  rte_rcu_qsbr_thread_unregister(d.qs, w.id);
  return 0;
}

// --- The dispatcher (software dispatch, main lcore) ---

void dispatcher_main(Daemon& d) {
  const unsigned nw = static_cast<unsigned>(d.workers.size());
  const uint16_t burst = d.burst;
  rte_mbuf* rx[kMaxBurst];
  std::vector<std::vector<rte_mbuf*>> bucket(nw);
  for (auto& b : bucket) b.reserve(kMaxBurst);
  rte_mbuf* tx[kMaxBurst];
  uint64_t idle = 0, loops = 0;
  Latency lat;
  while (!g_stop.load(std::memory_order_relaxed)) {
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
        uint32_t h = dp::symmetric_hash({rte_pktmbuf_mtod(rx[i], const uint8_t*), rx[i]->data_len});
        bucket[dp::worker_for(h, nw)].push_back(rx[i]);
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

// --- Counters: totals, telemetry ---

WorkerStats totals(const Daemon& d) {
  WorkerStats t;
  for (const auto& w : d.workers) t += w->published.read();
  t.latency += d.dispatcher_stats.read().latency;
  return t;
}

void add_counters(rte_tel_data* d, const WorkerStats& s) {
  s.pipeline.for_each([&](const char* name, uint64_t v) { rte_tel_data_add_dict_u64(d, name, v); });
  rte_tel_data_add_dict_u64(d, "flows_active", s.flows);
  rte_tel_data_add_dict_u64(d, "tx_dropped", s.tx_dropped);
  rte_tel_data_add_dict_u64(d, "mirror_dropped", s.mirror_dropped);
  rte_tel_data_add_dict_u64(d, "alloc_failed", s.alloc_failed);
}

int tel_stats(const char*, const char*, rte_tel_data* out) {
  const Daemon& d = *g_daemon;
  rte_tel_data_start_dict(out);
  add_counters(out, totals(d));
  rte_tel_data_add_dict_u64(out, "dispatched", d.dispatched.load(std::memory_order_relaxed));
  rte_tel_data_add_dict_u64(out, "dispatch_dropped", d.dispatch_dropped.load(std::memory_order_relaxed));
  rte_tel_data_add_dict_u64(out, "dispatch_tx_dropped", d.dispatch_tx_dropped.load(std::memory_order_relaxed));
  rte_tel_data_add_dict_u64(out, "policy_generation", d.generation.load());
  rte_tel_data_add_dict_u64(out, "reloads_failed", d.reloads_failed.load());
  rte_tel_data_add_dict_u64(out, "workers", d.workers.size());
  rte_tel_data_add_dict_string(out, "dispatch", to_string(d.dispatch));
  rte_tel_data_add_dict_u64(out, "uptime_s", (now_ns() - d.started_ns) / 1'000'000'000ull);
  return 0;
}

int tel_lcores(const char*, const char*, rte_tel_data* out) {
  const Daemon& d = *g_daemon;
  rte_tel_data_start_dict(out);
  for (const auto& w : d.workers) {
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
  WorkerStats t = totals(*g_daemon);
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
  for (const auto& p : d.ports) {
    if (!p.present()) continue;
    rte_tel_data* c = rte_tel_data_alloc();
    if (!c) return -ENOMEM;
    rte_tel_data_start_dict(c);
    rte_eth_stats s{};
    rte_eth_stats_get(p.id, &s);
    rte_tel_data_add_dict_string(c, "device", p.device.c_str());
    rte_tel_data_add_dict_u64(c, "port_id", p.id);
    rte_tel_data_add_dict_string(c, "link", dp::link_text(p).c_str());
    rte_tel_data_add_dict_u64(c, "ipackets", s.ipackets);
    rte_tel_data_add_dict_u64(c, "opackets", s.opackets);
    rte_tel_data_add_dict_u64(c, "ibytes", s.ibytes);
    rte_tel_data_add_dict_u64(c, "obytes", s.obytes);
    rte_tel_data_add_dict_u64(c, "imissed", s.imissed);
    rte_tel_data_add_dict_u64(c, "ierrors", s.ierrors);
    rte_tel_data_add_dict_u64(c, "oerrors", s.oerrors);
    rte_tel_data_add_dict_u64(c, "rx_nombuf", s.rx_nombuf);
    rte_tel_data_add_dict_container(out, p.role, c, 0);
  }
  return 0;
}

int tel_mirror(const char*, const char*, rte_tel_data* out) {
  const Daemon& d = *g_daemon;
  rte_tel_data_start_dict(out);
  auto kind = dp::mirror_output_config(d.model).kind;
  rte_tel_data_add_dict_string(out, "output", dp::to_string(kind));
  WorkerStats t = totals(d);
  rte_tel_data_add_dict_u64(out, "mirrored", t.pipeline.mirrored);
  rte_tel_data_add_dict_u64(out, "dropped", t.mirror_dropped);
  if (d.mirror_writer) {
    dp::MirrorStats m = d.mirror_writer->stats();
    rte_tel_data_add_dict_u64(out, "queued", m.queued);
    rte_tel_data_add_dict_u64(out, "dropped_full", m.dropped_full);
    rte_tel_data_add_dict_u64(out, "truncated", m.truncated);
    rte_tel_data_add_dict_u64(out, "sent", m.sent);
    rte_tel_data_add_dict_u64(out, "send_errors", m.send_errors);
    rte_tel_data_add_dict_u64(out, "bytes_sent", m.bytes_sent);
    rte_tel_data_add_dict_u64(out, "files_rotated", m.files_rotated);
    rte_tel_data_add_dict_string(out, "last_error", d.mirror_writer->last_error().c_str());
  }
  return 0;
}

int tel_latency(const char*, const char*, rte_tel_data* out) {
  WorkerStats t = totals(*g_daemon);
  const double ns = 1e9 / static_cast<double>(rte_get_tsc_hz());
  uint64_t samples = 0;
  for (uint64_t k : t.latency.n) samples += k;
  rte_tel_data_start_dict(out);
  rte_tel_data_add_dict_u64(out, "samples", samples);
  rte_tel_data_add_dict_u64(out, "p50_ns", static_cast<uint64_t>(static_cast<double>(t.latency.quantile(0.5)) * ns));
  rte_tel_data_add_dict_u64(out, "p90_ns", static_cast<uint64_t>(static_cast<double>(t.latency.quantile(0.9)) * ns));
  rte_tel_data_add_dict_u64(out, "p99_ns", static_cast<uint64_t>(static_cast<double>(t.latency.quantile(0.99)) * ns));
  rte_tel_data_add_dict_u64(out, "p999_ns", static_cast<uint64_t>(static_cast<double>(t.latency.quantile(0.999)) * ns));
  return 0;
}

void register_telemetry() {
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

// --- The control socket's view of the dataplane ---

// Makes `text` the policy of every worker: compile off the fast path, publish, wait for RCU.
bool publish(Daemon& d, const std::string& text, const std::string& name,
             std::vector<std::string>* errors, uint64_t* generation) {
  std::lock_guard<std::mutex> g(d.apply_mu);
  uint64_t next_gen = d.generation + 1;
  Loaded next;
  if (!load(text, name, next_gen, next, errors)) {
    ++d.reloads_failed;
    return false;
  }
  {
    std::lock_guard<std::mutex> lg(d.gens_mu);
    d.gens[next_gen] = {next.policy, next.model.profile};
  }
  d.policy.store(next.policy.get(), std::memory_order_release);
  // Every worker passes a quiescent state (or is offline) before the old one is retired.
  rte_rcu_qsbr_synchronize(d.qs, RTE_QSBR_THRID_INVALID);
  d.generation = next_gen;
  {
    // Keep recent generations to name the services of queued events; older ones go.
    std::lock_guard<std::mutex> lg(d.gens_mu);
    while (d.gens.size() > 8) d.gens.erase(d.gens.begin());
  }
  std::fprintf(stderr, "printwalld: policy generation %llu in force (profile %s)\n",
               static_cast<unsigned long long>(next_gen),
               next.model.profile.empty() ? "none" : next.model.profile.c_str());
  if (generation) *generation = next_gen;
  return true;
}

nlohmann::json counters_json(const WorkerStats& s) {
  nlohmann::json j = nlohmann::json::object();
  s.pipeline.for_each([&](const char* name, uint64_t v) { j[name] = v; });
  j["flows_active"] = s.flows;
  j["tx_dropped"] = s.tx_dropped;
  j["mirror_dropped"] = s.mirror_dropped;
  j["alloc_failed"] = s.alloc_failed;
  return j;
}

// Counters since `clear statistics` (the flows in the table are a level, not a count).
WorkerStats minus(WorkerStats a, const WorkerStats& b) {
  a.pipeline -= b.pipeline;
  a.tx_dropped -= b.tx_dropped;
  a.mirror_dropped -= b.mirror_dropped;
  a.alloc_failed -= b.alloc_failed;
  return a;
}

class DaemonBackend : public mgmt::ControlBackend {
 public:
  explicit DaemonBackend(Daemon& d) : d_(d) {}

  bool apply(const std::string& text, std::vector<std::string>* errors, uint64_t* generation) override {
    return publish(d_, text, "candidate", errors, generation);
  }

  nlohmann::json statistics() override {
    nlohmann::json out;
    WorkerStats total;
    nlohmann::json workers = nlohmann::json::array();
    for (size_t i = 0; i < d_.workers.size(); ++i) {
      WorkerStats s = minus(d_.workers[i]->published.read(), d_.baseline[i]);
      nlohmann::json w = counters_json(s);
      w["worker"] = i;
      w["lcore"] = d_.workers[i]->lcore;
      workers.push_back(w);
      total += s;
    }
    out["totals"] = counters_json(total);
    out["workers"] = workers;
    nlohmann::json reasons = nlohmann::json::object();
    for (size_t r = 1; r < kReasonCount; ++r)
      if (total.pipeline.reasons.n[r]) reasons[reason_code(static_cast<Reason>(r))] = total.pipeline.reasons.n[r];
    out["reasons"] = reasons;
    out["dispatch"] = {{"mode", to_string(d_.dispatch)},
                       {"dispatched", d_.dispatched.load()},
                       {"dropped", d_.dispatch_dropped.load()},
                       {"tx_dropped", d_.dispatch_tx_dropped.load()}};
    if (d_.mirror_writer) {
      dp::MirrorStats m = d_.mirror_writer->stats();
      out["mirror"] = {{"output", dp::to_string(dp::mirror_output_config(d_.model).kind)},
                       {"sent", m.sent}, {"dropped_full", m.dropped_full},
                       {"send_errors", m.send_errors}, {"last_error", d_.mirror_writer->last_error()}};
    }
    out["events_log_dropped"] = d_.events_log.dropped();
    {
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
    }
    return out;
  }

  void clear_statistics() override {
    for (size_t i = 0; i < d_.workers.size(); ++i) d_.baseline[i] = d_.workers[i]->published.read();
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
    // Each worker lists (a slice per loop) into its buffer; collect and filter here.
    std::vector<dp::FlowSummary> all;
    bool complete = true;
    for (auto& w : d_.workers) {
      w->cursor = 0;
      w->max_flows = 100000;
      w->flows.clear();
      w->request.store(Worker::kList, std::memory_order_release);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (auto& w : d_.workers) {
      while (w->request.load(std::memory_order_acquire) != Worker::kDone &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (w->request.load(std::memory_order_acquire) != Worker::kDone) {
        complete = false;  // the worker did not answer in time: leave it be
        continue;
      }
      all.insert(all.end(), w->flows.begin(), w->flows.end());
      w->flows.clear();
      w->request.store(Worker::kIdle, std::memory_order_release);
    }
    std::shared_ptr<const policy::CompiledPolicy> pol;
    {
      std::lock_guard<std::mutex> g(d_.gens_mu);
      if (!d_.gens.empty()) pol = d_.gens.rbegin()->second.policy;
    }
    auto str = [&](const char* k) { return filter.contains(k) && filter[k].is_string() ? filter[k].get<std::string>() : std::string(); };
    std::string printer = str("printer"), proto = str("protocol"), app = str("app"), state = str("state");
    const uint64_t now = now_ns();
    nlohmann::json list = nlohmann::json::array();
    size_t matched = 0;
    for (const auto& f : all) {
      const IpAddr& prn = f.to_printers ? f.server : f.client;
      const char* pname = f.ip_proto == 6 ? "tcp" : f.ip_proto == 17 ? "udp" : (f.ip_proto == 1 || f.ip_proto == 58) ? "icmp" : "other";
      std::string st = dp::to_string(f.state);
      std::string an = f.app ? dp::NdpiClassifier::name(f.app) : "";
      if (!printer.empty() && prn.str() != printer) continue;
      if (!proto.empty() && proto != pname) continue;
      if (!app.empty() && strcasecmp(app.c_str(), an.c_str()) != 0) continue;
      if (!state.empty() && st.find(state) == std::string::npos) continue;
      if (++matched > limit) continue;
      std::string svc;
      if (pol && f.service < pol->services().size()) svc = pol->services()[f.service].name;
      list.push_back({{"proto", pname}, {"src", f.client.str()}, {"sport", f.client_port},
                      {"dst", f.server.str()}, {"dport", f.server_port}, {"vlan", f.vlan},
                      {"direction", f.to_printers ? "to-printers" : "from-printers"},
                      {"state", st}, {"service", svc}, {"app", an},
                      {"inspection", f.pass_through ? "pass-through" : f.inspected ? "inspecting" : "none"},
                      {"suspicious", f.suspicious},
                      {"packets", f.packets[0] + f.packets[1]}, {"bytes", f.bytes[0] + f.bytes[1]},
                      {"age_s", (now - std::min(now, f.created_ns)) / 1'000'000'000ull},
                      {"idle_s", (now - std::min(now, f.last_ns)) / 1'000'000'000ull}});
    }
    return {{"flows", list}, {"matched", matched}, {"truncated", matched > limit}, {"complete", complete}};
  }

  void clear_flows() override {
    for (auto& w : d_.workers) w->request.store(Worker::kClear, std::memory_order_release);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (auto& w : d_.workers) {
      while (w->request.load(std::memory_order_acquire) != Worker::kDone &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      w->request.store(Worker::kIdle, std::memory_order_release);
    }
  }

  nlohmann::json interfaces() override {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& p : d_.ports) {
      if (!p.present()) continue;
      rte_eth_stats s{};
      rte_eth_stats_get(p.id, &s);
      ports.push_back({{"role", p.role}, {"device", p.device}, {"port_id", p.id},
                       {"link", dp::link_text(p)}, {"ipackets", s.ipackets}, {"opackets", s.opackets},
                       {"ibytes", s.ibytes}, {"obytes", s.obytes}, {"imissed", s.imissed},
                       {"ierrors", s.ierrors}, {"oerrors", s.oerrors}, {"rx_nombuf", s.rx_nombuf}});
    }
    return {{"ports", ports}};
  }

  nlohmann::json system() override {
    size_t mem = 0;
    for (const auto& w : d_.workers) mem += w->pipeline->memory_bytes();
    std::string profile;
    {
      std::lock_guard<std::mutex> g(d_.gens_mu);
      if (!d_.gens.empty()) profile = d_.gens.rbegin()->second.profile;
    }
    nlohmann::json lcores = nlohmann::json::array();
    for (const auto& w : d_.workers) lcores.push_back(w->lcore);
    return {{"version", PRINTWALL_VERSION},
            {"uptime_s", (now_ns() - d_.started_ns) / 1'000'000'000ull},
            {"workers", d_.workers.size()},
            {"worker_lcores", lcores},
            {"main_lcore", rte_get_main_lcore()},
            {"dispatch", to_string(d_.dispatch)},
            {"policy_generation", d_.generation.load()},
            {"profile", profile},
            {"reloads_failed", d_.reloads_failed.load()},
            {"pipeline_memory_bytes", mem},
            {"mbufs", d_.model.dataplane.mbufs},
            {"mbufs_in_use", d_.pool ? rte_mempool_in_use_count(d_.pool) : 0u},
            {"config_file", d_.config_path}};
  }

 private:
  Daemon& d_;
};

// --- Syslog ---

// A JSON record (event or audit) as an RFC 5424 message: MSGID the reason code ("audit" for
// audit records), the record's fields as structured data, a one-line summary as MSG.
mgmt::LogRecord log_record(const nlohmann::json& j, bool audit) {
  mgmt::LogRecord r;
  r.ts_ns = 0;  // now
  std::string action = j.value("action", "");
  r.severity = audit ? mgmt::kSevNotice : action == "alert" ? mgmt::kSevNotice : mgmt::kSevWarning;
  r.msgid = audit ? "audit" : j.value("reason", "event");
  for (const auto& [k, v] : j.items()) {
    if (v.is_null()) continue;
    if (v.is_string()) {
      r.fields.emplace_back(k, v.get<std::string>());
    } else if (v.is_array()) {
      std::string joined;
      for (const auto& x : v) joined += (joined.empty() ? "" : "; ") + (x.is_string() ? x.get<std::string>() : x.dump());
      r.fields.emplace_back(k, joined);
    } else {
      r.fields.emplace_back(k, v.dump());
    }
  }
  if (audit) {
    r.msg = j.value("event", "audit") + " by " + j.value("user", "?");
  } else {
    r.msg = action + " " + j.value("reason", "") + " " + j.value("proto", "") + " " +
            (j["src_ip"].is_string() ? j["src_ip"].get<std::string>() : "-") + ":" +
            std::to_string(j.value("src_port", 0)) + " -> " +
            (j["dst_ip"].is_string() ? j["dst_ip"].get<std::string>() : "-") + ":" +
            std::to_string(j.value("dst_port", 0));
  }
  return r;
}

void to_syslog(Daemon& d, const nlohmann::json& j, bool audit) {
  std::lock_guard<std::mutex> g(d.syslog_mu);
  if (d.syslog) d.syslog->submit(log_record(j, audit));
}

// (Re)builds the syslog sender when the policy in force names other destinations.
void update_syslog(Daemon& d, const policy::Model& m) {
  mgmt::SyslogConfig c = mgmt::syslog_config(m);
  std::string key = std::to_string(c.facility) + "/" + std::to_string(c.queue_size);
  for (const auto& x : c.destinations)
    key.append(" ").append(x.str()).append("|").append(x.ca_file).append("|").append(x.server_name);
  std::unique_ptr<mgmt::SyslogSender> old;
  {
    std::lock_guard<std::mutex> g(d.syslog_mu);
    if (key == d.syslog_key && (d.syslog || c.destinations.empty())) return;
    old = std::move(d.syslog);
    d.syslog_key = key;
    if (!c.destinations.empty()) {
      d.syslog = std::make_unique<mgmt::SyslogSender>(c);
      d.syslog->start();
    }
  }
  if (old) old->stop(std::chrono::milliseconds(500));
  if (!c.destinations.empty())
    std::fprintf(stderr, "printwalld: syslog to %zu destination(s)\n", c.destinations.size());
}

// --- The control thread: events to the log, reloads, link state ---

// The JSON event log is rotated like the mirror pcap: FILE -> FILE.1 -> ... -> FILE.N, the
// oldest removed, when FILE passes kEventLogBytes.
constexpr uint64_t kEventLogBytes = 64ull << 20;
constexpr int kEventLogFiles = 5;

void rotate_event_log(std::ofstream& log, const std::string& path) {
  log.close();
  std::error_code ec;
  std::filesystem::remove(path + "." + std::to_string(kEventLogFiles), ec);
  for (int i = kEventLogFiles - 1; i >= 1; --i)
    std::filesystem::rename(path + "." + std::to_string(i), path + "." + std::to_string(i + 1), ec);
  std::filesystem::rename(path, path + ".1", ec);
  log.open(path, std::ios::app);
}

void control_main(Daemon& d, std::atomic<bool>& stop) {
  std::filesystem::path ep(d.events_path);
  std::error_code ec;
  if (ep.has_parent_path()) std::filesystem::create_directories(ep.parent_path(), ec);
  std::ofstream log(d.events_path, std::ios::app);
  if (!log) std::fprintf(stderr, "printwalld: cannot write %s; events are dropped\n", d.events_path.c_str());
  std::string link[3];
  auto last_link = std::chrono::steady_clock::time_point{};
  uint64_t seen_generation = 0;
  dp::Event e;
  for (;;) {
    bool any = false;
    for (auto& w : d.workers)
      while (w->events.pop(e)) {
        any = true;
        std::shared_ptr<const policy::CompiledPolicy> pol;
        {
          std::lock_guard<std::mutex> g(d.gens_mu);
          auto it = d.gens.find(e.generation);
          if (it != d.gens.end()) pol = it->second.policy;
        }
        std::string line = dp::event_json(e, pol.get());
        if (log) log << line << '\n';
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded()) {
          d.events_log.append(j);
          if (d.server) d.server->publish_event(j);
          to_syslog(d, j, false);
        }
      }
    std::deque<nlohmann::json> audit;
    {
      std::lock_guard<std::mutex> g(d.audit_mu);
      audit.swap(d.audit_pending);
    }
    for (const auto& a : audit) {
      any = true;
      if (log) log << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      to_syslog(d, a, true);
    }
    if (uint64_t g = d.generation.load(); g != seen_generation) {
      seen_generation = g;
      std::shared_ptr<const policy::CompiledPolicy> pol;
      {
        std::lock_guard<std::mutex> lg(d.gens_mu);
        auto it = d.gens.find(g);
        if (it != d.gens.end()) pol = it->second.policy;
      }
      if (pol) update_syslog(d, pol->model());
    }
    if (any && log) {
      log.flush();
      if (static_cast<uint64_t>(log.tellp()) > kEventLogBytes) rotate_event_log(log, d.events_path);
    }
    if (stop && !any) break;
    if (g_reload.exchange(false)) {
      // SIGHUP: the configuration file, as a commit (history, audit) by the signal's sender.
      std::string err;
      std::vector<std::string> errors;
      std::optional<std::string> text = read_file(d.config_path, &err);
      if (!text) errors.push_back(err);
      if (!text || !d.server->commit_file(*text, d.config_path, "SIGHUP", &errors)) {
        for (const auto& x : errors) std::fprintf(stderr, "%s\n", x.c_str());
        std::fprintf(stderr, "printwalld: reload failed; generation %llu stays in force\n",
                     static_cast<unsigned long long>(d.generation.load()));
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_link > std::chrono::seconds(1)) {
      last_link = now;
      for (int r = 0; r < 3; ++r) {
        if (!d.ports[r].present()) continue;
        std::string l = dp::link_text(d.ports[r]);
        if (l != link[r])
          std::fprintf(stderr, "printwalld: %s port %s: link %s\n", d.ports[r].role,
                       d.ports[r].device.c_str(), l.c_str());
        link[r] = l;
      }
    }
    if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

constexpr const char* kUsage =
    "usage: printwalld [EAL options] -- --config FILE [--events FILE] [--socket PATH]\n"
    "                  [--state-dir DIR]\n"
    "  --config FILE     configuration (set-commands): the first commit when the history is\n"
    "                    empty; SIGHUP re-reads it as a new commit\n"
    "  --events FILE     JSON event log (default /var/log/printwall/events.jsonl)\n"
    "  --socket PATH     control socket for the printwall CLI (default /run/printwall/control.sock)\n"
    "  --state-dir DIR   commit history; printwalld starts from its last commit\n"
    "                    (default /var/lib/printwall)\n"
    "  --confirm-unit-seconds N   length of a 'commit confirmed' minute (tests; default 60)\n"
    "  --control-idle-timeout N   close a CLI connection idle for N seconds, discarding its\n"
    "                    uncommitted candidate (default 900; 0: never; monitor sessions exempt)\n"
    "EAL options may also come from 'set dataplane eal-options \"...\"' when none are given;\n"
    "the devices of 'set interface outside|inside|mirror device ...' are added as --vdev\n"
    "(or PCI allow-list) arguments. 'set dataplane workers N' needs N lcores with RSS-capable\n"
    "NICs, N+1 otherwise (the main lcore dispatches); e.g. -l 0-2 or --lcores '(0-2)@(0-1)'.\n"
    "Counters: dpdk-telemetry.py, commands /printwall/stats, /printwall/lcores,\n"
    "/printwall/reasons, /printwall/ports, /printwall/mirror, /printwall/latency.\n";

int fail(const std::string& msg) {
  std::fprintf(stderr, "printwalld: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Our options follow "--"; EAL's come before it.
  int sep = -1;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      sep = i;
      break;
    }
  Daemon d;
  g_daemon = &d;
  d.events_path = "/var/log/printwall/events.jsonl";
  mgmt::ControlOptions control;
  for (int i = sep < 0 ? 1 : sep + 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--config" || a == "--events" || a == "--socket" || a == "--state-dir" ||
         a == "--confirm-unit-seconds" || a == "--control-idle-timeout") && i + 1 < argc) {
      std::string v = argv[++i];
      if (a == "--config") d.config_path = v;
      else if (a == "--events") d.events_path = v;
      else if (a == "--socket") control.socket_path = v;
      else if (a == "--state-dir") control.state_dir = v;
      else if (a == "--control-idle-timeout") control.idle_timeout = std::chrono::seconds(std::max(0, std::atoi(v.c_str())));
      else control.confirm_unit = std::chrono::seconds(std::max(1, std::atoi(v.c_str())));
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (sep >= 0) {
      std::fprintf(stderr, "printwalld: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (d.config_path.empty()) {
    std::fprintf(stderr, "printwalld: --config is required\n%s", kUsage);
    return 2;
  }
  // The configuration to start from: the last commit of the history, else the file.
  std::string err;
  std::optional<std::string> file_text = read_file(d.config_path, &err);
  if (!file_text) return fail(err);
  DaemonBackend backend(d);
  d.server = std::make_unique<mgmt::ControlServer>(control, backend, d.events_log, d.audit_log);
  std::vector<std::string> errors;
  std::string start_text = d.server->startup_text(*file_text, d.config_path, &errors);
  for (const auto& x : errors) std::fprintf(stderr, "printwalld: %s\n", x.c_str());
  const bool from_history = start_text != *file_text;
  errors.clear();
  Loaded cur;
  if (!load(start_text, from_history ? control.state_dir + "/latest" : d.config_path, 1, cur, &errors)) {
    for (const auto& x : errors) std::fprintf(stderr, "%s\n", x.c_str());
    return fail(d.config_path + ": configuration invalid, not starting");
  }
  if (from_history)
    std::fprintf(stderr, "printwalld: starting from the last commit in %s (%s is read on SIGHUP)\n",
                 control.state_dir.c_str(), d.config_path.c_str());
  d.model = cur.model;
  const auto& dev = d.model.interface_device;
  if (dev[0].empty() || dev[1].empty())
    return fail(d.config_path + ": 'interface outside device' and 'interface inside device' are required");
  dp::MirrorOutputConfig mirror_cfg = dp::mirror_output_config(d.model);

  // EAL arguments: the command line's, or the configuration's; plus the configured devices.
  std::vector<std::string> eal = {argv[0]};
  if (sep > 1) {
    for (int i = 1; i < sep; ++i) eal.emplace_back(argv[i]);
  } else {
    std::string opts = d.model.dataplane.eal_options;
    size_t p = 0;
    while (p < opts.size()) {
      size_t q = opts.find(' ', p);
      if (q == std::string::npos) q = opts.size();
      if (q > p) eal.push_back(opts.substr(p, q - p));
      p = q + 1;
    }
  }
  for (const auto& dv : dev) {
    if (dv.empty()) continue;
    bool given = false;
    for (const auto& a : eal) given |= a.find(dp::port_name(dv)) != std::string::npos;
    if (given) continue;
    eal.push_back(dp::is_pci(dv) ? "-a" : "--vdev");
    eal.push_back(dv);
  }
  std::vector<char*> eal_argv;
  for (auto& a : eal) eal_argv.push_back(a.data());
  register_telemetry();
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0)
    return fail(std::string("EAL initialisation failed: ") + rte_strerror(rte_errno));

  static const rte_mbuf_dynfield kRxTsc = {"printwall_rx_tsc", sizeof(uint64_t), alignof(uint64_t), 0};
  g_rx_tsc_offset = rte_mbuf_dynfield_register(&kRxTsc);
  if (g_rx_tsc_offset < 0) return fail(std::string("cannot register an mbuf field: ") + rte_strerror(rte_errno));

  const char* roles[3] = {"outside", "inside", "mirror"};
  for (int r = 0; r < 3; ++r) {
    d.ports[r].role = roles[r];
    d.ports[r].device = dev[r];
    std::string err;
    if (!dev[r].empty() && !dp::find_port(d.ports[r], &err)) return fail(err);
  }

  // Workers and how flows reach them; the lcores must be there.
  const unsigned nw = d.model.dataplane.workers;
  d.burst = static_cast<uint16_t>(std::min<uint32_t>(d.model.dataplane.burst, kMaxBurst));
  const std::string& want = d.model.dataplane.dispatch;
  if (nw == 1) {
    d.dispatch = Dispatch::Single;
  } else {
    std::string why;
    bool rss = dp::rss_capable(d.ports[kOutside].id, nw, &why) &&
               dp::rss_capable(d.ports[kInside].id, nw, &why);
    if (want == "rss" && !rss)
      return fail("'dataplane dispatch rss' with " + std::to_string(nw) + " workers: " + why);
    d.dispatch = (want == "software" || !rss) ? Dispatch::Software : Dispatch::Rss;
  }
  const unsigned need = d.dispatch == Dispatch::Software ? nw + 1 : nw;
  if (rte_lcore_count() < need)
    return fail("'dataplane workers " + std::to_string(nw) + "' with " + to_string(d.dispatch) +
                " dispatch needs " + std::to_string(need) + " lcores; the EAL has " +
                std::to_string(rte_lcore_count()) + " (give -l or --lcores)");

  d.pool = rte_pktmbuf_pool_create("pw_mbufs", d.model.dataplane.mbufs, 256, 0,
                                   RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (!d.pool)
    return fail("cannot create the mbuf pool (" + std::to_string(d.model.dataplane.mbufs) +
                " mbufs): " + rte_strerror(rte_errno) + "; lower 'dataplane mbufs' or give more memory (-m)");
  for (int r = 0; r < 3; ++r) {
    dp::DpdkPort& p = d.ports[r];
    if (!p.present()) continue;
    uint16_t q = d.dispatch == Dispatch::Rss ? static_cast<uint16_t>(nw) : 1;
    p.rx_queues = r == kMirror ? 1 : q;
    p.tx_queues = q;
    std::string err;
    if (!dp::start_port(p, d.pool, static_cast<uint16_t>(d.model.dataplane.rx_desc),
                        static_cast<uint16_t>(d.model.dataplane.tx_desc), d.dispatch == Dispatch::Rss, &err))
      return fail(err);
  }

  // The mirror: the port, or a writer thread for VXLAN/ERSPAN/pcap with one ring per worker.
  if (mirror_cfg.kind == dp::MirrorOutputConfig::Kind::Port && !d.ports[kMirror].present())
    return fail("'mirror output port' needs 'interface mirror device'");
  if (mirror_cfg.kind == dp::MirrorOutputConfig::Kind::Vxlan ||
      mirror_cfg.kind == dp::MirrorOutputConfig::Kind::Erspan ||
      mirror_cfg.kind == dp::MirrorOutputConfig::Kind::Pcap) {
    d.mirror_writer = std::make_unique<dp::MirrorWriter>(mirror_cfg, nw);
    std::string err;
    if (!d.mirror_writer->start(&err)) return fail("mirror output: " + err);
  }

  // RCU: one reader thread id per worker.
  size_t qs_size = rte_rcu_qsbr_get_memsize(nw);
  d.qs = static_cast<rte_rcu_qsbr*>(rte_zmalloc("pw_rcu", qs_size, RTE_CACHE_LINE_SIZE));
  if (!d.qs || rte_rcu_qsbr_init(d.qs, nw) != 0) return fail("cannot set up RCU");

  // Workers: flow table, reassembly and inspectors sharded across them.
  const dp::PipelineLimits limits = dp::PipelineLimits::from_model(d.model, nw);
  std::vector<unsigned> lcores;
  unsigned lc;
  RTE_LCORE_FOREACH_WORKER(lc) lcores.push_back(lc);
  for (unsigned i = 0; i < nw; ++i) {
    auto w = std::make_unique<Worker>();
    w->id = i;
    w->pipeline = std::make_unique<dp::Pipeline>(limits, proto::inspector_for);
    if (d.mirror_writer) w->mirror_queue = &d.mirror_writer->queue(i);
    if (d.dispatch == Dispatch::Software) {
      w->lcore = lcores[i];
      std::string n = "pw_in" + std::to_string(i);
      w->in = rte_ring_create(n.c_str(), kRingSize, static_cast<int>(rte_socket_id()),
                              RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (!w->in) return fail(std::string("cannot create ring ") + n + ": " + rte_strerror(rte_errno));
      for (int r = 0; r < 3; ++r) {
        if (!d.ports[r].present()) continue;
        std::string bn = "pw_tx" + std::to_string(i) + "_" + std::to_string(r);
        w->back[r] = rte_ring_create(bn.c_str(), kRingSize, static_cast<int>(rte_socket_id()),
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (!w->back[r]) return fail(std::string("cannot create ring ") + bn + ": " + rte_strerror(rte_errno));
        w->tx[r] = {d.ports[r].id, 0, w->back[r]};
      }
    } else {
      w->lcore = i == 0 ? rte_get_main_lcore() : lcores[i - 1];
      w->rx_queue = static_cast<uint16_t>(i);
      for (int r = 0; r < 3; ++r)
        if (d.ports[r].present()) w->tx[r] = {d.ports[r].id, static_cast<uint16_t>(i), nullptr};
    }
    d.workers.push_back(std::move(w));
  }
  d.policy.store(cur.policy.get());
  d.gens[1] = {cur.policy, d.model.profile};
  d.baseline.resize(d.workers.size());
  d.started_ns = now_ns();

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGHUP, on_signal);

  std::atomic<bool> control_stop{false};
  std::thread control_thread([&] { control_main(d, control_stop); });
  if (!d.server->start(&err)) std::fprintf(stderr, "printwalld: %s (no CLI access)\n", err.c_str());
  d.server->on_audit([&d](const nlohmann::json& rec) {
    std::lock_guard<std::mutex> g(d.audit_mu);
    if (d.audit_pending.size() < 4096) d.audit_pending.push_back(rec);
  });

  std::fprintf(stderr,
               "printwalld: forwarding %s <-> %s%s%s, %u worker%s (%s dispatch), policy generation 1 "
               "(profile %s), mirror %s\n",
               d.ports[kOutside].device.c_str(), d.ports[kInside].device.c_str(),
               d.ports[kMirror].present() ? ", mirror port " : "",
               d.ports[kMirror].present() ? d.ports[kMirror].device.c_str() : "", nw, nw == 1 ? "" : "s",
               to_string(d.dispatch), d.model.profile.empty() ? "none" : d.model.profile.c_str(),
               dp::to_string(mirror_cfg.kind));
  for (auto& w : d.workers)
    if (w->lcore != rte_get_main_lcore()) rte_eal_remote_launch(worker_main, w.get(), w->lcore);
  if (d.dispatch == Dispatch::Software)
    dispatcher_main(d);
  else
    worker_main(d.workers[0].get());
  rte_eal_mp_wait_lcore();

  // Drain what the workers handed back, then stop the control thread (it writes the last events).
  d.server->stop();
  control_stop = true;
  control_thread.join();
  {
    std::unique_ptr<mgmt::SyslogSender> sl;
    {
      std::lock_guard<std::mutex> g(d.syslog_mu);
      sl = std::move(d.syslog);
    }
    if (sl) sl->stop(std::chrono::milliseconds(1000));
  }
  WorkerStats t = totals(d);
  const auto& c = t.pipeline;
  std::fprintf(stderr,
               "printwalld: stopping: %llu frames in, %llu forwarded, %llu dropped, %llu mirrored, "
               "%llu injected, %llu events (%llu lost), %llu tx drops, %llu mirror drops, "
               "%llu dispatch drops\n",
               (unsigned long long)c.frames_in, (unsigned long long)c.forwarded,
               (unsigned long long)c.dropped, (unsigned long long)c.mirrored,
               (unsigned long long)c.injected, (unsigned long long)c.events,
               (unsigned long long)c.events_lost, (unsigned long long)(t.tx_dropped + d.dispatch_tx_dropped),
               (unsigned long long)t.mirror_dropped, (unsigned long long)d.dispatch_dropped.load());
  if (nw > 1)
    for (auto& w : d.workers) {
      WorkerStats s = w->published.read();
      std::fprintf(stderr, "printwalld: worker %u (lcore %u): %llu frames in, %llu forwarded, %llu dropped\n",
                   w->id, w->lcore, (unsigned long long)s.pipeline.frames_in,
                   (unsigned long long)s.pipeline.forwarded, (unsigned long long)s.pipeline.dropped);
    }
  if (d.mirror_writer) {
    d.mirror_writer->stop();
    dp::MirrorStats m = d.mirror_writer->stats();
    std::fprintf(stderr, "printwalld: mirror %s: %llu sent, %llu send errors, %llu ring drops\n",
                 dp::to_string(mirror_cfg.kind), (unsigned long long)m.sent,
                 (unsigned long long)m.send_errors, (unsigned long long)m.dropped_full);
  }
  for (auto& w : d.workers) {
    void* m = nullptr;
    if (w->in)
      while (rte_ring_dequeue(w->in, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    for (rte_ring* r : w->back)
      if (r)
        while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  for (const auto& p : d.ports)
    if (p.present()) {
      rte_eth_dev_stop(p.id);
      rte_eth_dev_close(p.id);
    }
  d.workers.clear();
  rte_free(d.qs);
  rte_eal_cleanup();
  return 0;
}
