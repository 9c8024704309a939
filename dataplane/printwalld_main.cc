// printwalld: the appliance daemon. DPDK ports by role (outside, inside, optional mirror), the
// fast-path pipeline between them, events to a JSON log through a bounded ring and a writer
// thread, SIGHUP re-reads the configuration, SIGTERM stops cleanly.
//
//   printwalld [EAL options] -- --config FILE [--events FILE]
//
// This first version runs one worker on the main lcore (both directions of every flow on it);
// multi-lcore dispatch, the control socket, telemetry and mirror encapsulations come with the
// appliance issue.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/pipeline.h"
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

constexpr uint16_t kBurst = 32;
constexpr size_t kEventRing = 8192;

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

struct Port {
  uint16_t id = UINT16_MAX;
  std::string device;
  bool present() const { return id != UINT16_MAX; }
};

// The port name DPDK gives a device string: the vdev name before its first comma, or the PCI
// address.
std::string port_name(const std::string& device) { return device.substr(0, device.find(',')); }

bool is_pci(const std::string& d) {
  return d.size() >= 7 && d.find(':') != std::string::npos && d.find('.') != std::string::npos &&
         d.find('_') == std::string::npos;
}

class Sink : public dp::PipelineSink {
 public:
  Sink(rte_mempool* pool, Port outside, Port inside, Port mirror, EventRing& events)
      : pool_(pool), out_(outside), in_(inside), mir_(mirror), events_(events) {}

  void begin(rte_mbuf** rx, uint16_t n) {
    rx_ = rx;
    n_ = n;
    forwarded_.assign(n, false);
    tx_out_n_ = tx_in_n_ = tx_mir_n_ = 0;
  }
  void forward_input(size_t i, dp::Side egress) override {
    forwarded_[i] = true;
    enqueue(egress, rx_[i]);
  }
  void emit(std::span<const uint8_t> f, dp::Side egress, uint64_t) override {
    if (rte_mbuf* m = copy(f)) enqueue(egress, m);
  }
  void mirror(std::span<const uint8_t> f, uint64_t) override {
    if (!mir_.present()) return;
    if (tx_mir_n_ == kBurst * 4) {
      ++mirror_dropped;
      return;
    }
    if (rte_mbuf* m = copy(f)) tx_mir_[tx_mir_n_++] = m;
  }
  bool event(const dp::Event& e) override { return events_.push(e); }

  void end() {
    for (uint16_t i = 0; i < n_; ++i)
      if (!forwarded_[i]) rte_pktmbuf_free(rx_[i]);
    flush(out_, tx_out_, tx_out_n_);
    flush(in_, tx_in_, tx_in_n_);
    if (mir_.present()) mirror_dropped += flush(mir_, tx_mir_, tx_mir_n_);
  }

  uint64_t tx_dropped = 0, mirror_dropped = 0, alloc_failed = 0;

 private:
  rte_mbuf* copy(std::span<const uint8_t> f) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (!m) {
      ++alloc_failed;
      return nullptr;
    }
    char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(f.size()));
    if (!p) {
      rte_pktmbuf_free(m);
      ++alloc_failed;
      return nullptr;
    }
    std::memcpy(p, f.data(), f.size());
    return m;
  }
  void enqueue(dp::Side egress, rte_mbuf* m) {
    // Unknown ingress cannot happen on ports; send such frames nowhere.
    rte_mbuf** q = egress == dp::Side::Outside ? tx_out_ : egress == dp::Side::Inside ? tx_in_ : nullptr;
    uint16_t* n = egress == dp::Side::Outside ? &tx_out_n_ : &tx_in_n_;
    if (!q || *n == kBurst * 4) {
      rte_pktmbuf_free(m);
      ++tx_dropped;
      return;
    }
    q[(*n)++] = m;
  }
  uint64_t flush(const Port& p, rte_mbuf** q, uint16_t n) {
    uint16_t sent = n ? rte_eth_tx_burst(p.id, 0, q, n) : 0;
    for (uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(q[i]);
    if (&p != &mir_) tx_dropped += n - sent;
    return n - sent;
  }

  rte_mempool* pool_;
  Port out_, in_, mir_;
  EventRing& events_;
  rte_mbuf** rx_ = nullptr;
  uint16_t n_ = 0;
  std::vector<bool> forwarded_;
  rte_mbuf* tx_out_[kBurst * 4];
  rte_mbuf* tx_in_[kBurst * 4];
  rte_mbuf* tx_mir_[kBurst * 4];
  uint16_t tx_out_n_ = 0, tx_in_n_ = 0, tx_mir_n_ = 0;
};

