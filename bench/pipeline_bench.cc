// The fast-path pipeline on synthetic traffic, enterprise profile, one core.
//
//   BM_Reference_ParseForward   reference measured in the same run: parse L2-L4 + forward only
//   BM_Established64            64-byte frames of established, uninspected flows
//   BM_EstablishedNormalised64  64-byte frames of flows under the stream normaliser
//   BM_Imix                     7:4:1 mix of 64/594/1518-byte frames, established flows
//   BM_SynStorm/empty|full      new-flow SYNs into a 1M-entry table, empty and full
//
// Frames are built per burst from templates whose sequence numbers advance, so every frame is
// new data on its flow (no retransmission shortcut); the reference builds its bursts the same way.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>

#include "dataplane/pipeline.h"
#include "tests/support/packet_builder.h"

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
        "set service bench-raw peer-group print-servers\n";
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
      for (auto& x : f) {
        dp::Frame fr{x, now += 10, dp::Side::Outside};
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
  run_established(st, 9100, 60, nullptr, false, true);  // print-server-raw: inspect pjl
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

}  // namespace

BENCHMARK_MAIN();
