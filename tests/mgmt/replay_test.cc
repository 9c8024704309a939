// `printwall replay` end to end on captures the tests build: both profiles, the guide's
// port-usage table, byte-for-byte forwarding, outputs and errors.
#include "mgmt/printwall/replay.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dataplane/packet.h"
#include "tests/support/packet_builder.h"

namespace pw::mgmt {
namespace {

using namespace pw::testing;
using dp::kAck;
using dp::kFin;
using dp::kPsh;
using dp::kSyn;
namespace fs = std::filesystem;

// Every port of the guide's port-usage table (hardening-guide.md), as (tcp?, port).
const std::vector<std::pair<bool, uint16_t>> kPortUsage = {
    {true, 515},    {true, 9100},   {true, 21},     {false, 3702},  {true, 60000},
    {false, 1900},  {true, 631},    {false, 137},   {false, 138},   {true, 139},
    {true, 445},    {true, 25},     {true, 9002},   {true, 9006},   {true, 9007},
    {true, 9011},   {true, 9012},   {true, 9013},   {true, 9014},   {true, 9015},
    {true, 9017},   {true, 9018},   {true, 9019},   {true, 9022},   {true, 9023},
    {true, 9025},   {true, 20317},  {true, 47545},  {true, 47546},  {true, 47547},
    {false, 47545}, {true, 5900},   {false, 5004},  {false, 5005},  {false, 5060},
    {true, 5061},   {false, 49152}, {false, 5353},  {false, 427},   {false, 161},
};

class Replay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pw-replay-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  int replay(const std::string& conf, const std::vector<PcapFrame>& frames) {
    std::string in = (dir_ / "in.pcap").string();
    EXPECT_TRUE(write_pcap(in, frames));
    return run({"--config", conf, "--in", in, "--out", (dir_ / "out").string()});
  }
  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return replay_main(args, out_, err_);
  }
  std::vector<PcapFrame> forwarded() { return read_pcap((dir_ / "out" / "forwarded.pcap").string()); }
  std::vector<PcapFrame> mirrored() { return read_pcap((dir_ / "out" / "mirror.pcap").string()); }
  std::vector<nlohmann::json> events() {
    std::vector<nlohmann::json> v;
    std::ifstream in(dir_ / "out" / "events.jsonl");
    std::string line;
    while (std::getline(in, line)) v.push_back(nlohmann::json::parse(line));
    return v;
  }

  fs::path dir_;
  std::ostringstream out_, err_;
};

constexpr const char* kEnterprise =
    "set profile enterprise\n"
    "set printer-network 198.18.20.0/24\n"
    "set printer-network 2001:db8:20::/48\n"
    "set group management address 198.18.40.0/24\n"
    "set group print-servers address 198.18.41.10\n"
    // Small tables: each replay's start-up stays short.
    "set flows max-entries 8192\n"
    "set stream max-flows 64\n";

constexpr const char* kSmallOffice =
    "set profile small-office\n"
    "set printer-network 198.18.20.0/24\n"
    "set printer-network 2001:db8:20::/48\n"
    "set flows max-entries 8192\n"
    "set stream max-flows 64\n";

// One connection attempt per port of the table from a host in no group, v4 and v6.
std::vector<PcapFrame> port_usage_probes() {
  std::vector<PcapFrame> f;
  uint64_t t = 1'700'000'000'000'000'000ull;
  for (const char* src : {"198.18.0.66", "2001:db8::66"}) {
    Ip ip{src, src[0] == '1' ? "198.18.20.5" : "2001:db8:20::5"};
    for (auto [tcp, port] : kPortUsage) {
      Bytes q = bytes("probe");
      f.push_back({tcp ? tcp_frame(ip, {41000, port, kSyn, 1, 0}) : udp_frame(ip, 41000, port, q),
                   t += 1000});
    }
  }
  return f;
}