bool start_port(Port& p, rte_mempool* pool, const policy::Model& m) {
  if (rte_eth_dev_get_port_by_name(port_name(p.device).c_str(), &p.id) != 0) {
    std::fprintf(stderr, "printwalld: no DPDK port for device '%s' (is it in the EAL options?)\n",
                 p.device.c_str());
    return false;
  }
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(p.id, 1, 1, &conf) != 0 ||
      rte_eth_rx_queue_setup(p.id, 0, static_cast<uint16_t>(m.dataplane.rx_desc),
                             rte_eth_dev_socket_id(p.id), nullptr, pool) != 0 ||
      rte_eth_tx_queue_setup(p.id, 0, static_cast<uint16_t>(m.dataplane.tx_desc),
                             rte_eth_dev_socket_id(p.id), nullptr) != 0 ||
      rte_eth_dev_start(p.id) != 0) {
    std::fprintf(stderr, "printwalld: cannot start port %s: %s\n", p.device.c_str(),
                 rte_strerror(rte_errno));
    return false;
  }
  rte_eth_promiscuous_enable(p.id);
  return true;
}

struct Loaded {
  policy::Model model;
  std::shared_ptr<const policy::CompiledPolicy> policy;
};

bool load(const std::string& path, uint64_t generation, Loaded& out) {
  policy::ParseResult pr = policy::load_config_file(path);
  for (const auto& e : pr.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  if (!pr.ok()) return false;
  policy::ModelResult mr = policy::build_model(pr.config);
  for (const auto& e : mr.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  if (!mr.ok()) return false;
  try {
    out.policy = policy::compile(mr.model, generation);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", path.c_str(), e.what());
    return false;
  }
  out.model = mr.model;
  return true;
}

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

constexpr const char* kUsage =
    "usage: printwalld [EAL options] -- --config FILE [--events FILE]\n"
    "  --config FILE   configuration (set-commands); SIGHUP re-reads it\n"
    "  --events FILE   JSON event log (default /var/log/printwall/events.jsonl)\n"
    "EAL options may also come from 'set dataplane eal-options \"...\"' when none are given;\n"
    "the devices of 'set interface outside|inside|mirror device ...' are added as --vdev\n"
    "(or PCI allow-list) arguments.\n";

}  // namespace

int main(int argc, char** argv) {
  // Our options follow "--"; EAL's come before it.
  int sep = -1;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      sep = i;
      break;
    }
  std::string config, events_path = "/var/log/printwall/events.jsonl";
  for (int i = sep < 0 ? 1 : sep + 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--config" || a == "--events" || a == "--socket") && i + 1 < argc) {
      if (a == "--config") config = argv[++i];
      else if (a == "--events") events_path = argv[++i];
      else ++i;  // the control socket comes with the management issue
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (sep >= 0) {
      std::fprintf(stderr, "printwalld: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (config.empty()) {
    std::fprintf(stderr, "printwalld: --config is required\n%s", kUsage);
    return 2;
  }
  Loaded cur;
  if (!load(config, 1, cur)) {
    std::fprintf(stderr, "printwalld: %s: configuration invalid, not starting\n", config.c_str());
    return 1;
  }
  const auto& dev = cur.model.interface_device;
  if (dev[0].empty() || dev[1].empty()) {
    std::fprintf(stderr, "printwalld: %s: 'interface outside device' and 'interface inside device' are required\n",
                 config.c_str());
    return 1;
  }

  // EAL arguments: the command line's, or the configuration's; plus the configured devices.
  std::vector<std::string> eal = {argv[0]};
  if (sep > 1) {
    for (int i = 1; i < sep; ++i) eal.emplace_back(argv[i]);
  } else {
    std::string opts = cur.model.dataplane.eal_options;
    size_t p = 0;
    while (p < opts.size()) {
      size_t q = opts.find(' ', p);
      if (q == std::string::npos) q = opts.size();
      if (q > p) eal.push_back(opts.substr(p, q - p));
      p = q + 1;
    }
  }
  for (const auto& d : dev) {
    if (d.empty()) continue;
    bool given = false;
    for (const auto& a : eal) given |= a.find(port_name(d)) != std::string::npos;
    if (given) continue;
    eal.push_back(is_pci(d) ? "-a" : "--vdev");
    eal.push_back(d);
  }
  std::vector<char*> eal_argv;
  for (auto& a : eal) eal_argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "printwalld: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  rte_mempool* pool = rte_pktmbuf_pool_create("pw_mbufs", cur.model.dataplane.mbufs, 256, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (!pool) {
    std::fprintf(stderr, "printwalld: cannot create the mbuf pool (%u mbufs): %s\n",
                 cur.model.dataplane.mbufs, rte_strerror(rte_errno));
    return 1;
  }
  Port out{UINT16_MAX, dev[0]}, in{UINT16_MAX, dev[1]}, mir{UINT16_MAX, dev[2]};
  if (!start_port(out, pool, cur.model) || !start_port(in, pool, cur.model) ||
      (!mir.device.empty() && !start_port(mir, pool, cur.model)))
    return 1;

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGHUP, on_signal);

  // The event writer: off the fast path, bounded ring in between.
  EventRing ring;
  std::atomic<bool> writer_stop{false};
  std::mutex policy_mu;  // the writer names services with the policy in force (reload only)
  std::shared_ptr<const policy::CompiledPolicy> writer_policy = cur.policy;
  std::thread writer([&] {
    std::ofstream log(events_path, std::ios::app);
    if (!log) std::fprintf(stderr, "printwalld: cannot write %s; events are dropped\n", events_path.c_str());
    dp::Event e;
    while (true) {
      bool any = false;
      while (ring.pop(e)) {
        any = true;
        std::shared_ptr<const policy::CompiledPolicy> p;
        {
          std::lock_guard<std::mutex> g(policy_mu);
          p = writer_policy;
        }
        if (log) log << dp::event_json(e, p.get()) << '\n';
      }
      if (any && log) log.flush();
      if (writer_stop && !any) break;
      if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });

  dp::Pipeline pipeline(dp::PipelineLimits::from_model(cur.model), proto::inspector_for);
  pipeline.set_policy(cur.policy.get());
  std::vector<std::shared_ptr<const policy::CompiledPolicy>> retired;  // kept alive (one lcore)
  Sink sink(pool, out, in, mir, ring);
  std::fprintf(stderr, "printwalld: forwarding %s <-> %s%s%s, policy generation 1 (profile %s)\n",
               out.device.c_str(), in.device.c_str(), mir.present() ? ", mirror " : "",
               mir.present() ? mir.device.c_str() : "",
               cur.model.profile.empty() ? "none" : cur.model.profile.c_str());
  rte_mbuf* rx[kBurst];
  dp::Frame frames[kBurst];
  uint64_t generation = 1;
  uint64_t idle = 0;
  while (!g_stop) {
    if (g_reload.exchange(false)) {
      Loaded next;
      if (load(config, generation + 1, next)) {
        ++generation;
        retired.push_back(cur.policy);
        cur = std::move(next);
        {
          std::lock_guard<std::mutex> g(policy_mu);
          writer_policy = cur.policy;
        }
        pipeline.set_policy(cur.policy.get());
        std::fprintf(stderr, "printwalld: policy generation %llu loaded\n",
                     static_cast<unsigned long long>(generation));
      } else {
        std::fprintf(stderr, "printwalld: reload failed; generation %llu stays in force\n",
                     static_cast<unsigned long long>(generation));
      }
    }
    bool any = false;
    for (int side = 0; side < 2; ++side) {
      const Port& p = side == 0 ? out : in;
      uint16_t n = rte_eth_rx_burst(p.id, 0, rx, kBurst);
      if (!n) continue;
      any = true;
      uint64_t t = now_ns();
      for (uint16_t i = 0; i < n; ++i) {
        // Multi-segment frames (jumbo) are not expected on these ports: linearise or drop.
        if (rx[i]->nb_segs > 1 && rte_pktmbuf_linearize(rx[i]) != 0) {
          frames[i] = {{}, t, side == 0 ? dp::Side::Outside : dp::Side::Inside};
          continue;
        }
        frames[i] = {{rte_pktmbuf_mtod(rx[i], const uint8_t*), rx[i]->data_len}, t,
                     side == 0 ? dp::Side::Outside : dp::Side::Inside};
      }
      sink.begin(rx, n);
      pipeline.process({frames, n}, sink);
      sink.end();
    }
    // Poll mode while traffic flows; after a few hundred empty polls, short naps so that an
    // idle lab gateway does not hold a core (production pins a dedicated lcore instead).
    if (any) {
      idle = 0;
    } else if (++idle > 256) {
      if (idle % 64 == 0) pipeline.housekeeping(now_ns(), sink);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  const auto& c = pipeline.counters();
  std::fprintf(stderr,
               "printwalld: stopping: %llu frames in, %llu forwarded, %llu dropped, %llu mirrored, "
               "%llu injected, %llu events (%llu lost), %llu tx drops, %llu mirror drops\n",
               (unsigned long long)c.frames_in, (unsigned long long)c.forwarded,
               (unsigned long long)c.dropped, (unsigned long long)c.mirrored,
               (unsigned long long)c.injected, (unsigned long long)c.events,
               (unsigned long long)c.events_lost, (unsigned long long)sink.tx_dropped,
               (unsigned long long)sink.mirror_dropped);
  writer_stop = true;
  writer.join();
  for (const Port* p : {&out, &in, &mir})
    if (p->present()) {
      rte_eth_dev_stop(p->id);
      rte_eth_dev_close(p->id);
    }
  rte_eal_cleanup();
  return 0;
}
