// The mirror ring, the encapsulations and the writer thread with its three outputs (see the
// header for why the work is split this way). Everything that can fail happens on the writer
// thread and ends up in a counter and last_error(); nothing is thrown back to the fast path.
#include "dataplane/io/mirror_output.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "dataplane/packet.h"
#include "policy/policy_model.h"

namespace pw::dp {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kIdleNap = std::chrono::microseconds(500);  // ring empty: no busy loop
constexpr auto kRetryEvery = std::chrono::seconds(1);      // reconnect / reopen at most this often
constexpr auto kSendTimeout = std::chrono::milliseconds(100);  // a full socket buffer waits this
constexpr size_t kBatch = 256;  // frames per ring per round, so several rings are served fairly
constexpr uint32_t kMaxQueue = 1u << 24;
constexpr uint32_t kPcapMagicNs = 0xa1b23c4d;
constexpr uint32_t kLinktypeEthernet = 1;
constexpr size_t kPcapFileHeader = 24;
constexpr size_t kPcapRecordHeader = 16;

// A counter with a single writing thread: a plain load and store, no locked read-modify-write.
inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

}  // namespace

const char* to_string(MirrorOutputConfig::Kind k) {
  switch (k) {
    case MirrorOutputConfig::Kind::None: return "none";
    case MirrorOutputConfig::Kind::Port: return "port";
    case MirrorOutputConfig::Kind::Vxlan: return "vxlan";
    case MirrorOutputConfig::Kind::Erspan: return "erspan";
    case MirrorOutputConfig::Kind::Pcap: return "pcap";
  }
  return "?";
}

MirrorOutputConfig mirror_output_config(const policy::Model& m) {
  using policy::MirrorOutput;
  using Kind = MirrorOutputConfig::Kind;
  const auto& mi = m.mirror;
  MirrorOutputConfig c;
  switch (mi.output) {
    case MirrorOutput::None: c.kind = Kind::None; break;
    case MirrorOutput::Port: c.kind = Kind::Port; break;
    case MirrorOutput::Vxlan: c.kind = Kind::Vxlan; break;
    case MirrorOutput::Erspan: c.kind = Kind::Erspan; break;
    case MirrorOutput::Pcap: c.kind = Kind::Pcap; break;
  }
  // The model reads remote and source from the container of the selected output.
  c.remote = mi.remote;
  c.source = mi.source;
  c.vni = mi.vni & 0xffffff;
  c.udp_port = mi.vxlan_port;
  c.session_id = static_cast<uint16_t>(mi.erspan_session & 0x3ff);
  c.pcap_file = mi.pcap_file;
  c.max_size = mi.pcap_max_size;
  c.max_files = mi.pcap_max_files;
  c.queue_size = mi.queue_size;
  return c;
}

// --- Encapsulations ---

size_t vxlan_header(uint32_t vni, std::span<uint8_t, kVxlanHeaderBytes> out) {
  out[0] = 0x08;  // I: the VNI is valid
  out[1] = out[2] = out[3] = 0;
  out[4] = static_cast<uint8_t>(vni >> 16);
  out[5] = static_cast<uint8_t>(vni >> 8);
  out[6] = static_cast<uint8_t>(vni);
  out[7] = 0;
  return kVxlanHeaderBytes;
}

size_t erspan2_header(uint32_t seq, uint16_t session, std::span<const uint8_t> frame,
                      std::span<uint8_t> out, bool truncated) {
  if (out.size() < kErspan2HeaderBytes) return 0;
  uint8_t* p = out.data();
  // GRE: C, R, K, s, Recur, Flags, Version all zero; S (bit 3) set: a sequence number follows.
  store16(p, 0x1000);
  store16(p + 2, kGreProtoErspan2);
  store32(p + 4, seq);
  // ERSPAN type II: | Ver:4 | VLAN:12 | COS:3 | En:2 | T:1 | Session ID:10 |
  //                  | Reserved:12 | Index:20 |
  uint16_t vlan = 0, cos = 0, en = 0;
  if (frame.size() >= 16) {
    uint16_t tpid = load16(frame.data() + 12);
    if (tpid == kEtherVlan || tpid == kEtherQinQ) {
      uint16_t tci = load16(frame.data() + 14);
      vlan = tci & 0x0fff;
      cos = tci >> 13;
      en = 3;  // the frame is sent with its tag(s)
    }
  }
  store16(p + 8, static_cast<uint16_t>(1u << 12 | vlan));  // Ver 1: type II
  store16(p + 10, static_cast<uint16_t>(cos << 13 | en << 11 | (truncated ? 1u << 10 : 0u) |
                                        (session & 0x3ffu)));
  store32(p + 12, 0);  // Reserved, Index 0
  return kErspan2HeaderBytes;
}

