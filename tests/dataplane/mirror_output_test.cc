#include "dataplane/io/mirror_output.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

#include "dataplane/packet.h"
#include "policy/config.h"
#include "policy/policy_model.h"
#include "tests/support/packet_builder.h"

namespace pw::dp {
namespace {

using namespace pw::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Kind = MirrorOutputConfig::Kind;
using Clock = std::chrono::steady_clock;

const Ip kIp{"198.18.0.1", "198.18.20.5"};
constexpr uint64_t kTs0 = 1'700'000'000'123'456'789ull;

// Equal-sized frames that say which they are.
Bytes numbered_frame(int i, const L2& l2 = {}) {
  char p[32];
  std::snprintf(p, sizeof p, "frame %04d", i);
  return udp_frame(kIp, 40000, 9100, bytes(p), l2);
}

Bytes concat(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  Bytes r(a.size() + b.size());
  std::copy(a.begin(), a.end(), r.begin());
  std::copy(b.begin(), b.end(), r.begin() + static_cast<long>(a.size()));
  return r;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
  const auto end = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

IpAddr ip(const char* s) { return *parse_ip(s); }

// A socket closed at scope end.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// A UDP socket bound to 127.0.0.1 on an ephemeral port.
uint16_t bind_loopback_udp(int fd) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  socklen_t len = sizeof a;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  return ntohs(a.sin_port);
}

// VXLAN toward 127.0.0.1:`port` with a queue of `queue` frames.
MirrorOutputConfig vxlan_to_loopback(uint16_t port, uint32_t queue) {
  MirrorOutputConfig c;
  c.kind = Kind::Vxlan;
  c.remote = ip("127.0.0.1");
  c.udp_port = port;
  c.queue_size = queue;
  return c;
}

// One datagram, or empty after `ms` without one.
Bytes recv_one(int fd, int ms = 2000) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) != 1) return {};
  Bytes b(65536);
  ssize_t n = ::recv(fd, b.data(), b.size(), 0);
  b.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return b;
}

// --- The ring ---

TEST(MirrorQueue, CapacityIsAPowerOfTwo) {
  EXPECT_EQ(MirrorQueue(64).capacity(), 64u);
  EXPECT_EQ(MirrorQueue(100).capacity(), 128u);
  EXPECT_EQ(MirrorQueue(4096).capacity(), 4096u);
  EXPECT_EQ(MirrorQueue(1).capacity(), 2u);
  EXPECT_THROW(MirrorQueue(0), std::invalid_argument);
}

TEST(MirrorQueue, PopsInPushOrderAcrossTheWrap) {
  MirrorQueue q(4);
  EXPECT_FALSE(q.front());
  int next_push = 0, next_pop = 0;
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 3; ++k, ++next_push) {
      Bytes f = numbered_frame(next_push);
      ASSERT_TRUE(q.push(f, kTs0 + static_cast<uint64_t>(next_push)));
    }
    EXPECT_EQ(q.size(), 3u);
    for (int k = 0; k < 3; ++k, ++next_pop) {
      auto f = q.front();
      ASSERT_TRUE(f);
      Bytes want = numbered_frame(next_pop);
      EXPECT_EQ(Bytes(f->data.begin(), f->data.end()), want);
      EXPECT_EQ(f->orig_len, want.size());
      EXPECT_FALSE(f->truncated());
      EXPECT_EQ(f->ts_ns, kTs0 + static_cast<uint64_t>(next_pop));
      q.pop();
    }
    EXPECT_FALSE(q.front());
  }
  EXPECT_EQ(q.queued(), 30u);
  EXPECT_EQ(q.dropped_full(), 0u);
}

TEST(MirrorQueue, FullRingDropsAndCounts) {
  MirrorQueue q(4);
  Bytes f = numbered_frame(1);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.push(f, kTs0));
  EXPECT_FALSE(q.push(f, kTs0));
  EXPECT_FALSE(q.push(f, kTs0));
  EXPECT_EQ(q.queued(), 4u);
  EXPECT_EQ(q.dropped_full(), 2u);
  EXPECT_EQ(q.size(), 4u);
  ASSERT_TRUE(q.front());
  q.pop();
  EXPECT_TRUE(q.push(f, kTs0));  // room again
  EXPECT_EQ(q.queued(), 5u);
}