TEST_F(Replay, EnterpriseDeniesEveryPortOfThePortUsageTable) {
  auto probes = port_usage_probes();
  ASSERT_EQ(replay(file("e.conf", kEnterprise), probes), 0) << err_.str();
  EXPECT_TRUE(forwarded().empty());
  auto ev = events();
  // One denial per probe (port-scan alerts come on top).
  size_t denials = 0;
  for (const auto& e : ev)
    if (e["action"] == "drop" || e["action"] == "reject") ++denials;
  EXPECT_EQ(denials, probes.size());
  for (const auto& e : ev) {
    for (const char* k : {"ts", "action", "reason", "proto", "src_ip", "src_port", "dst_ip",
                          "dst_port", "vlan", "service", "profile", "policy_generation",
                          "timestamp", "event_type", "host", "dest_ip", "dest_port", "direction",
                          "alert"})
      EXPECT_TRUE(e.contains(k)) << k << " missing in " << e.dump();
    EXPECT_EQ(e["profile"], "enterprise");
  }
  // The port scan from each source is reported once.
  size_t scans = 0;
  for (const auto& e : ev) scans += e["reason"] == "port-scan";
  EXPECT_EQ(scans, 2u);
  // Denied probes are mirrored to the NIDS.
  EXPECT_EQ(mirrored().size(), probes.size());
  EXPECT_NE(err_.str().find(std::to_string(probes.size()) + " frames in, 0 forwarded"),
            std::string::npos)
      << err_.str();
}

std::vector<PcapFrame> session(const Ip& c2s, uint16_t sport, uint16_t dport,
                               const std::string& req, const std::string& resp) {
  Ip s2c{c2s.dst, c2s.src};
  uint64_t t = 1'700'000'000'000'000'000ull;
  uint32_t c = 7000, s = 90000;
  auto n = [](const std::string& x) { return static_cast<uint32_t>(x.size()); };
  return {
      {tcp_frame(c2s, {sport, dport, kSyn, c - 1, 0}), t += 10},
      {tcp_frame(s2c, {dport, sport, kSyn | kAck, s - 1, c}), t += 10},
      {tcp_frame(c2s, {sport, dport, kAck, c, s}), t += 10},
      {tcp_frame(c2s, {sport, dport, kAck | kPsh, c, s}, req), t += 10},
      {tcp_frame(s2c, {dport, sport, kAck | kPsh, s, c + n(req)}, resp), t += 10},
      {tcp_frame(c2s, {sport, dport, kAck | kFin, c + n(req), s + n(resp)}), t += 10},
      {tcp_frame(s2c, {dport, sport, kAck | kFin, s + n(resp), c + n(req) + 1}), t += 10},
      {tcp_frame(c2s, {sport, dport, kAck, c + n(req) + 1, s + n(resp) + 1}), t += 10},
  };
}

void expect_same(const std::vector<PcapFrame>& got, const std::vector<PcapFrame>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].data, want[i].data) << "frame " << i;
    EXPECT_EQ(got[i].ts_ns, want[i].ts_ns) << "frame " << i;
  }
}

TEST_F(Replay, AllowedServicesPassUntouchedByteForByte) {
  // Small office: RAW printing from anyone, v4 and v6.
  auto raw = session({"198.18.0.9", "198.18.20.5"}, 40000, 9100, "\x1b%-12345X@PJL\r\n", "");
  auto raw6 = session({"2001:db8::9", "2001:db8:20::5"}, 40001, 9100, "%!PS-Adobe\n", "");
  std::vector<PcapFrame> all = raw;
  all.insert(all.end(), raw6.begin(), raw6.end());
  ASSERT_EQ(replay(file("s.conf", kSmallOffice), all), 0) << err_.str();
  expect_same(forwarded(), all);
  EXPECT_TRUE(events().empty());
  EXPECT_TRUE(mirrored().empty());
  // Enterprise: the Remote UI over HTTPS from the management group.
  auto ui = session({"198.18.40.7", "198.18.20.5"}, 40002, 443, "\x16\x03\x01", "\x16\x03\x03");
  ASSERT_EQ(replay(file("e.conf", kEnterprise), ui), 0) << err_.str();
  expect_same(forwarded(), ui);
  // ... and not from anywhere else.
  auto ui2 = session({"198.18.0.7", "198.18.20.5"}, 40002, 443, "\x16\x03\x01", "\x16\x03\x03");
  ASSERT_EQ(replay(file("e.conf", kEnterprise), ui2), 0);
  EXPECT_TRUE(forwarded().empty());
}