// --- MirrorQueue ---

MirrorQueue::MirrorQueue(uint32_t capacity) {
  if (capacity == 0 || capacity > kMaxQueue) throw std::invalid_argument("mirror queue size");
  size_t n = std::bit_ceil(std::max<size_t>(capacity, 2));
  // Default-initialised: the pages are touched when first used, not all at start.
  slots_.reset(new Slot[n]);
  mask_ = n - 1;
}

bool MirrorQueue::push(std::span<const uint8_t> frame, uint64_t ts_ns) {
  const uint64_t h = head_.load(std::memory_order_relaxed);
  if (h - tail_cache_ > mask_) {
    tail_cache_ = tail_.load(std::memory_order_acquire);
    if (h - tail_cache_ > mask_) {
      bump(dropped_full_);
      return false;
    }
  }
  Slot& s = slots_[h & mask_];
  const size_t n = std::min(frame.size(), kMirrorSlotBytes);
  if (n) std::memcpy(s.data, frame.data(), n);
  s.len = static_cast<uint32_t>(n);
  s.orig_len = static_cast<uint32_t>(std::min<size_t>(frame.size(), UINT32_MAX));
  s.ts_ns = ts_ns;
  head_.store(h + 1, std::memory_order_release);
  bump(queued_);
  if (n < frame.size()) bump(truncated_);
  return true;
}

std::optional<MirrorFrame> MirrorQueue::front() {
  const uint64_t t = tail_.load(std::memory_order_relaxed);
  if (t == head_cache_) {
    head_cache_ = head_.load(std::memory_order_acquire);
    if (t == head_cache_) return std::nullopt;
  }
  const Slot& s = slots_[t & mask_];
  return MirrorFrame{{s.data, s.len}, s.orig_len, s.ts_ns};
}

