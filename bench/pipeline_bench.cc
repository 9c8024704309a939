// The fast-path pipeline on synthetic traffic, enterprise profile, one core.
//
//   BM_Reference_ParseForward   reference measured in the same run: parse L2-L4 + forward only
//   BM_Established64            64-byte frames of established, uninspected flows
//   BM_EstablishedNormalised64  64-byte frames of flows under the stream normaliser
//   BM_Imix                     7:4:1 mix of 64/594/1518-byte frames, established flows
//   BM_SynStorm/empty|full      new-flow SYNs into a 1M-entry table, empty and full
//   BM_PassThroughUninspected*  established flows of an uninspected service, data both ways
//   BM_PassThroughTls*          the same traffic on flows of an inspected TLS service, each past
//                               a real TLS handshake (its inspector has gone pass-through)
//
// Frames are built per burst from templates whose sequence numbers advance, so every frame is
// new data on its flow (no retransmission shortcut); the reference builds its bursts the same way.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/pipeline.h"
#include "protocols/inspector_registry.h"
#include "tests/support/packet_builder.h"
#include "tests/support/tls_transcript.h"

namespace {

using namespace pw;
using namespace pw::testing;
using dp::kAck;
using dp::kPsh;
using dp::kSyn;

constexpr size_t kBurst = 32;

class NullSink : public dp::PipelineSink {
 public:
  uint64_t forwarded = 0, other = 0;
  void forward_input(size_t, dp::Side) override { ++forwarded; }
  void emit(std::span<const uint8_t>, dp::Side, uint64_t) override { ++other; }
  void mirror(std::span<const uint8_t>, uint64_t) override { ++other; }
  bool event(const dp::Event&) override { return ++other != 0; }
};

std::shared_ptr<const policy::CompiledPolicy> enterprise() {
  static auto p = [] {
    std::string text =
        "set profile enterprise\n"
        "set printer-network 198.18.20.0/22\n"
        "set group print-servers address 198.19.0.0/16\n"
        "set group management address 198.18.40.0/24\n"
        // An uninspected service (a site's own addition) for the pass-through figures.
        "set service bench-raw direction to-printers\n"
        "set service bench-raw protocol tcp\n"
        "set service bench-raw port 9200\n"
        "set service bench-raw peer-group print-servers\n"
        // An inspected TLS service for the same peers (HTTPS from the print servers), for the
        // pass-through figures: its flows are inspected until the handshake is accepted.
        "set service bench-https direction to-printers\n"
        "set service bench-https protocol tcp\n"
        "set service bench-https port 443\n"
        "set service bench-https peer-group print-servers\n"
        "set service bench-https inspect tls\n"
        "set service bench-https tls implicit\n";
    auto r = policy::parse_config(text, "bench.conf");
    auto m = policy::build_model(r.config);
    if (!m.ok()) std::abort();
    return policy::compile(m.model, 1);
  }();
  return p;
}

dp::PipelineLimits limits(size_t flows) {
  dp::PipelineLimits l;
  l.flows = flows;
  l.streams = 16384;
  l.stream_window = 16384;
  l.inspector_states = 16384;
  return l;
}

// RFC 1624 incremental checksum update for a 32-bit field that changed from `from` to `to`.
void csum_update32(uint8_t* csum, uint32_t from, uint32_t to) {
  uint32_t sum = static_cast<uint16_t>(~dp::load16(csum));
  sum += static_cast<uint16_t>(~(from >> 16)) + static_cast<uint16_t>(~from);
  sum += (to >> 16) + (to & 0xffff);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  dp::store16(csum, static_cast<uint16_t>(~sum));
}

// N established flows (print server -> printer). Each burst carries the next data segment of
// consecutive flows; with `acks`, every data frame is followed by the printer's ACK of it (flows
// under the normaliser may not have more than its window unacknowledged).
struct Flows {
  struct One {
    Bytes data_tpl;  // client -> printer, seq kTplSeq
    Bytes ack_tpl;   // printer -> client, ack kTplSeq
    uint32_t seq;
  };
  static constexpr uint32_t kTplSeq = 1001;
  static constexpr size_t kTcp = 14 + 20;  // TCP header offset in the templates
  std::vector<One> flows;
  bool acks;
  uint64_t now = 1'700'000'000'000'000'000ull;