TEST(MirrorQueue, LongFramesAreTruncatedToASlot) {
  MirrorQueue q(4);
  Bytes big(3000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  Bytes exact(kMirrorSlotBytes, 0x5a);
  ASSERT_TRUE(q.push(big, kTs0));
  ASSERT_TRUE(q.push(exact, kTs0));
  EXPECT_EQ(q.truncated(), 1u);
  auto f = q.front();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->data.size(), kMirrorSlotBytes);
  EXPECT_EQ(f->orig_len, 3000u);
  EXPECT_TRUE(f->truncated());
  EXPECT_TRUE(std::equal(f->data.begin(), f->data.end(), big.begin()));
  q.pop();
  f = q.front();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->data.size(), kMirrorSlotBytes);
  EXPECT_FALSE(f->truncated());
}

TEST(MirrorQueue, OneProducerOneConsumerKeepOrder) {
  MirrorQueue q(64);
  constexpr uint32_t kN = 200000;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (uint32_t i = 0; i < kN; ++i) {
      uint8_t b[8] = {};
      store32(b, i);
      q.push(b, i);
    }
    done.store(true, std::memory_order_release);
  });
  uint64_t got = 0;
  int64_t last = -1;
  bool ordered = true;
  const auto end = Clock::now() + 20s;
  for (;;) {
    // Read `done` before looking at the ring: once it is set, every push is visible.
    const bool finished = done.load(std::memory_order_acquire);
    if (auto f = q.front()) {
      const int64_t v = load32(f->data.data());
      ordered = ordered && v > last && f->ts_ns == static_cast<uint64_t>(v);
      last = v;
      ++got;
      q.pop();
    } else if (finished || Clock::now() > end) {
      break;
    }
  }
  producer.join();
  EXPECT_TRUE(ordered);
  EXPECT_EQ(got, q.queued());
  EXPECT_EQ(q.queued() + q.dropped_full(), kN);
  EXPECT_GT(got, 0u);
}

// --- Encapsulations ---

TEST(MirrorEncap, VxlanHeader) {
  uint8_t h[8];
  EXPECT_EQ(vxlan_header(0x123456, h), 8u);
  EXPECT_EQ(Bytes(h, h + 8), (Bytes{0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0}));
  vxlan_header(0, h);
  EXPECT_EQ(Bytes(h, h + 8), (Bytes{0x08, 0, 0, 0, 0, 0, 0, 0}));
  vxlan_header(0xab123456, h);  // only 24 bits
  EXPECT_EQ(Bytes(h, h + 8), (Bytes{0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0}));
}

TEST(MirrorEncap, Erspan2HeaderUntagged) {
  uint8_t h[16];
  Bytes f = numbered_frame(1);
  ASSERT_EQ(erspan2_header(0x01020304, 0x155, f, h), 16u);
  // GRE: S bit only, protocol 0x88BE, sequence number.
  EXPECT_EQ(Bytes(h, h + 8), (Bytes{0x10, 0x00, 0x88, 0xbe, 0x01, 0x02, 0x03, 0x04}));
  // ERSPAN II: Ver 1, VLAN 0 | COS 0, En 00, T 0, session 0x155 | reserved, index 0.
  EXPECT_EQ(Bytes(h + 8, h + 16), (Bytes{0x10, 0x00, 0x01, 0x55, 0, 0, 0, 0}));
}