void MirrorQueue::pop() {
  tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

size_t MirrorQueue::size() const {
  const uint64_t t = tail_.load(std::memory_order_acquire);
  const uint64_t h = head_.load(std::memory_order_acquire);
  return h > t ? static_cast<size_t>(h - t) : 0;
}

// --- Writer state shared with the outputs ---

struct MirrorWriter::Shared {
  std::atomic<uint64_t> sent{0}, send_errors{0}, bytes_sent{0}, files_rotated{0},
      dropped_at_stop{0};
  mutable std::mutex mu;
  std::string last_error;  // under mu
  int noted_errno = 0;     // writer thread only: the error last_error describes, 0 after a success

  // Records an error text when it differs from the one noted last (one lock per change, not per
  // failed frame while a collector stays down).
  void note(int e, const std::string& what) {
    if (e == noted_errno && e != 0) return;
    noted_errno = e;
    std::string text = e ? what + ": " + errno_text(e) : what;
    std::lock_guard<std::mutex> l(mu);
    last_error = std::move(text);
  }
};

class MirrorWriter::Output {
 public:
  explicit Output(Shared& sh) : sh_(sh) {}
  virtual ~Output() = default;
  // False (with the reason) when the output cannot work at all; see MirrorWriter::start.
  virtual bool open(std::string* err) = 0;
  // Sends or writes one frame and counts the outcome.
  virtual void send(const MirrorFrame& f) = 0;
  // The rings are empty: push out what is buffered.
  virtual void idle() {}
  virtual void close() {}

 protected:
  void ok(size_t bytes) {
    bump(sh_.sent);
    bump(sh_.bytes_sent, bytes);
    sh_.noted_errno = 0;
  }
  void fail(int e, const std::string& what) {
    bump(sh_.send_errors);
    sh_.note(e, what);
  }
  Shared& sh_;
};

namespace {

using Output = MirrorWriter::Output;
using Shared = MirrorWriter::Shared;

socklen_t to_sockaddr(const IpAddr& a, uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.family == Family::V4) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    std::memcpy(&s->sin_addr, a.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
  s->sin6_family = AF_INET6;
  s->sin6_port = htons(port);
  std::memcpy(&s->sin6_addr, a.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

// A connected kernel socket toward the collector: a UDP socket (VXLAN) or a raw IPPROTO_GRE
// socket (ERSPAN; the kernel adds the IP header). Connecting lets the kernel report ICMP errors
// (ECONNREFUSED, EHOSTUNREACH) on later sends, and keeps incoming traffic off the socket.
class SocketOutput : public Output {
 public:
  SocketOutput(Shared& sh, const MirrorOutputConfig& c, int type, int proto, uint16_t port,
               const char* name)
      : Output(sh), cfg_(c), type_(type), proto_(proto), port_(port), name_(name) {}
  ~SocketOutput() override { close(); }

  bool open(std::string* err) override {
    if (!cfg_.remote) {
      *err = std::string("mirror output ") + name_ + " needs 'mirror " + name_ + " remote'";
      return false;
    }
    if (cfg_.source && cfg_.source->family != cfg_.remote->family) {
      *err = std::string("mirror ") + name_ + ": source " + cfg_.source->str() +
             " and remote " + cfg_.remote->str() + " are of different address families";
      return false;
    }
    peer_ = cfg_.remote->family == Family::V6 ? std::string("[").append(cfg_.remote->str()).append("]")
                                              : cfg_.remote->str();
    if (port_) peer_.append(":").append(std::to_string(port_));
    const int family = cfg_.remote->family == Family::V4 ? AF_INET : AF_INET6;
    fd_ = ::socket(family, type_ | SOCK_CLOEXEC, proto_);
    if (fd_ < 0) {
      *err = std::string("mirror ") + name_ + ": socket: " + errno_text(errno);
      if (type_ == SOCK_RAW && (errno == EPERM || errno == EACCES))
        *err += " (a raw GRE socket needs CAP_NET_RAW)";
      return false;
    }
    timeval tv{};
    tv.tv_usec = std::chrono::duration_cast<std::chrono::microseconds>(kSendTimeout).count();
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    // Nothing is ever read: keep the receive side as small as the kernel allows. A raw GRE
    // socket would otherwise get a copy of every GRE packet the host receives, so it gets a
    // filter that accepts nothing.
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &one, sizeof one);
    if (type_ == SOCK_RAW) {
      sock_filter drop_all = {BPF_RET | BPF_K, 0, 0, 0};
      sock_fprog prog = {1, &drop_all};
      ::setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
    }
    try_connect();
    return true;
  }

  void send(const MirrorFrame& f) override {
    if (!connected_) {
      if (Clock::now() >= retry_at_) try_connect();
      if (!connected_) {
        fail(connect_errno_, stage_ + " " + peer_);
        return;
      }
    }
    uint8_t hdr[kErspan2HeaderBytes];
    const size_t hl = header(f, hdr);
    iovec iov[2] = {{hdr, hl}, {const_cast<uint8_t*>(f.data.data()), f.data.size()}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    ssize_t n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
    if (n < 0) {
      // On a connected socket the kernel reports an ICMP error for an earlier datagram (port or
      // protocol unreachable: a collector that sniffs rather than listens sends those) on the
      // next send, which is then not sent. Count the error and send this copy again; only a full
      // socket buffer (after kSendTimeout) or an oversized datagram is not retried.
      const int e = errno;
      fail(e, "send to " + peer_);
      if (e == EAGAIN || e == EWOULDBLOCK || e == EMSGSIZE) return;
      n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
      if (n < 0) {
        fail(errno, "send to " + peer_);
        return;
      }
    }
    ok(static_cast<size_t>(n));
  }

  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 protected:
  // Writes the encapsulation header for `f` into `out` (room for kErspan2HeaderBytes).
  virtual size_t header(const MirrorFrame& f, uint8_t* out) = 0;
  const MirrorOutputConfig& cfg_;

 private:
  // Binds to the source (once it succeeded) and connects to the collector. A failure here is
  // not final: a route or the source address may appear later.
  void try_connect() {
    retry_at_ = Clock::now() + kRetryEvery;
    sockaddr_storage ss;
    if (cfg_.source && !bound_) {
      socklen_t len = to_sockaddr(*cfg_.source, 0, ss);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        connect_errno_ = errno;
        stage_ = "bind to source " + cfg_.source->str() + " for";
        sh_.note(connect_errno_, stage_ + " " + peer_);
        return;
      }
      bound_ = true;
    }
    // Raw IPv6 sockets take port 0 (or their protocol); raw IPv4 ones ignore it.
    socklen_t len = to_sockaddr(*cfg_.remote, type_ == SOCK_RAW ? 0 : port_, ss);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      connect_errno_ = errno;
      stage_ = "connect to";
      sh_.note(connect_errno_, stage_ + " " + peer_);
      return;
    }
    connected_ = true;
  }

  int type_, proto_;
  uint16_t port_;
  const char* name_;
  std::string peer_;
  int fd_ = -1;
  bool bound_ = false, connected_ = false;
  int connect_errno_ = 0;
  std::string stage_ = "connect to";
  Clock::time_point retry_at_{};
};

class VxlanOutput final : public SocketOutput {
 public:
  VxlanOutput(Shared& sh, const MirrorOutputConfig& c)
      : SocketOutput(sh, c, SOCK_DGRAM, IPPROTO_UDP, c.udp_port, "vxlan") {}

 protected:
  size_t header(const MirrorFrame&, uint8_t* out) override {
    return vxlan_header(cfg_.vni, std::span<uint8_t, kVxlanHeaderBytes>(out, kVxlanHeaderBytes));
  }
};

class ErspanOutput final : public SocketOutput {
 public:
  ErspanOutput(Shared& sh, const MirrorOutputConfig& c)
      : SocketOutput(sh, c, SOCK_RAW, IPPROTO_GRE, 0, "erspan") {}

 protected:
  // The sequence number counts every copy handed to the kernel, delivered or not, so a collector
  // sees gaps where copies were lost on the way.
  size_t header(const MirrorFrame& f, uint8_t* out) override {
    return erspan2_header(seq_++, cfg_.session_id, f.data, {out, kErspan2HeaderBytes},
                          f.truncated());
  }

 private:
  uint32_t seq_ = 0;
};

// Rotating pcap files (nanosecond timestamps, Ethernet): FILE is the newest, FILE.1 the one
// before, ..., FILE.(max_files-1) the oldest. A file is rotated before a record would make it
// exceed max_size; each holds at least one record, so a frame larger than max_size still goes
// out. A FILE left by an earlier run is rotated, not overwritten.
class PcapOutput final : public Output {
 public:
  PcapOutput(Shared& sh, const MirrorOutputConfig& c)
      : Output(sh), path_(c.pcap_file), max_size_(c.max_size),
        max_files_(std::max<uint32_t>(c.max_files, 1)) {}
  ~PcapOutput() override { close(); }

  bool open(std::string* err) override {
    if (path_.empty()) {
      *err = "mirror output pcap needs 'mirror pcap file'";
      return false;
    }
    remove_extra_files();
    open_file();  // failures are counted and retried as frames come
    return true;
  }

  void send(const MirrorFrame& f) override {
    if (!fp_ && (Clock::now() < retry_at_ || !open_file())) {
      fail(open_errno_, "open " + path_);
      return;
    }
    const size_t rec = kPcapRecordHeader + f.data.size();
    if (frames_ > 0 && size_ + rec > max_size_) {
      close_file();
      rotate();
      if (!open_file()) {
        fail(open_errno_, "open " + path_);
        return;
      }
    }
    uint8_t h[kPcapRecordHeader];
    put32(h, static_cast<uint32_t>(f.ts_ns / 1'000'000'000ull));
    put32(h + 4, static_cast<uint32_t>(f.ts_ns % 1'000'000'000ull));
    put32(h + 8, static_cast<uint32_t>(f.data.size()));
    put32(h + 12, f.orig_len);
    errno = 0;
    if (std::fwrite(h, 1, sizeof h, fp_) != sizeof h ||
        std::fwrite(f.data.data(), 1, f.data.size(), fp_) != f.data.size()) {
      const int e = errno ? errno : EIO;
      fail(e, "write " + path_);
      std::fclose(fp_);
      fp_ = nullptr;
      open_errno_ = e;
      retry_at_ = Clock::now() + kRetryEvery;
      return;
    }
    size_ += rec;
    ++frames_;
    ok(rec);
  }

  void idle() override {
    if (fp_ && std::fflush(fp_) != 0) {
      const int e = errno;
      fail(e, "write " + path_);  // the buffered records are lost
      std::fclose(fp_);
      fp_ = nullptr;
      open_errno_ = e;
      retry_at_ = Clock::now() + kRetryEvery;
    }
  }

  void close() override { close_file(); }

 private:
  // Host byte order, as pcap readers expect from the magic number.
  static void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }

  std::string numbered(uint32_t k) const { return path_ + "." + std::to_string(k); }

  bool open_file() {
    namespace fs = std::filesystem;
    retry_at_ = Clock::now() + kRetryEvery;
    std::error_code ec;
    const fs::path parent = fs::path(path_).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      fs::create_directories(parent, ec);
      if (ec) {
        open_errno_ = ec.value();
        sh_.note(open_errno_, "create directory " + parent.string());
        return false;
      }
    }
    if (fs::file_size(path_, ec) > 0 && !ec) rotate();
    fp_ = std::fopen(path_.c_str(), "wb");
    if (!fp_) {
      open_errno_ = errno;
      sh_.note(open_errno_, "open " + path_);
      return false;
    }
    std::setvbuf(fp_, nullptr, _IOFBF, 1 << 16);
    uint8_t h[kPcapFileHeader] = {};
    put32(h, kPcapMagicNs);
    const uint16_t version[2] = {2, 4};
    std::memcpy(h + 4, version, 4);
    // thiszone, sigfigs: 0; snaplen: a slot; the link type.
    put32(h + 16, static_cast<uint32_t>(kMirrorSlotBytes));
    put32(h + 20, kLinktypeEthernet);
    if (std::fwrite(h, 1, sizeof h, fp_) != sizeof h) {
      open_errno_ = errno ? errno : EIO;
      sh_.note(open_errno_, "write " + path_);
      std::fclose(fp_);
      fp_ = nullptr;
      return false;
    }
    size_ = kPcapFileHeader;
    frames_ = 0;
    return true;
  }

  void close_file() {
    if (!fp_) return;
    if (std::fclose(fp_) != 0) fail(errno, "write " + path_);
    fp_ = nullptr;
  }

  // FILE.(n-2) -> FILE.(n-1) (replacing the oldest), ..., FILE -> FILE.1. With max_files 1,
  // FILE itself is the oldest and is removed.
  void rotate() {
    if (max_files_ == 1) {
      if (std::remove(path_.c_str()) != 0 && errno != ENOENT) sh_.note(errno, "remove " + path_);
    }
    for (uint32_t k = max_files_ - 1; k >= 1; --k) {
      const std::string from = k == 1 ? path_ : numbered(k - 1);
      if (std::rename(from.c_str(), numbered(k).c_str()) != 0 && errno != ENOENT)
        sh_.note(errno, "rename " + from);
    }
    bump(sh_.files_rotated);
  }

  // Files beyond max_files left by a configuration that kept more.
  void remove_extra_files() {
    for (uint32_t k = max_files_; k <= 1000; ++k) std::remove(numbered(k).c_str());
  }

  std::string path_;
  uint64_t max_size_;
  uint32_t max_files_;
  std::FILE* fp_ = nullptr;
  uint64_t size_ = 0;
  uint64_t frames_ = 0;  // records in the current file
  int open_errno_ = 0;
  Clock::time_point retry_at_{};
};

}  // namespace

// --- MirrorWriter ---

MirrorWriter::MirrorWriter(MirrorOutputConfig cfg, size_t producers)
    : cfg_(std::move(cfg)), shared_(std::make_unique<Shared>()) {
  for (size_t i = 0; i < std::max<size_t>(producers, 1); ++i)
    queues_.push_back(std::make_unique<MirrorQueue>(cfg_.queue_size));
}

MirrorWriter::~MirrorWriter() { stop(); }

bool MirrorWriter::start(std::string* err) {
  std::string local;
  if (!err) err = &local;
  if (thread_.joinable() || out_) {
    *err = "mirror writer already started";
    return false;
  }
  using Kind = MirrorOutputConfig::Kind;
  std::unique_ptr<Output> out;
  switch (cfg_.kind) {
    case Kind::Vxlan: out = std::make_unique<VxlanOutput>(*shared_, cfg_); break;
    case Kind::Erspan: out = std::make_unique<ErspanOutput>(*shared_, cfg_); break;
    case Kind::Pcap: out = std::make_unique<PcapOutput>(*shared_, cfg_); break;
    case Kind::None:
    case Kind::Port:
      *err = std::string("mirror output ") + to_string(cfg_.kind) + " has no writer thread";
      return false;
  }
  if (!out->open(err)) return false;
  out_ = std::move(out);
  stopping_.store(false, std::memory_order_relaxed);
  try {
    thread_ = std::thread(&MirrorWriter::run, this);
  } catch (const std::system_error& e) {
    *err = std::string("mirror writer thread: ") + e.what();
    out_->close();
    return false;
  }
  pthread_setname_np(thread_.native_handle(), "pw-mirror");
  return true;
}

void MirrorWriter::stop(std::chrono::milliseconds drain) {
  if (!thread_.joinable()) return;
  const auto deadline = Clock::now() + drain;
  deadline_ns_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count(),
      std::memory_order_relaxed);
  stopping_.store(true, std::memory_order_release);
  thread_.join();
}

// One round over the rings. Returns true when stopping and the drain time is over.
bool MirrorWriter::drain_once(bool stopping, Clock::time_point deadline, size_t* n) {
  for (auto& q : queues_) {
    for (size_t k = 0; k < kBatch; ++k) {
      if (stopping && Clock::now() >= deadline) return true;
      std::optional<MirrorFrame> f = q->front();
      if (!f) break;
      try {
        out_->send(*f);
      } catch (...) {  // an allocation failure building an error text: the frame is lost
        bump(shared_->send_errors);
      }
      q->pop();
      ++*n;
    }
  }
  return false;
}

void MirrorWriter::run() noexcept {
  bool dirty = false;  // frames went out since the last idle()
  try {
    for (;;) {
      const bool stopping = stopping_.load(std::memory_order_acquire);
      const Clock::time_point deadline =
          stopping ? Clock::time_point(std::chrono::nanoseconds(
                         deadline_ns_.load(std::memory_order_relaxed)))
                   : Clock::time_point::max();
      size_t n = 0;
      const bool out_of_time = drain_once(stopping, deadline, &n);
      if (out_of_time) break;
      if (n) {
        dirty = true;
        continue;
      }
      if (dirty) {
        out_->idle();
        dirty = false;
        continue;
      }
      if (stopping) break;  // drained
      std::this_thread::sleep_for(kIdleNap);
    }
  } catch (...) {
    shared_->note(0, "mirror writer stopped on an internal error");
  }
  uint64_t left = 0;
  for (auto& q : queues_) left += q->size();
  bump(shared_->dropped_at_stop, left);
  try {
    out_->close();
  } catch (...) {
  }
}

MirrorStats MirrorWriter::stats() const {
  MirrorStats s;
  for (const auto& q : queues_) {
    s.queued += q->queued();
    s.dropped_full += q->dropped_full();
    s.truncated += q->truncated();
  }
  const auto rd = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  s.sent = rd(shared_->sent);
  s.send_errors = rd(shared_->send_errors);
  s.bytes_sent = rd(shared_->bytes_sent);
  s.files_rotated = rd(shared_->files_rotated);
  s.dropped_at_stop = rd(shared_->dropped_at_stop);
  return s;
}

std::string MirrorWriter::last_error() const {
  std::lock_guard<std::mutex> l(shared_->mu);
  return shared_->last_error;
}

}  // namespace pw::dp