  Flows(dp::Pipeline& p, size_t n, uint16_t dport, size_t frame_size, bool with_acks)
      : acks(with_acks) {
    NullSink sink;
    for (size_t i = 0; i < n; ++i) {
      std::string src = "198.19." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
      std::string dst = "198.18.20." + std::to_string(i % 200 + 1);
      Ip c2s{src, dst}, s2c{dst, src};
      uint16_t sport = static_cast<uint16_t>(20000 + i % 40000);
      Tcp syn{sport, dport, kSyn, kTplSeq - 1, 0};
      syn.options = {3, 3, 7, 0};  // window scale 7 both ways: an 8 MB window once scaled
      Tcp synack{dport, sport, kSyn | kAck, 500000, kTplSeq};
      synack.options = {3, 3, 7, 0};
      Bytes f[4] = {tcp_frame(c2s, syn), tcp_frame(s2c, synack),
                    tcp_frame(c2s, {sport, dport, kAck, kTplSeq, 500001}),
                    tcp_frame(s2c, {dport, sport, kAck, 500001, kTplSeq})};
      for (int k = 0; k < 4; ++k) {  // the printer's frames arrive on the inside port
        dp::Frame fr{f[k], now += 10, k % 2 ? dp::Side::Inside : dp::Side::Outside};
        p.process({&fr, 1}, sink);
      }
      size_t payload = frame_size > 54 ? frame_size - 54 : 0;
      flows.push_back({tcp_frame(c2s, {sport, dport, kAck | kPsh, kTplSeq, 500001},
                                 Bytes(payload, 'x')),
                       tcp_frame(s2c, {dport, sport, kAck, 500001, kTplSeq}), kTplSeq});
    }
    if (sink.forwarded != 4 * n) std::abort();
  }

  void next(std::vector<Bytes>& bufs, std::vector<dp::Frame>& burst, size_t& cursor,
            const std::vector<size_t>* sizes = nullptr) {
    burst.clear();
    for (size_t k = 0; k < kBurst; ++k) {
      One& f = flows[cursor % flows.size()];
      Bytes& b = bufs[k];
      if (acks && (k & 1)) {  // the printer acknowledges the segment just sent
        std::memcpy(b.data(), f.ack_tpl.data(), f.ack_tpl.size());
        dp::store32(&b[kTcp + 8], f.seq);
        csum_update32(&b[kTcp + 16], kTplSeq, f.seq);
        burst.push_back({{b.data(), f.ack_tpl.size()}, now += 100, dp::Side::Inside});
        ++cursor;
        continue;
      }
      size_t len = f.data_tpl.size();
      if (sizes) len = std::min(len, (*sizes)[cursor % sizes->size()]);
      std::memcpy(b.data(), f.data_tpl.data(), len);
      if (len != f.data_tpl.size()) {
        // A shorter frame of the IMIX: cut the datagram (uninspected flows: the TCP checksum
        // is not verified, the IPv4 header checksum is).
        dp::store16(&b[16], static_cast<uint16_t>(len - 14));
        dp::store16(&b[24], 0);
        dp::store16(&b[24], dp::ipv4_header_checksum({&b[14], 20}));
      }
      dp::store32(&b[kTcp + 4], f.seq);
      csum_update32(&b[kTcp + 16], kTplSeq, f.seq);
      f.seq += static_cast<uint32_t>(len - 54);
      burst.push_back({{b.data(), len}, now += 100, dp::Side::Outside});
      if (!acks) ++cursor;
    }
  }
};

void run_established(benchmark::State& st, uint16_t dport, size_t frame_size,
                     const std::vector<size_t>* sizes, bool reference, bool acks = false) {
  auto pol = enterprise();
  dp::Pipeline p(limits(1 << 16));
  p.set_policy(pol.get());
  Flows flows(p, static_cast<size_t>(st.range(0)), dport, frame_size, acks);
  std::vector<Bytes> bufs(kBurst, Bytes(2048));
  std::vector<dp::Frame> burst;
  size_t cursor = 0;
  NullSink sink;
  uint64_t bytes = 0;
  for (auto _ : st) {
    flows.next(bufs, burst, cursor, sizes);
    if (reference) {
      for (size_t i = 0; i < burst.size(); ++i) {
        dp::PacketView v;
        if (dp::parse_frame(burst[i].data, v) == Reason::Forwarded) sink.forward_input(i, dp::Side::Inside);
      }
    } else {
      p.process(burst, sink);
    }
    for (const auto& f : burst) bytes += f.data.size();
  }
  if (sink.forwarded != st.iterations() * kBurst) st.SkipWithError("frames were not all forwarded");
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kBurst));
  st.SetBytesProcessed(static_cast<int64_t>(bytes));
  st.counters["flows"] = static_cast<double>(st.range(0));
}