TEST(MirrorEncap, Erspan2HeaderTakesVlanAndCosFromTheFirstTag) {
  uint8_t h[16];
  // PCP 5, VID 100.
  Bytes f = numbered_frame(1, L2{{0xa064}});
  ASSERT_EQ(erspan2_header(7, 0x155, f, h), 16u);
  EXPECT_EQ(load32(h + 4), 7u);
  EXPECT_EQ(load16(h + 8), 0x1064);  // Ver 1, VLAN 100
  // COS 5, En 11 (tag preserved in the frame), T 0, session 0x155.
  EXPECT_EQ(load16(h + 10), 5 << 13 | 3 << 11 | 0x155);
  // Truncated copy: T set.
  erspan2_header(7, 0x155, f, h, true);
  EXPECT_EQ(load16(h + 10), 5 << 13 | 3 << 11 | 1 << 10 | 0x155);
  // QinQ: the outer (S-)tag.
  Bytes qinq = numbered_frame(1, L2{{10, 20}});
  erspan2_header(7, 1, qinq, h);
  EXPECT_EQ(load16(h + 8), 0x1000 | 10);
  EXPECT_EQ(load16(h + 10), 3 << 11 | 1);
}

TEST(MirrorEncap, Erspan2SessionIsTenBitsAndSmallBuffersAreRefused) {
  uint8_t h[16];
  Bytes f = numbered_frame(1);
  erspan2_header(0, 0xffff, f, h);
  EXPECT_EQ(load16(h + 10), 0x03ff);
  EXPECT_EQ(load16(h + 8), 0x1000);  // nothing spills into Ver/VLAN
  erspan2_header(0, 0x0400 | 9, f, h);
  EXPECT_EQ(load16(h + 10), 9);
  uint8_t small[15];
  EXPECT_EQ(erspan2_header(0, 1, f, small), 0u);
  // Too short to carry a tag: untagged.
  Bytes runt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00};
  ASSERT_EQ(erspan2_header(0, 1, runt, h), 16u);
  EXPECT_EQ(load16(h + 8), 0x1000);
}

// --- Configuration ---

