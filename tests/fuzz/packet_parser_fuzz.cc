// Fuzz target: the frame parser, reassembly and the RST/ICMP builders on arbitrary bytes.
// Invariants: no out-of-bounds read (ASan), offsets inside the frame, a parsed TCP/UDP frame's
// payload inside its IP datagram.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dataplane/io/inject.h"
#include "dataplane/ip_reassembly.h"
#include "dataplane/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pw::dp;
  static Reassembler reasm(ReassemblyLimits{64, 16, 1'000'000'000ull, 65535, 256});
  static uint64_t now = 0;
  PacketView v;
  std::span<const uint8_t> frame(data, size);
  pw::Reason r = parse_frame(frame, v);
  if (r != pw::Reason::Forwarded) return 0;
  if (v.l3_offset > size) std::abort();
  if (v.is_ip()) {
    if (v.ip.data() < data || v.ip.data() + v.ip.size() > data + size) std::abort();
    if (v.is_fragment) {
      auto res = reasm.add(v, ++now);
      if (res.status == Reassembler::Status::Complete) {
        PacketView d = reasm.datagram();
        if (parse_l4(d) == pw::Reason::Forwarded) {
          if (size_t(d.payload_offset) + d.payload_length > d.ip.size()) std::abort();
          (void)l4_checksum_ok(d);
        }
      }
      reasm.expire(now, 4);
      return 0;
    }
    if (size_t(v.payload_offset) + v.payload_length > v.ip.size()) std::abort();
    (void)l4_checksum_ok(v);
    uint8_t out[kMaxInjectedFrame];
    size_t n = build_tcp_rst(v, true, 1, 2, true, out);
    if (n) {
      PacketView back;
      if (parse_frame({out, n}, back) != pw::Reason::Forwarded) std::abort();
    }
    n = build_icmp_prohibited(v, out);
    if (n) {
      PacketView back;
      if (parse_frame({out, n}, back) != pw::Reason::Forwarded) std::abort();
    }
  }
  return 0;
}