void BM_Reference_ParseForward(benchmark::State& st) { run_established(st, 9200, 60, nullptr, true); }
void BM_Established64(benchmark::State& st) { run_established(st, 9200, 60, nullptr, false); }
void BM_Reference_Normalised64(benchmark::State& st) {
  run_established(st, 9100, 60, nullptr, true, true);
}
void BM_EstablishedNormalised64(benchmark::State& st) {
  run_established(st, 9100, 60, nullptr, false, true);  // print-server-raw: inspect job-language
}
const std::vector<size_t> kImix = {60, 60, 60, 60, 60, 60, 60, 590, 590, 590, 590, 1514};
void BM_Imix(benchmark::State& st) { run_established(st, 9200, 1514, &kImix, false); }
void BM_Reference_Imix(benchmark::State& st) { run_established(st, 9200, 1514, &kImix, true); }

BENCHMARK(BM_Reference_ParseForward)->Arg(1000)->Arg(10000);
BENCHMARK(BM_Established64)->Arg(1000)->Arg(10000);
BENCHMARK(BM_Reference_Normalised64)->Arg(10000);
BENCHMARK(BM_EstablishedNormalised64)->Arg(1000)->Arg(10000);
BENCHMARK(BM_Reference_Imix)->Arg(10000);
BENCHMARK(BM_Imix)->Arg(10000);

