// The NIDS mirror outputs other than the dedicated DPDK port: VXLAN (UDP) and GRE/ERSPAN type II
// toward a remote collector, and rotating pcap files.
//
// The fast path only copies a frame into a bounded single-producer/single-consumer ring
// (MirrorQueue::push: no lock, no system call, no allocation; when the ring is full the copy is
// dropped and counted). A writer thread drains the ring and does the I/O through the kernel's own
// stack (routing, ARP/ND, the management interface), so a slow, absent or refusing collector, or
// a full disk, costs mirror copies and never fast-path time. Pure C++ and POSIX: no DPDK.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/ip.h"

namespace pw::policy {
struct Model;
}

namespace pw::dp {

// The largest frame copy a ring slot holds; longer frames are truncated (and counted).
inline constexpr size_t kMirrorSlotBytes = 2048;

struct MirrorOutputConfig {
  enum class Kind : uint8_t { None, Port, Vxlan, Erspan, Pcap };
  Kind kind = Kind::None;
  std::optional<IpAddr> remote{};  // vxlan, erspan: the collector
  std::optional<IpAddr> source{};  // vxlan, erspan: outer source address (unset: the kernel picks)
  uint32_t vni = 0;              // vxlan: 24 bits
  uint16_t udp_port = 4789;      // vxlan: destination port
  uint16_t session_id = 1;       // erspan: 10 bits
  std::string pcap_file{};
  uint64_t max_size = 100ull << 20;  // pcap: rotate before a file would exceed this many bytes
  uint32_t max_files = 10;           // pcap: files kept in all, FILE included
  uint32_t queue_size = 4096;        // frames per ring, rounded up to a power of two
};

const char* to_string(MirrorOutputConfig::Kind k);

// The `mirror` statements of a validated model.
MirrorOutputConfig mirror_output_config(const policy::Model& m);

// --- Encapsulations (pure, for the writer and the tests) ---

inline constexpr size_t kVxlanHeaderBytes = 8;
inline constexpr size_t kErspan2HeaderBytes = 16;  // GRE with sequence number + ERSPAN type II
inline constexpr uint16_t kGreProtoErspan2 = 0x88BE;
inline constexpr uint16_t kVxlanPort = 4789;

// RFC 7348 section 5: flags (I = 0x08), 24 reserved bits, the 24-bit VNI, 8 reserved bits.
size_t vxlan_header(uint32_t vni, std::span<uint8_t, kVxlanHeaderBytes> out);

// GRE (RFC 1701/2890: only S set, protocol 0x88BE, the sequence number `seq`) followed by the
// ERSPAN type II header (draft-foschiano-erspan): Ver 1; VLAN and COS from the
// frame's outermost 802.1Q/802.1ad tag (0 when untagged); En 11 (tag preserved in the frame) when
// tagged, 00 otherwise; T when the copy is truncated; the low 10 bits of `session`; Index 0.
// Returns kErspan2HeaderBytes, or 0 when `out` is too small.
size_t erspan2_header(uint32_t seq, uint16_t session, std::span<const uint8_t> frame,
                      std::span<uint8_t> out, bool truncated = false);

// --- The ring between the fast path and the writer ---

struct MirrorFrame {
  std::span<const uint8_t> data;  // at most kMirrorSlotBytes
  uint32_t orig_len = 0;          // length on the wire: more than data.size() when truncated
  uint64_t ts_ns = 0;
  bool truncated() const { return orig_len > data.size(); }
};

// Bounded SPSC ring of fixed-size slots, allocated once. One producer thread calls push(); one
// consumer thread calls front() and pop(). The counters may be read from any thread.
class MirrorQueue {
 public:
  // `capacity` frames, rounded up to a power of two; 1..2^24 (std::invalid_argument otherwise).
  explicit MirrorQueue(uint32_t capacity);
  MirrorQueue(const MirrorQueue&) = delete;
  MirrorQueue& operator=(const MirrorQueue&) = delete;

  // Producer. Copies the frame (truncated to a slot); false, counted in dropped_full(), when the
  // ring is full. Never blocks, never allocates.
  bool push(std::span<const uint8_t> frame, uint64_t ts_ns);

