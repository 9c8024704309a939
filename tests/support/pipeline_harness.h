// The pipeline under test without the replay's files: a sink that records every output, a
// policy compiled from text, and a pipeline fed one frame at a time with a clock that advances
// 1 us per frame (or as the test says).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dataplane/pipeline.h"
#include "tests/support/packet_builder.h"

namespace pw::testing {

// Records everything the pipeline outputs.
class Collect : public dp::PipelineSink {
 public:
  std::vector<size_t> forwarded;  // input indexes
  std::vector<Bytes> emitted;
  std::vector<Bytes> mirrored;
  std::vector<dp::Event> events;
  void forward_input(size_t i, dp::Side) override { forwarded.push_back(i); }
  void emit(std::span<const uint8_t> f, dp::Side, uint64_t) override {
    emitted.emplace_back(f.begin(), f.end());
  }
  void mirror(std::span<const uint8_t> f, uint64_t) override {
    mirrored.emplace_back(f.begin(), f.end());
  }
  bool event(const dp::Event& e) override {
    events.push_back(e);
    return true;
  }
  void clear() { *this = Collect{}; }
  size_t count(Reason r) const {
    size_t n = 0;
    for (const auto& e : events) n += e.reason == r;
    return n;
  }
};

// The FTP service of the pipeline tests: to the printers on port 21, inspected, AUTH TLS
// required, passive data ports 50000-50100.
inline constexpr const char* kFtpService =
    "set service ftp direction to-printers\n"
    "set service ftp protocol tcp\n"
    "set service ftp port 21\n"
    "set service ftp inspect ftp\n"
    "set service ftp tls required\n"
    "set service ftp passive-ports 50000-50100\n";

// Parses, validates and compiles `text`; test failures name the problems.
std::shared_ptr<const policy::CompiledPolicy> compile_text(const std::string& text, uint64_t gen = 1);

// One pipeline and its outputs.
struct PipelineHarness {
  PipelineHarness(const dp::PipelineLimits& lim, dp::InspectorLookup reg,
                  const policy::CompiledPolicy* policy)
      : p(lim, reg) {
    p.set_policy(policy);
  }
  dp::Pipeline p;
  Collect out;
  uint64_t now = 1'700'000'000'000'000'000ull;
  std::vector<Bytes> keep;  // frames stay alive: the sink's indexes point at them

  // Runs one frame; true when it was forwarded as is.
  bool run(const Bytes& f, uint64_t advance_ns = 1000) {
    keep.push_back(f);
    dp::Frame fr{keep.back(), now += advance_ns, dp::Side::Unknown};
    size_t before = out.forwarded.size();
    p.process({&fr, 1}, out);
    return out.forwarded.size() > before;
  }
  // Lets `ns` pass with nothing on the wire (the dataplane's idle housekeeping).
  void idle(uint64_t ns) {
    now += ns;
    p.housekeeping(now, out);
  }
};

}  // namespace pw::testing