// New-flow SYNs from distinct (source, port) pairs of the print-servers group, into a table of
// 1M entries: range(0) == 0 starts empty, 1 starts full (every SYN is then dropped, counted).
void BM_SynStorm(benchmark::State& st) {
  static std::unique_ptr<dp::Pipeline> full;  // filled once, reused
  auto pol = enterprise();
  const size_t cap = 1 << 20;
  std::unique_ptr<dp::Pipeline> fresh;
  dp::Pipeline* p;
  if (st.range(0) == 1) {
    if (!full) {
      full = std::make_unique<dp::Pipeline>(limits(cap));
      full->set_policy(pol.get());
    }
    p = full.get();
  } else {
    fresh = std::make_unique<dp::Pipeline>(limits(cap));
    fresh->set_policy(pol.get());
    p = fresh.get();
  }
  Bytes tpl = tcp_frame({"198.19.0.1", "198.18.20.5"}, {1024, 9200, kSyn, 1, 0});
  std::vector<Bytes> bufs(kBurst, tpl);
  std::vector<dp::Frame> burst(kBurst);
  NullSink sink;
  uint64_t n = 0, now = 1'700'000'000'000'000'000ull;
  auto fill = [&](uint64_t i, Bytes& b) {
    // Source 198.19.x.y and source port vary; checksums are not verified for SYNs of
    // uninspected flows, so only the fields change.
    b[14 + 12 + 2] = static_cast<uint8_t>(i >> 8);
    b[14 + 12 + 3] = static_cast<uint8_t>(i | 1);
    dp::store16(&b[14 + 10], 0);
    dp::store16(&b[14 + 10], dp::ipv4_header_checksum({&b[14], 20}));
    dp::store16(&b[34], static_cast<uint16_t>(1024 + (i >> 16)));
  };
  if (st.range(0) == 1 && p->flows().size() < cap) {
    for (uint64_t i = 0; p->flows().size() < cap && i < 4 * cap; i += kBurst) {
      for (size_t k = 0; k < kBurst; ++k) {
        fill(i + k, bufs[k]);
        burst[k] = {bufs[k], now += 10, dp::Side::Outside};
      }
      p->process(burst, sink);
    }
    n = 4 * cap;
  }
  for (auto _ : st) {
    for (size_t k = 0; k < kBurst; ++k) {
      fill(n++, bufs[k]);
      burst[k] = {bufs[k], now += 10, dp::Side::Outside};
    }
    p->process(burst, sink);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kBurst));
  st.counters["table_entries"] = static_cast<double>(p->flows().size());
  st.counters["bytes_per_flow"] = static_cast<double>(p->flows().bytes_per_entry());
  st.counters["dropped_full"] =
      static_cast<double>(p->counters().reasons[Reason::FlowTableFull]);
}
BENCHMARK(BM_SynStorm)->Arg(0)->Arg(1)->Iterations(20000);

// --- Pass-through cost -------------------------------------------------------------------------
//
// "Pass-through flows no slower than uninspected ones": N established flows through the same
// pipeline (inspectors on), the same policy, the same traffic and frame size, in two cases:
//   BM_PassThroughUninspected<size>  bench-raw (9200/tcp, nothing inspected)
//   BM_PassThroughTls<size>          bench-https (443/tcp, inspect tls): each flow first goes
//                                    through SYN, SYN-ACK, ACK and a real TLS 1.3 handshake as
//                                    MSS-sized segments, which the TLS inspector accepts (the
//                                    benchmark fails unless every flow is pass-through after it)
// Measured: every flow in turn sends one data segment each way, each acknowledging the other
// side's (on the TLS flows an application-data record, type 23). Before the measurement every
// flow has sent more than nDPI's packet budget, so classification is over in both cases.
// 64-byte frames cannot carry a TLS record (the smallest TLS 1.3 record is 22 bytes); the sizes
// are 128 and 1518 (with FCS, as BM_Established64). Counters: flows, suspicious_flows (nDPI
// risks mark a flow suspicious, and its frames are then mirrored: another cost than the one
// measured here, so it should be 0), mirrored (share of the measured frames).

constexpr uint16_t kRawPort = 9200;
constexpr uint16_t kHttpsPort = 443;

// The handshake a Remote UI browser makes: TLS 1.3 with SNI and ALPN (nDPI flags a TLS flow
// without them as a risk, which would make the flow suspicious).
const std::vector<TlsChunk>& https_handshake() {
  static const auto t = tls_handshake({0, 2048, "printer.example.com", "http/1.1"});
  return t;
}

struct PassFlows {
  struct One {
    Bytes c2s;  // client -> printer data segment, seq kTplC, ack kTplS
    Bytes s2c;  // printer -> client data segment, seq kTplS, ack kTplC
    uint32_t c, s;  // the next sequence number of the client and of the printer
  };
  static constexpr uint32_t kClientIsn = 1000, kPrinterIsn = 500000;
  static constexpr uint32_t kTplC = 0x10000000, kTplS = 0x20000000;  // template seq / ack
  static constexpr size_t kTcp = 14 + 20;  // TCP header offset in the templates
  static constexpr size_t kMss = 1448;
  std::vector<One> flows;
  uint64_t now = 1'700'000'000'000'000'000ull;
  size_t setup_frames = 0;
  size_t setup_forwarded = 0;