  // Consumer. The oldest frame, valid until pop(); nullopt when the ring is empty.
  std::optional<MirrorFrame> front();
  // Consumer. Releases the frame front() returned (only after front() returned one).
  void pop();

  size_t capacity() const { return mask_ + 1; }
  size_t size() const;  // a snapshot
  uint64_t queued() const { return queued_.load(std::memory_order_relaxed); }
  uint64_t dropped_full() const { return dropped_full_.load(std::memory_order_relaxed); }
  uint64_t truncated() const { return truncated_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kCacheLine = 64;
  struct Slot {
    uint64_t ts_ns;
    uint32_t len;
    uint32_t orig_len;
    uint8_t data[kMirrorSlotBytes];
  };

  std::unique_ptr<Slot[]> slots_;
  size_t mask_ = 0;
  // Producer's line: what it writes, and its last view of the consumer's index.
  alignas(kCacheLine) std::atomic<uint64_t> head_{0};
  uint64_t tail_cache_ = 0;
  std::atomic<uint64_t> queued_{0}, dropped_full_{0}, truncated_{0};
  // Consumer's line.
  alignas(kCacheLine) std::atomic<uint64_t> tail_{0};
  uint64_t head_cache_ = 0;
};

// --- The writer thread ---

struct MirrorStats {
  uint64_t queued = 0;        // copies accepted by the rings
  uint64_t dropped_full = 0;  // copies refused: ring full
  uint64_t truncated = 0;     // copies cut to kMirrorSlotBytes
  uint64_t sent = 0;          // copies handed to the kernel (datagrams) or written to a pcap file
  // Errors of the output: failed sends (an ICMP error from the collector comes back on a later
  // send, which is then retried once), failed writes, attempts while the collector cannot be
  // reached or the file opened. A queued copy in neither `sent` nor `dropped_at_stop` was lost.
  uint64_t send_errors = 0;
  uint64_t bytes_sent = 0;  // bytes of the datagrams (encapsulation included) or pcap records
  uint64_t files_rotated = 0;
  uint64_t dropped_at_stop = 0;  // still queued when stop()'s drain time ran out
};

// Owns the rings and the writer thread of one output. Each fast-path thread pushes its copies
// into its own ring: writer.queue(worker).push(frame, ts_ns).
class MirrorWriter {
 public:
  // One ring of cfg.queue_size frames per producer (fast-path thread).
  explicit MirrorWriter(MirrorOutputConfig cfg, size_t producers = 1);
  ~MirrorWriter();  // stop()
  MirrorWriter(const MirrorWriter&) = delete;
  MirrorWriter& operator=(const MirrorWriter&) = delete;

  // Opens the output and starts the writer thread. False, with the reason in `err`, only when the
  // output cannot work at all: kind none or port (not this class's), no remote or no file, a
  // source of the other address family, a socket the kernel refuses (a raw GRE socket needs
  // CAP_NET_RAW). What may come right later (no route yet, a refusing collector, a pcap directory
  // that cannot be written) does not fail start(): the frames are counted as send errors, the
  // reason is in last_error(), and the writer retries at most once a second.
  bool start(std::string* err);

  // Sends what is queued for at most `drain`, counts the rest as dropped_at_stop, flushes and
  // closes the output and joins the thread. Idempotent. Frames pushed afterwards stay queued.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(1));

  MirrorQueue& queue(size_t producer = 0) { return *queues_[producer]; }
  size_t producers() const { return queues_.size(); }
  const MirrorOutputConfig& config() const { return cfg_; }
  bool running() const { return thread_.joinable(); }

  MirrorStats stats() const;
  // The latest error of the output ("send to 198.18.3.30:4789: Connection refused"), or "".
  // Errors are not cleared by later successes.
  std::string last_error() const;

  class Output;   // one per kind, in the .cc
  struct Shared;  // counters and the error text, shared by the writer and its output

 private:
  void run() noexcept;
  bool drain_once(bool stopping, std::chrono::steady_clock::time_point deadline, size_t* n);

  MirrorOutputConfig cfg_;
  std::vector<std::unique_ptr<MirrorQueue>> queues_;
  std::unique_ptr<Shared> shared_;
  std::unique_ptr<Output> out_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> deadline_ns_{0};  // steady clock, valid once stopping_
};

}  // namespace pw::dp