TEST_F(Replay, SmallOfficeClosesIppAndRemoteUiHttp) {
  std::vector<PcapFrame> f = {
      {tcp_frame({"198.18.0.9", "198.18.20.5"}, {40000, 631, kSyn, 1, 0}), 1000},
      {tcp_frame({"198.18.0.9", "198.18.20.5"}, {40001, 80, kSyn, 1, 0}), 2000},
  };
  ASSERT_EQ(replay(file("s.conf", kSmallOffice), f), 0) << err_.str();
  EXPECT_TRUE(forwarded().empty());
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["service"], "ipp-print");
  EXPECT_EQ(ev[0]["reason"], "service-deny");
  EXPECT_EQ(ev[1]["service"], "remote-ui-http");
  EXPECT_EQ(ev[0]["dst_port"], 631);
  EXPECT_EQ(ev[0]["src_ip"], "198.18.0.9");
  EXPECT_EQ(ev[0]["proto"], "tcp");
}

TEST_F(Replay, VlanTaggedAndQinQFramesKeepTheirTags) {
  auto f = session({"198.18.0.9", "198.18.20.5"}, 40000, 9100, "data", "");
  for (auto& x : f) {
    dp::PacketView v;
    ASSERT_EQ(dp::parse_frame(x.data, v), Reason::Forwarded);
    Bytes inner(x.data.begin() + 14, x.data.end());
    x.data = ether({{100, 20}}, dp::kEtherIpv4, inner);
  }
  ASSERT_EQ(replay(file("s.conf", kSmallOffice), f), 0) << err_.str();
  expect_same(forwarded(), f);
}

TEST_F(Replay, BadConfigurationNamesFileLineAndLeavesNoOutput) {
  std::string conf = file("bad.conf", "set profile enterprise\nset printer-network 198.18.20.1/24\n");
  EXPECT_EQ(replay(conf, port_usage_probes()), 1);
  EXPECT_NE(err_.str().find(conf + ":2:21: error: bad prefix"), std::string::npos) << err_.str();
  EXPECT_FALSE(fs::exists(dir_ / "out" / "forwarded.pcap"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "events.jsonl"));
}

TEST_F(Replay, BadCaptures) {
  std::string conf = file("s.conf", kSmallOffice);
  std::string junk = file("junk.pcap", "this is not a capture at all, not even close");
  EXPECT_EQ(run({"--config", conf, "--in", junk, "--out", (dir_ / "out").string()}), 1);
  EXPECT_NE(err_.str().find(junk + ": error: cannot read capture"), std::string::npos) << err_.str();
  EXPECT_EQ(run({"--config", conf, "--in", (dir_ / "none.pcap").string(), "--out",
                 (dir_ / "out").string()}),
            1);
  // A capture cut in the middle of its last record (copied while it was written): a warning,
  // and the frames before it are replayed.
  auto frames = session({"198.18.0.9", "198.18.20.5"}, 40000, 9100, "data", "");
  ASSERT_EQ(replay(conf, frames), 0);
  ASSERT_TRUE(fs::exists(dir_ / "out" / "forwarded.pcap"));
  std::string in = (dir_ / "in.pcap").string();
  fs::resize_file(in, fs::file_size(in) - 10);
  EXPECT_EQ(run({"--config", conf, "--in", in, "--out", (dir_ / "out").string()}), 0) << err_.str();
  EXPECT_NE(err_.str().find(in + ": warning: the last record is cut short"), std::string::npos) << err_.str();
  EXPECT_EQ(forwarded().size(), frames.size() - 1);
  // A record header that cannot be (a captured length of 16 MiB): a corrupt capture, an error,
  // and the outputs of the earlier run are not left behind looking like this run's.
  ASSERT_TRUE(write_pcap(in, frames));
  {
    std::fstream f(in, std::ios::in | std::ios::out | std::ios::binary);
    const std::streamoff second = 24 + 16 + static_cast<std::streamoff>(frames[0].data.size());
    f.seekp(second + 8);
    const uint32_t huge = 0x01000000;
    f.write(reinterpret_cast<const char*>(&huge), 4);
  }
  EXPECT_EQ(run({"--config", conf, "--in", in, "--out", (dir_ / "out").string()}), 1);
  EXPECT_NE(err_.str().find(in + ": error: capture corrupt after 1 frames"), std::string::npos) << err_.str();
  EXPECT_FALSE(fs::exists(dir_ / "out" / "forwarded.pcap"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "mirror.pcap"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "events.jsonl"));
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    ADD_FAILURE() << "left behind: " << e.path();
}