  PassFlows(dp::Pipeline& p, size_t n, uint16_t dport, size_t frame_size,
            const std::vector<TlsChunk>* tls) {
    NullSink sink;
    auto send = [&](const Bytes& x, dp::Side side) {
      dp::Frame fr{x, now += 10, side};
      p.process({&fr, 1}, sink);
      ++setup_frames;
    };
    const size_t payload = frame_size > 54 ? frame_size - 54 : 0;
    Bytes body(payload, 'x');
    if (tls && payload >= 5) {
      // An application-data record (RFC 8446 5.2): header, then ciphertext-looking bytes.
      body[0] = 23;
      body[1] = 3;
      body[2] = 3;
      dp::store16(&body[3], static_cast<uint16_t>(payload - 5));
      for (size_t i = 5; i < payload; ++i) body[i] = static_cast<uint8_t>(i * 131 + 7);
    }
    for (size_t i = 0; i < n; ++i) {
      std::string src = "198.19." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
      std::string dst = "198.18.20." + std::to_string(i % 200 + 1);
      Ip c2s{src, dst}, s2c{dst, src};
      uint16_t sport = static_cast<uint16_t>(20000 + i % 40000);
      Tcp syn{sport, dport, kSyn, kClientIsn, 0};
      syn.options = {3, 3, 7, 0};  // window scale 7 both ways
      Tcp synack{dport, sport, kSyn | kAck, kPrinterIsn, kClientIsn + 1};
      synack.options = {3, 3, 7, 0};
      uint32_t c = kClientIsn + 1, s = kPrinterIsn + 1;
      send(tcp_frame(c2s, syn), dp::Side::Outside);
      send(tcp_frame(s2c, synack), dp::Side::Inside);
      send(tcp_frame(c2s, {sport, dport, kAck, c, s}), dp::Side::Outside);
      if (tls) {
        // Each flight in MSS-sized segments, each acknowledging what the other side sent.
        for (const auto& chunk : *tls) {
          for (size_t off = 0; off < chunk.bytes.size(); off += kMss) {
            const std::string seg = chunk.bytes.substr(off, kMss);
            const auto len = static_cast<uint32_t>(seg.size());
            if (chunk.to_server) {
              send(tcp_frame(c2s, {sport, dport, kAck | kPsh, c, s}, seg), dp::Side::Outside);
              c += len;
            } else {
              send(tcp_frame(s2c, {dport, sport, kAck | kPsh, s, c}, seg), dp::Side::Inside);
              s += len;
            }
          }
        }
      }
      flows.push_back({tcp_frame(c2s, {sport, dport, kAck | kPsh, kTplC, kTplS}, body),
                       tcp_frame(s2c, {dport, sport, kAck | kPsh, kTplS, kTplC}, body), c, s});
    }
    setup_forwarded = sink.forwarded;
  }

  // One burst: consecutive flows, each a client segment then the printer's (which acknowledges
  // it), sequence and acknowledgement numbers rewritten with their checksum.
  void next(std::vector<Bytes>& bufs, std::vector<dp::Frame>& burst, size_t& cursor) {
    burst.clear();
    for (size_t k = 0; k < kBurst; ++k) {
      One& f = flows[cursor % flows.size()];
      const bool from_printer = k & 1;
      const Bytes& tpl = from_printer ? f.s2c : f.c2s;
      const uint32_t len = static_cast<uint32_t>(tpl.size() - 54);
      Bytes& b = bufs[k];
      std::memcpy(b.data(), tpl.data(), tpl.size());
      uint32_t seq, ack;
      if (from_printer) {
        seq = f.s;
        ack = f.c;  // the client's segment just before
        f.s += len;
        ++cursor;
      } else {
        seq = f.c;
        ack = f.s;
        f.c += len;
      }
      const uint32_t tpl_seq = from_printer ? kTplS : kTplC;
      const uint32_t tpl_ack = from_printer ? kTplC : kTplS;
      dp::store32(&b[kTcp + 4], seq);
      csum_update32(&b[kTcp + 16], tpl_seq, seq);
      dp::store32(&b[kTcp + 8], ack);
      csum_update32(&b[kTcp + 16], tpl_ack, ack);
      burst.push_back({{b.data(), tpl.size()},
                       now += 100,
                       from_printer ? dp::Side::Inside : dp::Side::Outside});
    }
  }
};

