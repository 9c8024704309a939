// Writes seed inputs for the packet_parser and pipeline fuzz targets (run once, results are
// committed under tests/fuzz/corpus/): usage: make_corpus OUT_DIR
#include <filesystem>
#include <fstream>

#include "dataplane/packet.h"
#include "tests/support/packet_builder.h"

using namespace pw::testing;
using namespace pw::dp;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out / "packet_parser");
  std::filesystem::create_directories(out / "pipeline");
  Ip v4{"198.18.0.1", "198.18.20.5"}, v6{"2001:db8::1", "2001:db8:20::5"};
  Ip v4ext = v4;
  v4ext.v4_options = {7, 7, 4, 0, 0, 0, 0, 0};
  Ip v6ext = v6;
  v6ext.v6_ext = {{0, {1, 4, 0, 0, 0, 0}}, {43, {4, 0, 0, 0, 0, 0}}, {60, {1, 4, 0, 0, 0, 0}}};
  Tcp syn{40000, 21, kSyn, 100, 0};
  syn.options = {2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};
  std::vector<Bytes> frames = {
      tcp_frame(v4, syn), tcp_frame(v6ext, syn), tcp_frame(v4ext, {40000, 9100, kAck | kPsh, 1, 1}, "@PJL"),
      udp_frame(v4, 1, 161, bytes("snmp")), udp_frame(v6, 5353, 5353, bytes("mdns"), {{10, 20}}),
      icmp_frame(v4, 8, 0, 1), icmp_frame(v6, 135, 0), arp_frame("198.18.0.1", "198.18.20.5", {{5}}),
      ether({}, kEtherEapol, Bytes{1, 0, 0, 4, 1, 2, 0, 4}),
  };
  for (auto& fr : fragment(udp_frame(v4, 1, 161, Bytes(100, 'a')), {48})) frames.push_back(fr);
  for (auto& fr : fragment(udp_frame(v6, 1, 161, Bytes(100, 'a')), {48})) frames.push_back(fr);
  for (size_t i = 0; i < frames.size(); ++i)
    std::ofstream(out / "packet_parser" / ("seed" + std::to_string(i)), std::ios::binary)
        .write(reinterpret_cast<const char*>(frames[i].data()), static_cast<std::streamsize>(frames[i].size()));
  // Pipeline: a few sessions as captures.
  auto session = [](const Ip& c2s, uint16_t dport, const std::string& req) {
    Ip s2c{c2s.dst, c2s.src};
    uint64_t t = 1'700'000'000'000'000'000ull;
    return std::vector<PcapFrame>{
        {tcp_frame(c2s, {40000, dport, kSyn, 99, 0}), t += 10},
        {tcp_frame(s2c, {dport, 40000, kSyn | kAck, 499, 100}), t += 10},
        {tcp_frame(c2s, {40000, dport, kAck, 100, 500}), t += 10},
        {tcp_frame(c2s, {40000, dport, kAck | kPsh, 100, 500}, req), t += 10},
        {tcp_frame(c2s, {40000, dport, kAck | kFin, 100 + uint32_t(req.size()), 500}), t += 10},
    };
  };
  write_pcap((out / "pipeline" / "ftp.pcap").string(), session(v4, 21, "USER a\r\nPASS b\r\n"));
  write_pcap((out / "pipeline" / "raw6.pcap").string(), session(v6, 9100, "%!PS"));
  write_pcap((out / "pipeline" / "https.pcap").string(), session({"198.18.40.2", "198.18.20.5"}, 443, "\x16\x03\x01"));
  std::vector<PcapFrame> mixed;
  uint64_t t = 1;
  for (auto& fr : frames) mixed.push_back({fr, t += 1000});
  write_pcap((out / "pipeline" / "mixed.pcap").string(), mixed);
  return 0;
}
