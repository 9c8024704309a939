// Compiling policies (off the fast path, at commit) and looking them up (on it).
// Reference in the same run: parsing alone, so the compile figure can be read against it.
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "policy/policy_model.h"
#include "tests/support/config_gen.h"

namespace {

using namespace pw::policy;

Model model_for(const std::string& text) {
  ParseResult r = parse_config(text, "bench.conf");
  if (!r.ok()) throw std::runtime_error(r.errors[0].str());
  ModelResult m = build_model(r.config);
  if (!m.ok()) throw std::runtime_error(m.errors[0].str());
  return m.model;
}

void BM_ParseOnly(benchmark::State& st) {
  std::string text = pw::testing::large_policy_config(static_cast<size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(parse_config(text, "bench.conf"));
  st.SetLabel("reference: parse of the same text");
}
BENCHMARK(BM_ParseOnly)->Arg(0)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ParseValidateCompile(benchmark::State& st) {
  std::string text = pw::testing::large_policy_config(static_cast<size_t>(st.range(0)));
  for (auto _ : st) {
    ParseResult r = parse_config(text, "bench.conf");
    ModelResult m = build_model(r.config);
    benchmark::DoNotOptimize(compile(m.model, 1));
  }
  st.SetLabel("enterprise + N extra services, text to CompiledPolicy");
}
BENCHMARK(BM_ParseValidateCompile)->Arg(0)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_CompileOnly(benchmark::State& st) {
  Model m = model_for(pw::testing::large_policy_config(static_cast<size_t>(st.range(0))));
  size_t mem = 0;
  for (auto _ : st) {
    auto cp = compile(m, 1);
    mem = cp->memory_bytes();
    benchmark::DoNotOptimize(cp);
  }
  st.counters["policy_bytes"] = static_cast<double>(mem);
}
BENCHMARK(BM_CompileOnly)->Arg(0)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Lookup(benchmark::State& st) {
  auto cp = compile(model_for(pw::testing::large_policy_config(1000)), 1);
  const pw::IpAddr printer = *pw::parse_ip("198.18.21.7");
  const pw::IpAddr peer = *pw::parse_ip("198.19.13.9");
  uint16_t port = 20000;
  for (auto _ : st) {
    GroupMask pm = cp->classify(printer), qm = cp->classify(peer);
    benchmark::DoNotOptimize(cp->match(PolicyDir::ToPrinters, L4::Tcp, port, pm, qm));
    port = static_cast<uint16_t>(port == 21000 ? 20000 : port + 1);
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel("2 address classifications + 1 port match");
}
BENCHMARK(BM_Lookup);

}  // namespace

BENCHMARK_MAIN();
