// Fuzz target: the whole pipeline on a pcap (the input is the capture file's bytes), with the
// enterprise and small-office profiles alternating. Invariants: no crash, no leak, bounded state;
// every input frame gets exactly one outcome (forwarded, dropped or held for reassembly).
#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/pipeline.h"
#include "policy/compiled_policy.h"

namespace {

using namespace pw;

std::shared_ptr<const policy::CompiledPolicy> make_policy(const char* profile) {
  std::string text = std::string("set profile ") + profile +
                     "\nset printer-network 198.18.20.0/24\nset printer-network 2001:db8:20::/48\n"
                     "set group management address 198.18.40.0/24\nset mirror all\n";
  auto r = policy::parse_config(text, "fuzz.conf");
  auto m = policy::build_model(r.config);
  if (!m.ok()) std::abort();
  return policy::compile(m.model, 1);
}

class CountSink : public dp::PipelineSink {
 public:
  size_t forwarded = 0, emitted = 0, mirrored = 0, events = 0;
  void forward_input(size_t, dp::Side) override { ++forwarded; }
  void emit(std::span<const uint8_t> f, dp::Side, uint64_t) override {
    dp::PacketView v;
    (void)dp::parse_frame(f, v);
    ++emitted;
  }
  void mirror(std::span<const uint8_t>, uint64_t) override { ++mirrored; }
  bool event(const dp::Event& e) override {
    (void)dp::event_json(e, nullptr);
    return ++events < 100000;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto enterprise = make_policy("enterprise");
  static auto small = make_policy("small-office");
  static bool flip = false;
  flip = !flip;
  FILE* f = fmemopen(const_cast<uint8_t*>(data), size, "rb");
  if (!f) return 0;
  char eb[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_fopen_offline(f, eb);  // takes ownership of f
  if (!p) {
    fclose(f);
    return 0;
  }
  static ::ndpi_detection_module_struct* const dpi = dp::NdpiClassifier::shared_module();
  const dp::PipelineLimits lim{.flows = 1024,
                               .reassembly = {64, 16, 1'000'000'000ull, 65535, 256},
                               .streams = 64,
                               .stream_window = 1024,
                               .inspector_states = 64,
                               .buffers = 4,
                               .scan_sources = 64,
                               .ftp_sessions = 64,
                               .dpi_flows = 64,
                               .shared_dpi_module = dpi};
  dp::Pipeline pipe(lim);
  pipe.set_policy(flip ? enterprise.get() : small.get());
  CountSink sink;
  std::vector<std::vector<uint8_t>> store;
  store.reserve(32);  // the burst's spans point into it: no reallocation
  std::vector<dp::Frame> burst;
  struct pcap_pkthdr* h;
  const u_char* d;
  uint64_t in = 0;
  while (pcap_next_ex(p, &h, &d) == 1 && in < 4096) {
    store.emplace_back(d, d + h->caplen);
    // Ingress from the frame count: unknown (replay: by address), outside, inside.
    burst.push_back({store.back(), uint64_t(h->ts.tv_sec) * 1'000'000'000ull,
                     static_cast<dp::Side>(in % 3)});
    ++in;
    if (burst.size() == 32) {
      pipe.process(burst, sink);
      burst.clear();
      store.clear();
    }
  }
  if (!burst.empty()) pipe.process(burst, sink);
  pcap_close(p);
  const auto& c = pipe.counters();
  if (c.frames_in != in) std::abort();
  if (pipe.flows().size() > lim.flows) std::abort();
  return 0;
}