// A minimal pcapng writer (SHB, one IDB, EPBs): libpcap reads pcapng but does not write it.
void write_pcapng(const std::string& path, const std::vector<PcapFrame>& frames) {
  std::ofstream o(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { o.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { o.write(reinterpret_cast<const char*>(&v), 2); };
  u32(0x0A0D0D0A); u32(28); u32(0x1A2B3C4D); u16(1); u16(0);
  u32(0xffffffff); u32(0xffffffff); u32(28);
  u32(1); u32(20); u16(1); u16(0); u32(65535); u32(20);
  for (const auto& f : frames) {
    uint32_t pad = (4 - f.data.size() % 4) % 4;
    uint32_t len = static_cast<uint32_t>(32 + f.data.size() + pad);
    uint64_t us = f.ts_ns / 1000;
    u32(6); u32(len); u32(0); u32(static_cast<uint32_t>(us >> 32)); u32(static_cast<uint32_t>(us));
    u32(static_cast<uint32_t>(f.data.size())); u32(static_cast<uint32_t>(f.data.size()));
    o.write(reinterpret_cast<const char*>(f.data.data()), static_cast<std::streamsize>(f.data.size()));
    for (uint32_t i = 0; i < pad; ++i) o.put(0);
    u32(len);
  }
}

// Writes `frames` (their bytes as they are) as a pcap of link type `dlt` at `precision`.
void write_pcap_as(const std::string& path, int dlt, int precision, const std::vector<PcapFrame>& frames) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, static_cast<u_int>(precision));
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(d, nullptr);
  const uint64_t unit = precision == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
  for (const auto& f : frames) {
    struct pcap_pkthdr h {};
    h.ts.tv_sec = static_cast<time_t>(f.ts_ns / 1'000'000'000ull);
    h.ts.tv_usec = static_cast<suseconds_t>(f.ts_ns % 1'000'000'000ull / unit);
    h.caplen = h.len = static_cast<bpf_u_int32>(f.data.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

// Captures of `tcpdump -i any` (Linux cooked v1 and v2), raw IP, and microsecond pcaps: each
// frame reaches the pipeline behind an Ethernet header with its protocol as the EtherType, and
// the timestamps keep their value.
TEST_F(Replay, CookedRawAndMicrosecondCaptures) {
  auto frames = session({"198.18.0.9", "198.18.20.5"}, 40000, 9100, "data", "");
  for (auto& f : frames) f.ts_ns -= f.ts_ns % 1000;  // microseconds hold them exactly
  const std::string conf = file("s.conf", kSmallOffice);
  const std::string in = (dir_ / "in.pcap").string();
  const uint8_t mac[6] = {2, 0, 0, 0, 0, 9};
  auto behind = [](Bytes hdr, const Bytes& ip) {  // hdr then ip
    const size_t n = hdr.size();
    hdr.resize(n + ip.size());
    std::memcpy(hdr.data() + n, ip.data(), ip.size());
    return hdr;
  };
  struct Variant {
    const char* name;
    int dlt;
    std::function<Bytes(const Bytes& ip)> wrap;
  };
  const std::vector<Variant> variants = {
      {"linux cooked v1", DLT_LINUX_SLL,
       [&](const Bytes& ip) {
         return behind({0, 0, 0, 1, 0, 6, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 0, 0, 0x08, 0x00}, ip);
       }},
      {"linux cooked v2", DLT_LINUX_SLL2,
       [&](const Bytes& ip) {
         return behind({0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 0, 0}, ip);
       }},
      {"raw IP", DLT_RAW, [&](const Bytes& ip) { return ip; }},
      {"Ethernet, microseconds", DLT_EN10MB, nullptr},
  };
  for (const auto& v : variants) {
    SCOPED_TRACE(v.name);
    std::vector<PcapFrame> recs = frames;
    if (v.wrap)
      for (auto& r : recs) r.data = v.wrap(Bytes(r.data.begin() + 14, r.data.end()));
    write_pcap_as(in, v.dlt, v.wrap ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, recs);
    ASSERT_EQ(run({"--config", conf, "--in", in, "--out", (dir_ / "out").string()}), 0) << err_.str();
    auto got = forwarded();
    ASSERT_EQ(got.size(), frames.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_GE(got[i].data.size(), 14u);
      EXPECT_EQ(Bytes(got[i].data.begin() + 14, got[i].data.end()),
                Bytes(frames[i].data.begin() + 14, frames[i].data.end()));
      EXPECT_EQ(got[i].data[12], 0x08);
      EXPECT_EQ(got[i].data[13], 0x00);
      EXPECT_EQ(got[i].ts_ns, frames[i].ts_ns);
      if (v.dlt == DLT_LINUX_SLL || v.dlt == DLT_LINUX_SLL2) {
        EXPECT_EQ(Bytes(got[i].data.begin() + 6, got[i].data.begin() + 12), Bytes(mac, mac + 6));
      }
    }
    // The summary carries the daemon's counters.
    EXPECT_NE(err_.str().find("  count frames_in: " + std::to_string(frames.size())), std::string::npos) << err_.str();
  }
  // A link type that is none of these is refused by name.
  write_pcap_as(in, DLT_IEEE802_11, PCAP_TSTAMP_PRECISION_NANO, frames);
  EXPECT_EQ(run({"--config", conf, "--in", in, "--out", (dir_ / "out").string()}), 1);
  EXPECT_NE(err_.str().find("link type IEEE802_11 is not read"), std::string::npos) << err_.str();
}

TEST_F(Replay, ReadsPcapng) {
  auto frames = session({"198.18.0.9", "198.18.20.5"}, 40000, 9100, "data", "");
  std::string in = (dir_ / "in.pcapng").string();
  write_pcapng(in, frames);
  ASSERT_EQ(run({"--config", file("s.conf", kSmallOffice), "--in", in, "--out",
                 (dir_ / "out").string()}),
            0)
      << err_.str();
  auto got = forwarded();
  ASSERT_EQ(got.size(), frames.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].data, frames[i].data);
}

// A long capture says how far it is: with --progress 0, a line at every 65,536 frames.
TEST_F(Replay, ProgressLinesOnALongCapture) {
  std::vector<PcapFrame> frames;
  uint64_t t = 1'700'000'000'000'000'000ull;
  const Bytes q = bytes("x");
  for (int i = 0; i < 70000; ++i)  // transit: counted and dropped, no event each
    frames.push_back({udp_frame({"198.18.0.9", "198.18.0.10"}, 40000, 9999, q), t += 1000});
  const std::string in = (dir_ / "long.pcap").string();
  ASSERT_TRUE(write_pcap(in, frames));
  const std::string conf = file("s.conf", kSmallOffice);
  ASSERT_EQ(run({"--config", conf, "--in", in, "--out", (dir_ / "out").string(), "--progress", "0"}), 0)
      << err_.str();
  EXPECT_NE(err_.str().find("replay: 65536 frames, "), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("% of " + in), std::string::npos) << err_.str();
  // --quiet: no line at all.
  ASSERT_EQ(run({"--config", conf, "--in", in, "--out", (dir_ / "out").string(), "--quiet", "--progress", "0"}), 0);
  EXPECT_EQ(err_.str(), "");
}

TEST_F(Replay, UsageErrors) {
  EXPECT_EQ(run({}), 2);
  EXPECT_EQ(run({"--config"}), 2);
  EXPECT_EQ(run({"--bogus"}), 2);
  EXPECT_EQ(run({"--config", "c", "--in", "i", "--out", "o", "--progress", "-1"}), 2);
  EXPECT_NE(err_.str().find("--progress takes seconds"), std::string::npos) << err_.str();
  EXPECT_EQ(run({"--config", "c", "--in", "i", "--out", "o", "--progress", "3x"}), 2);
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_NE(out_.str().find("forwarded.pcap"), std::string::npos);
}

}  // namespace
}  // namespace pw::mgmt

// The inspectors through the whole pipeline: a clear-text FTP login toward a small-office printer,
// split and wrapped every way an evader would. The password never appears in anything the gateway
// forwards, the flow is mirrored, each end gets a RST.
namespace pw::mgmt {
namespace {

std::vector<PcapFrame> ftp_login(const Ip& c2s, const L2& l2, size_t seg, bool fragment_ip) {
  Ip s2c{c2s.dst, c2s.src};
  uint64_t t = 1'700'000'000'000'000'000ull;
  std::vector<PcapFrame> f;
  auto add = [&](const Bytes& b) { f.push_back({b, t += 10}); };
  uint32_t c = 1000, s = 9000;
  add(tcp_frame(c2s, {40000, 21, kSyn, c - 1, 0}, "", l2));
  add(tcp_frame(s2c, {21, 40000, kSyn | kAck, s - 1, c}, "", l2));
  add(tcp_frame(c2s, {40000, 21, kAck, c, s}, "", l2));
  std::string greet = "220 (vsFTPd 3.0.3)\r\n";
  add(tcp_frame(s2c, {21, 40000, kAck | kPsh, s, c}, greet, l2));
  s += static_cast<uint32_t>(greet.size());
  std::string login = "user printer\r\nPASS s3cr3t-pw\r\n";
  for (size_t off = 0; off < login.size(); off += seg) {
    std::string part = login.substr(off, seg);
    Bytes frame = tcp_frame(c2s, {40000, 21, kAck | kPsh, c + static_cast<uint32_t>(off), s}, part, l2);
    if (fragment_ip && part.size() >= 16) {
      for (auto& fr : fragment(frame, {24})) add(fr);  // the TCP header whole in the first
    } else {
      add(frame);
    }
  }
  return f;
}

bool contains(const std::vector<PcapFrame>& frames, const std::string& needle) {
  std::string all;
  for (const auto& f : frames) all.append(f.data.begin(), f.data.end());
  return all.find(needle) != std::string::npos;
}

TEST_F(Replay, PlaintextFtpLoginNeverCrosses) {
  struct Way {
    const char* name;
    Ip ip;
    L2 l2;
    size_t seg;
    bool frag;
  };
  Ip v6{"2001:db8::9", "2001:db8:20::5"};
  Ip v6ext = v6;
  v6ext.v6_ext = {{0, {1, 4, 0, 0, 0, 0}}, {60, {1, 4, 0, 0, 0, 0}}};
  const Way ways[] = {
      {"whole", {"198.18.0.9", "198.18.20.5"}, {}, 1000, false},
      {"1-byte segments", {"198.18.0.9", "198.18.20.5"}, {}, 1, false},
      {"3-byte segments, 802.1Q", {"198.18.0.9", "198.18.20.5"}, {{20}}, 3, false},
      {"QinQ", {"198.18.0.9", "198.18.20.5"}, {{100, 20}}, 1000, false},
      {"IP fragments", {"198.18.0.9", "198.18.20.5"}, {}, 1000, true},
      {"IPv6 ext headers, 2-byte segments", v6ext, {}, 2, false},
  };
  for (const Way& w : ways) {
    SCOPED_TRACE(w.name);
    auto frames = ftp_login(w.ip, w.l2, w.seg, w.frag);
    ASSERT_EQ(replay(file("s.conf", kSmallOffice), frames), 0) << err_.str();
    auto fwd = forwarded();
    EXPECT_FALSE(contains(fwd, "s3cr3t")) << "password forwarded";
    EXPECT_FALSE(contains(fwd, "printer\r\n")) << "user name forwarded";
    size_t to_21 = 0;
    for (const auto& m : mirrored()) {
      dp::PacketView v;
      if (dp::parse_frame(m.data, v) == Reason::Forwarded && (v.dport == 21 || v.is_fragment)) ++to_21;
    }
    EXPECT_GE(to_21, 1u) << "the denied frame is not mirrored";
    bool denied = false;
    for (const auto& e : events())
      if (e["reason"] == "plaintext-auth") {
        denied = true;
        EXPECT_EQ(e["service"], "ftp-print");
        EXPECT_EQ(e["action"], "reject");
        EXPECT_EQ(e.dump().find("s3cr3t"), std::string::npos);  // never in the event
      }
    EXPECT_TRUE(denied);
    // Two RSTs injected (one to each end).
    size_t rsts = 0;
    for (const auto& f : fwd) {
      dp::PacketView v;
      if (dp::parse_frame(f.data, v) == Reason::Forwarded && v.ip_proto == dp::kProtoTcp &&
          (v.tcp_flags & dp::kRst))
        ++rsts;
    }
    EXPECT_EQ(rsts, 2u);
  }
}

}  // namespace
}  // namespace pw::mgmt