MirrorOutputConfig config_of(const std::string& text) {
  policy::ParseResult r = policy::parse_config(text, "m.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  policy::ModelResult m = policy::build_model(r.config);
  for (const auto& e : m.errors) ADD_FAILURE() << e.str();
  return mirror_output_config(m.model);
}

TEST(MirrorConfig, FromTheModel) {
  MirrorOutputConfig none = config_of("");
  EXPECT_EQ(none.kind, Kind::None);
  EXPECT_EQ(none.queue_size, 4096u);

  MirrorOutputConfig v = config_of(
      "set mirror output vxlan\nset mirror vxlan remote 198.18.3.30\n"
      "set mirror vxlan source 198.18.3.2\nset mirror vxlan vni 4020\n"
      "set mirror vxlan port 8472\nset mirror queue-size 100\n");
  EXPECT_EQ(v.kind, Kind::Vxlan);
  ASSERT_TRUE(v.remote && v.source);
  EXPECT_EQ(v.remote->str(), "198.18.3.30");
  EXPECT_EQ(v.source->str(), "198.18.3.2");
  EXPECT_EQ(v.vni, 4020u);
  EXPECT_EQ(v.udp_port, 8472);
  EXPECT_EQ(v.queue_size, 100u);

  MirrorOutputConfig e = config_of(
      "set mirror output erspan\nset mirror erspan remote 2001:db8::30\n"
      "set mirror erspan session-id 1023\n");
  EXPECT_EQ(e.kind, Kind::Erspan);
  ASSERT_TRUE(e.remote);
  EXPECT_EQ(e.remote->family, Family::V6);
  EXPECT_FALSE(e.source);
  EXPECT_EQ(e.session_id, 1023);

  MirrorOutputConfig p = config_of("set mirror output pcap\nset mirror pcap max-size 50M\n"
                                   "set mirror pcap max-files 3\n");
  EXPECT_EQ(p.kind, Kind::Pcap);
  EXPECT_EQ(p.pcap_file, "/var/log/printwall/mirror.pcap");
  EXPECT_EQ(p.max_size, 50u << 20);
  EXPECT_EQ(p.max_files, 3u);

  EXPECT_EQ(config_of("set interface mirror device net_null0\nset mirror output port\n").kind,
            Kind::Port);
}

TEST(MirrorWriter, StartRefusesOutputsThatCannotWork) {
  std::string err;
  MirrorOutputConfig c;
  c.queue_size = 64;
  c.kind = Kind::Port;
  EXPECT_FALSE(MirrorWriter(c).start(&err));
  EXPECT_NE(err.find("port"), std::string::npos) << err;

  c.kind = Kind::Vxlan;
  EXPECT_FALSE(MirrorWriter(c).start(&err));
  EXPECT_NE(err.find("needs 'mirror vxlan remote'"), std::string::npos) << err;

  c.remote = ip("127.0.0.1");
  c.source = ip("::1");
  EXPECT_FALSE(MirrorWriter(c).start(&err));
  EXPECT_NE(err.find("different address families"), std::string::npos) << err;

  c = MirrorOutputConfig{};
  c.queue_size = 64;
  c.kind = Kind::Pcap;
  EXPECT_FALSE(MirrorWriter(c).start(&err));
  EXPECT_NE(err.find("needs 'mirror pcap file'"), std::string::npos) << err;
}

// --- Writers over real sockets and files (loopback and a temporary directory only) ---

TEST(MirrorWriter, VxlanDatagramsReachACollectorOnLoopback) {
  Fd rx(::socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_GE(rx.fd, 0);
  const uint16_t port = bind_loopback_udp(rx.fd);

  MirrorOutputConfig c = vxlan_to_loopback(port, 64);
  c.source = ip("127.0.0.1");
  c.vni = 4020;
  MirrorWriter w(c);
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;

  const Bytes frames[] = {numbered_frame(1), numbered_frame(2, L2{{30}}), Bytes(3000, 0xee)};
  for (const Bytes& f : frames) ASSERT_TRUE(w.queue().push(f, kTs0));
  uint8_t h[8];
  vxlan_header(4020, h);
  size_t bytes = 0;
  for (const Bytes& f : frames) {
    Bytes got = recv_one(rx.fd);
    // The third frame went out truncated to a slot.
    std::span<const uint8_t> sent(f.data(), std::min(f.size(), kMirrorSlotBytes));
    EXPECT_EQ(got, concat(h, sent));
    bytes += 8 + sent.size();
  }
  w.stop();
  MirrorStats s = w.stats();
  EXPECT_EQ(s.queued, 3u);
  EXPECT_EQ(s.truncated, 1u);
  EXPECT_EQ(s.sent, 3u);
  EXPECT_EQ(s.send_errors, 0u);
  EXPECT_EQ(s.bytes_sent, bytes);
  EXPECT_EQ(w.last_error(), "");
}

TEST(MirrorWriter, VxlanOverIpv6Loopback) {
  Fd rx(::socket(AF_INET6, SOCK_DGRAM, 0));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (rx.fd < 0 || ::bind(rx.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    GTEST_SKIP() << "no IPv6 loopback";
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(rx.fd, reinterpret_cast<sockaddr*>(&a), &len), 0);

  MirrorOutputConfig c;
  c.kind = Kind::Vxlan;
  c.remote = ip("::1");
  c.udp_port = ntohs(a.sin6_port);
  c.vni = 7;
  c.queue_size = 64;
  MirrorWriter w(c);
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;
  Bytes f = numbered_frame(6);
  ASSERT_TRUE(w.queue().push(f, kTs0));
  uint8_t h[8];
  vxlan_header(7, h);
  EXPECT_EQ(recv_one(rx.fd), concat(h, f));
}

TEST(MirrorWriter, ErspanOverRawGreOnLoopback) {
  Fd rx(::socket(AF_INET, SOCK_RAW, IPPROTO_GRE));
  if (rx.fd < 0 && (errno == EPERM || errno == EACCES))
    GTEST_SKIP() << "raw sockets not permitted";
  ASSERT_GE(rx.fd, 0) << std::strerror(errno);

  constexpr uint16_t kSession = 0x2ab;
  MirrorOutputConfig c{.kind = Kind::Erspan,
                       .remote = ip("127.0.0.1"),
                       .source = ip("127.0.0.1"),
                       .session_id = kSession,
                       .queue_size = 64};
  MirrorWriter w(c);
  std::string err;
  if (!w.start(&err)) {
    if (err.find("CAP_NET_RAW") != std::string::npos) GTEST_SKIP() << err;
    FAIL() << err;
  }
  const Bytes frames[] = {numbered_frame(1), numbered_frame(2, L2{{0xa064}}), numbered_frame(3)};
  for (const Bytes& f : frames) ASSERT_TRUE(w.queue().push(f, kTs0));

  // The raw socket sees every GRE packet of the host: keep ours (from 127.0.0.1, our session).
  std::vector<Bytes> got;
  const auto end = Clock::now() + 3s;
  while (got.size() < 3 && Clock::now() < end) {
    Bytes p = recv_one(rx.fd, 200);
    if (p.size() < 20 || p[0] >> 4 != 4 || p[9] != IPPROTO_GRE) continue;
    if (load32(&p[12]) != INADDR_LOOPBACK) continue;
    const size_t ihl = (p[0] & 0x0f) * 4u;
    if (p.size() < ihl + 16 || (load16(&p[ihl + 10]) & 0x3ff) != kSession) continue;
    got.emplace_back(p.begin() + static_cast<std::ptrdiff_t>(ihl), p.end());
  }
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Bytes& g = got[i];
    EXPECT_EQ(load16(&g[0]), 0x1000);  // S bit
    EXPECT_EQ(load16(&g[2]), kGreProtoErspan2);
    EXPECT_EQ(load32(&g[4]), i);  // the sequence number counts the session's copies
    EXPECT_EQ(g[8] >> 4, 1);      // ERSPAN version 1: type II
    uint8_t want[16];
    erspan2_header(static_cast<uint32_t>(i), kSession, frames[i], want);
    EXPECT_EQ(Bytes(g.begin(), g.begin() + 16), Bytes(want, want + 16));
    EXPECT_EQ(Bytes(g.begin() + 16, g.end()), frames[i]);
  }
  EXPECT_EQ(load16(&got[1][8]) & 0x0fff, 100);  // the VLAN of the tagged frame
  w.stop();
  EXPECT_EQ(w.stats().sent, 3u);
}

TEST(MirrorWriter, RefusingCollectorCountsErrorsAndDoesNotHang) {
  uint16_t closed_port;
  {
    Fd tmp(::socket(AF_INET, SOCK_DGRAM, 0));
    closed_port = bind_loopback_udp(tmp.fd);
  }
  const MirrorOutputConfig c = vxlan_to_loopback(closed_port, 64);
  MirrorWriter w(c);
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;
  constexpr uint64_t kN = 40;
  Bytes f = numbered_frame(1);
  for (uint64_t i = 0; i < kN; ++i) {
    ASSERT_TRUE(wait_until([&] { return w.queue().push(f, kTs0); }));
    std::this_thread::sleep_for(1ms);  // let the ICMP port unreachable come back
  }
  // Each datagram comes back as an ICMP port unreachable, reported on the next send: counted,
  // and that copy is sent again, so none is lost to the refusals.
  ASSERT_TRUE(wait_until([&] { return w.stats().sent == kN; })) << w.stats().send_errors;
  const auto t0 = Clock::now();
  w.stop();
  EXPECT_LT(Clock::now() - t0, 1s);
  MirrorStats s = w.stats();
  EXPECT_GT(s.send_errors, 0u);
  EXPECT_EQ(s.sent, kN);
  EXPECT_EQ(s.dropped_at_stop, 0u);
  EXPECT_NE(w.last_error().find("refused"), std::string::npos) << w.last_error();
}

class MirrorFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pw-mirror-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

struct PcapHeader {
  uint32_t magic = 0, snaplen = 0, linktype = 0;
  uint16_t major = 0, minor = 0;
};
PcapHeader pcap_header(const fs::path& p) {
  uint8_t b[24] = {};
  std::ifstream(p, std::ios::binary).read(reinterpret_cast<char*>(b), sizeof b);
  PcapHeader h;
  std::memcpy(&h.magic, b, 4);
  std::memcpy(&h.major, b + 4, 2);
  std::memcpy(&h.minor, b + 6, 2);
  std::memcpy(&h.snaplen, b + 16, 4);
  std::memcpy(&h.linktype, b + 20, 4);
  return h;
}

TEST_F(MirrorFiles, PcapRotationKeepsMaxFilesNewestInFile) {
  const Bytes one = numbered_frame(0);
  const size_t rec = 16 + one.size();
  MirrorOutputConfig c;
  c.kind = Kind::Pcap;
  c.pcap_file = (dir_ / "sub" / "mirror.pcap").string();  // the directory does not exist yet
  c.max_size = 24 + 4 * rec + rec / 2;  // four records per file
  c.max_files = 3;
  c.queue_size = 1024;
  MirrorWriter w(c);
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;
  constexpr int kN = 30;
  for (int i = 0; i < kN; ++i)
    ASSERT_TRUE(w.queue().push(numbered_frame(i), kTs0 + static_cast<uint64_t>(i) * 1000));
  w.stop();

  MirrorStats s = w.stats();
  EXPECT_EQ(s.sent, static_cast<uint64_t>(kN));
  EXPECT_EQ(s.send_errors, 0u);
  EXPECT_EQ(s.files_rotated, 7u);  // 8 files of 4, 4, ..., 2 records
  EXPECT_EQ(s.bytes_sent, kN * rec);

  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_ / "sub")) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"mirror.pcap", "mirror.pcap.1", "mirror.pcap.2"}));

  // Oldest first: .2, .1, then FILE with the newest frames; together the last 10, in order.
  std::vector<PcapFrame> all;
  const std::string order[] = {"mirror.pcap.2", "mirror.pcap.1", "mirror.pcap"};
  const size_t counts[] = {4, 4, 2};
  for (size_t k = 0; k < 3; ++k) {
    const fs::path p = dir_ / "sub" / order[k];
    PcapHeader h = pcap_header(p);
    EXPECT_EQ(h.magic, 0xa1b23c4du) << p;  // nanosecond timestamps
    EXPECT_EQ(h.major, 2);
    EXPECT_EQ(h.minor, 4);
    EXPECT_EQ(h.linktype, 1u);
    EXPECT_GE(h.snaplen, kMirrorSlotBytes);
    EXPECT_LE(fs::file_size(p), c.max_size);
    std::vector<PcapFrame> fr = read_pcap(p.string());
    EXPECT_EQ(fr.size(), counts[k]) << p;
    all.insert(all.end(), fr.begin(), fr.end());
  }
  ASSERT_EQ(all.size(), 10u);
  for (size_t i = 0; i < all.size(); ++i) {
    const int n = kN - 10 + static_cast<int>(i);
    EXPECT_EQ(all[i].data, numbered_frame(n)) << i;
    EXPECT_EQ(all[i].ts_ns, kTs0 + static_cast<uint64_t>(n) * 1000) << i;
  }
}