void run_pass_through(benchmark::State& st, bool tls, size_t frame_size) {
  auto pol = enterprise();
  const size_t n = static_cast<size_t>(st.range(0));
  if (tls && https_handshake().empty()) {
    st.SkipWithError("no TLS handshake (OpenSSL)");
    return;
  }
  // The same pipeline for both cases. Handshakes are driven one flow at a time and give their
  // stream back at pass-through, so a small normaliser pool is enough.
  dp::PipelineLimits l = limits(1 << 16);
  l.streams = 1024;
  dp::Pipeline p(l, proto::inspector_for);
  p.set_policy(pol.get());
  PassFlows flows(p, n, tls ? kHttpsPort : kRawPort, frame_size,
                  tls ? &https_handshake() : nullptr);
  if (flows.setup_forwarded != flows.setup_frames) {
    st.SkipWithError("a handshake frame was not forwarded");
    return;
  }
  std::vector<Bytes> bufs(kBurst, Bytes(2048));
  std::vector<dp::Frame> burst;
  size_t cursor = 0;
  // Past nDPI's packet budget on every flow (both directions count), untimed.
  NullSink warm;
  const size_t warm_bursts = (n * 2 * dp::NdpiClassifier::kMaxPackets + kBurst - 1) / kBurst;
  for (size_t i = 0; i < warm_bursts; ++i) {
    flows.next(bufs, burst, cursor);
    p.process(burst, warm);
  }
  if (warm.forwarded != warm_bursts * kBurst) {
    st.SkipWithError("warm-up frames were not all forwarded");
    return;
  }
  size_t passed = 0, suspicious = 0;
  p.flows().for_each([&](const dp::Flow& f) {
    passed += f.pass_through;
    suspicious += f.suspicious;
  });
  if (tls && passed != n) {
    st.SkipWithError("not every TLS flow went pass-through");
    return;
  }
  const uint64_t mirrored_before = p.counters().mirrored;
  NullSink sink;
  uint64_t bytes = 0;
  for (auto _ : st) {
    flows.next(bufs, burst, cursor);
    p.process(burst, sink);
    for (const auto& f : burst) bytes += f.data.size();
  }
  const uint64_t frames = st.iterations() * kBurst;
  if (sink.forwarded != frames) st.SkipWithError("frames were not all forwarded");
  st.SetItemsProcessed(static_cast<int64_t>(frames));
  st.SetBytesProcessed(static_cast<int64_t>(bytes));
  st.counters["flows"] = static_cast<double>(n);
  st.counters["suspicious_flows"] = static_cast<double>(suspicious);
  st.counters["mirrored"] =
      frames ? static_cast<double>(p.counters().mirrored - mirrored_before) / frames : 0.0;
  st.SetLabel(tls ? "443 inspect tls, pass-through after the handshake" : "9200, uninspected");
}

void BM_PassThroughUninspected128(benchmark::State& st) { run_pass_through(st, false, 124); }
void BM_PassThroughTls128(benchmark::State& st) { run_pass_through(st, true, 124); }
void BM_PassThroughUninspected1518(benchmark::State& st) { run_pass_through(st, false, 1514); }
void BM_PassThroughTls1518(benchmark::State& st) { run_pass_through(st, true, 1514); }
BENCHMARK(BM_PassThroughUninspected128)->Arg(1000)->Arg(10000);
BENCHMARK(BM_PassThroughTls128)->Arg(1000)->Arg(10000);
BENCHMARK(BM_PassThroughUninspected1518)->Arg(10000);
BENCHMARK(BM_PassThroughTls1518)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
