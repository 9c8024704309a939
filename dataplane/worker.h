// The worker loop: the lcores that run the pipeline between the DPDK ports.
//
// Lcores. With one worker the main lcore is the only worker. With N > 1 workers both
// directions of a flow must meet on one lcore: where the NICs have RSS (N queues, a hash over
// the IP addresses) each worker polls its own queue of both ports and RSS spreads with a
// symmetric key; elsewhere (af_packet, pcap, ring, null vdevs) the main lcore is a dispatcher
// that hashes the unordered address pair (dataplane/dispatch_hash.h) into one ring per worker
// and transmits what the workers hand back through rings.
//
// Policy swap. The control plane publishes a compiled policy by pointer (Dataplane::policy);
// a worker picks it up between bursts and reports a quiescent state (rte_rcu_qsbr) at the end
// of every burst (an idle worker is offline), so a burst sees the old or the new policy, never a
// mix, and the old one is retired only when every worker has passed.
//
// The loops never block, never allocate, and share no lock: events leave through a
// single-producer ring per worker, counters through a sequence-locked copy per worker.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/events.h"
#include "dataplane/io/dpdk_ports.h"
#include "dataplane/io/mirror_output.h"
#include "dataplane/pipeline.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

namespace pw::dp {

inline constexpr uint16_t kMaxBurst = 512;
enum Role { kOutside = 0, kInside = 1, kMirror = 2 };

uint64_t now_ns();  // wall clock, for event timestamps and flow ages

// A single-producer single-consumer ring of N values (a power of two): neither side blocks;
// push fails when the ring is full (the producer counts or keeps what it could not hand over).
template <typename T, size_t N>
class SpscRing {
  static_assert((N & (N - 1)) == 0, "a power of two");

 public:
  static constexpr size_t kSize = N;
  bool push(const T& v) {
    size_t h = head_.load(std::memory_order_relaxed);
    if (h - tail_.load(std::memory_order_acquire) == kSize) return false;
    slots_[h % kSize] = v;
    head_.store(h + 1, std::memory_order_release);
    return true;
  }
  bool pop(T& v) {
    size_t t = tail_.load(std::memory_order_relaxed);
    if (t == head_.load(std::memory_order_acquire)) return false;
    v = slots_[t % kSize];
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

 private:
  std::vector<T> slots_ = std::vector<T>(kSize);
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

// The worker's events to the control thread: when full, events are counted as lost.
using EventRing = SpscRing<Event, 8192>;

// The control plane's source blocks to a worker (detection failed-auth action block-source):
// a block caught by another worker, or the administrator's `clear blocked-sources`.
struct SourceCommand {
  enum Op : uint8_t { Block, Unblock, UnblockAll } op = Block;
  IpAddr src;
  uint64_t until_ns = 0;  // Block: UNIX ns
};
using SourceCommandRing = SpscRing<SourceCommand, 256>;

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
  uint64_t quantile(double q) const;
  uint64_t samples() const;
};

// What a worker counts beside the pipeline.
struct WorkerStats {
  PipelineCounters pipeline;
  uint64_t tx_dropped = 0;      // frames a TX queue or ring refused
  uint64_t mirror_dropped = 0;  // mirror copies lost (port queue full, ring full)
  uint64_t alloc_failed = 0;    // no mbuf for an injected frame or a mirror copy
  uint64_t flows = 0;           // flows in the table
  uint64_t bursts = 0;
  Latency latency;              // frames this thread transmitted

  // Sums over workers (flows: the tables' sizes add up too).
  WorkerStats& operator+=(const WorkerStats& o);
  // Counts since `base` (`clear statistics`); the flows in the table are a level, not a count.
  WorkerStats since(const WorkerStats& base) const;
};

// A worker's counters for the other threads (control, telemetry): copied under a sequence
// lock about every millisecond, so that readers never touch the worker's own cache lines.
class Published {
 public:
  void write(const WorkerStats& s);
  WorkerStats read() const;

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
  uint16_t send(rte_mbuf** m, uint16_t n) const;
};

struct Dataplane;

struct Worker {
  Dataplane* dataplane = nullptr;
  unsigned id = 0;
  unsigned lcore = 0;
  std::unique_ptr<Pipeline> pipeline;
  EventRing events;
  SourceCommandRing source_commands;  // written by the control thread only
  rte_ring* in = nullptr;         // software dispatch: frames from the dispatcher
  uint16_t rx_queue = 0;          // otherwise: this queue of both ports
  rte_ring* back[3] = {};         // software dispatch: frames to the dispatcher, per port
  TxPath tx[3];
  MirrorQueue* mirror_queue = nullptr;
  Published published;
  // `show flows` / `clear flows`: the control plane asks, the worker answers a slice of its
  // table per loop (never a long pause), then marks it done.
  enum : int { kIdle, kList, kClear, kDone };
  std::atomic<int> request{kIdle};
  size_t cursor = 0, max_flows = 0;
  std::vector<FlowSummary> flows;
};

enum class Dispatch { Single, Rss, Software };
const char* to_string(Dispatch d);

// What the lcores share: set up before they are launched, then read by the loops; the control
// plane writes only `policy` (RCU) and `stop`, and the workers' request flags.
struct Dataplane {
  DpdkPort ports[3];
  rte_mempool* pool = nullptr;
  Dispatch dispatch = Dispatch::Single;
  uint16_t burst = 32;
  std::vector<std::unique_ptr<Worker>> workers;
  rte_rcu_qsbr* qs = nullptr;
  std::atomic<const policy::CompiledPolicy*> policy{nullptr};
  std::atomic<bool> stop{false};
  std::unique_ptr<MirrorWriter> mirror_writer;  // VXLAN, ERSPAN, pcap (a port: TxPath)
  // Dispatcher counters (main lcore; single writer).
  std::atomic<uint64_t> dispatched{0}, dispatch_dropped{0}, dispatch_tx_dropped{0};
  Published dispatcher_stats;  // its latency histogram (software dispatch transmits)
};

// The RX timestamp field of the mbufs (dynamic field); once, after the EAL is up.
bool register_rx_timestamp(std::string* err);

// The loop of a worker lcore (rte_lcore_function_t: `arg` is its Worker), until `stop`.
int worker_main(void* arg);
// The software dispatcher on the main lcore, until `stop`.
void dispatcher_main(Dataplane& d);

// The workers' published counters summed, with the dispatcher's latency.
WorkerStats totals(const Dataplane& d);

// `show flows`/`clear flows`: asks every worker and waits (bounded) for their answers. False
// when a worker did not answer in time (its part is missing).
bool list_flows(Dataplane& d, size_t max_flows, std::vector<FlowSummary>* out);
void clear_flows(Dataplane& d);

}  // namespace pw::dp