TEST_F(MirrorFiles, PcapKeepsTheFileOfAnEarlierRunAndOversizedFrames) {
  MirrorOutputConfig c;
  c.kind = Kind::Pcap;
  c.pcap_file = (dir_ / "m.pcap").string();
  c.max_size = 64;  // smaller than one record: one frame per file
  c.max_files = 2;
  c.queue_size = 64;
  std::ofstream(dir_ / "m.pcap") << "earlier run";
  std::ofstream(dir_ / "m.pcap.5") << "left by max-files 10";
  {
    MirrorWriter w(c);
    std::string err;
    ASSERT_TRUE(w.start(&err)) << err;
    EXPECT_FALSE(fs::exists(dir_ / "m.pcap.5"));
    EXPECT_EQ(fs::file_size(dir_ / "m.pcap.1"), 11u);  // rotated, not overwritten
    Bytes big(3000, 0x42);
    ASSERT_TRUE(w.queue().push(big, kTs0));
    w.stop();
    EXPECT_EQ(w.stats().sent, 1u);
  }
  std::vector<PcapFrame> fr = read_pcap((dir_ / "m.pcap").string());
  ASSERT_EQ(fr.size(), 1u);
  EXPECT_EQ(fr[0].data, Bytes(kMirrorSlotBytes, 0x42));  // truncated to a slot
}

TEST_F(MirrorFiles, UnwritablePcapCountsErrors) {
  std::ofstream(dir_ / "not-a-dir") << "x";
  MirrorOutputConfig c;
  c.kind = Kind::Pcap;
  c.pcap_file = (dir_ / "not-a-dir" / "m.pcap").string();
  c.queue_size = 64;
  MirrorWriter w(c);
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;  // may come right later: not fatal
  Bytes f = numbered_frame(1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(w.queue().push(f, kTs0));
  ASSERT_TRUE(wait_until([&] { return w.stats().send_errors == 3; }));
  w.stop();
  EXPECT_EQ(w.stats().sent, 0u);
  EXPECT_NE(w.last_error(), "");
}

TEST_F(MirrorFiles, StopDrainsAFullQueue) {
  MirrorOutputConfig c;
  c.kind = Kind::Pcap;
  c.pcap_file = (dir_ / "m.pcap").string();
  c.queue_size = 4096;
  MirrorWriter w(c);
  Bytes f = numbered_frame(1);
  // Filled before the writer runs.
  for (int i = 0; i < 4096; ++i) ASSERT_TRUE(w.queue().push(f, kTs0));
  EXPECT_FALSE(w.queue().push(f, kTs0));
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;
  const auto t0 = Clock::now();
  w.stop();  // up to 1 s to drain
  EXPECT_LT(Clock::now() - t0, 2s);
  MirrorStats s = w.stats();
  EXPECT_EQ(s.queued, 4096u);
  EXPECT_EQ(s.dropped_full, 1u);
  EXPECT_EQ(s.sent, 4096u);
  EXPECT_EQ(s.dropped_at_stop, 0u);
  EXPECT_EQ(read_pcap(c.pcap_file).size(), 4096u);  // flushed on stop
}

TEST(MirrorWriter, StopWithAFullQueueIsBounded) {
  Fd sink(::socket(AF_INET, SOCK_DGRAM, 0));  // never read
  ASSERT_GE(sink.fd, 0);
  const MirrorOutputConfig c = vxlan_to_loopback(bind_loopback_udp(sink.fd), 16384);
  MirrorWriter w(c);
  Bytes f(kMirrorSlotBytes, 0x33);
  for (int i = 0; i < 16384; ++i) ASSERT_TRUE(w.queue().push(f, kTs0));
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;
  const auto t0 = Clock::now();
  w.stop(0ms);  // no time to drain
  EXPECT_LT(Clock::now() - t0, 5s);  // bounded, not a speed figure: a hang would be minutes
  MirrorStats s = w.stats();
  EXPECT_EQ(s.sent + s.send_errors + s.dropped_at_stop, 16384u);
  w.stop();  // idempotent
}

TEST(MirrorWriter, IdleWriterDoesNotSpin) {
  Fd sink(::socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_GE(sink.fd, 0);
  const MirrorOutputConfig c = vxlan_to_loopback(bind_loopback_udp(sink.fd), 64);
  MirrorWriter w(c);
  std::string err;
  ASSERT_TRUE(w.start(&err)) << err;
  auto cpu = [] {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  const auto c0 = cpu();
  std::this_thread::sleep_for(400ms);
  EXPECT_LT(cpu() - c0, 150ms);  // a spinning writer would burn the whole 400 ms
}

}  // namespace
}  // namespace pw::dp
