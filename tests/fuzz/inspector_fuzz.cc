// Fuzz target for one protocol inspector (chosen at build time: -DPW_FUZZ_INSPECTOR=Ftp, ...).
// The input is a sequence of chunks: a header byte (bit 7: direction, bits 0-6: length - 1)
// followed by that many bytes, fed in order until the inspector denies or lets go.
// Invariants: no crash, no out-of-bounds access, every buffer given back at close.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "policy/compiled_policy.h"
#include "protocols/inspector_registry.h"

#ifndef PW_FUZZ_INSPECTOR
#error "define PW_FUZZ_INSPECTOR (an enumerator of pw::policy::Inspect)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pw;
  static proto::BufferPool pool(4, 64 << 10);
  static proto::FlowArena arena(2);
  const proto::Inspector* insp = proto::inspector_for(policy::Inspect::PW_FUZZ_INSPECTOR);
  if (!insp) std::abort();
  policy::CompiledService svc;
  svc.tls = (size & 1) ? policy::TlsMode::Required : policy::TlsMode::Optional;
  svc.plaintext_auth = (size % 7) == 0;
  ReasonCounters counters;
  proto::Context ctx;
  ctx.service = &svc;
  ctx.buffers = &pool;
  ctx.counters = &counters;
  ctx.now_ns = 1'700'000'000'000'000'000ull;
  ctx.client = IpAddr::v4(0xc6120009);
  proto::FlowState* st = insp->open(arena);
  if (!st) std::abort();
  size_t i = 0;
  while (i < size) {
    uint8_t h = data[i++];
    size_t len = std::min<size_t>((h & 0x7f) + 1, size - i);
    auto dir = (h & 0x80) ? proto::Dir::ToClient : proto::Dir::ToServer;
    auto d = insp->on_data(*st, dir, std::as_bytes(std::span(data + i, len)), ctx);
    i += len;
    if (d.verdict != proto::Verdict::Continue) break;
  }
  insp->close(st, arena, ctx);
  if (pool.available() != 4 || arena.available() != 2) std::abort();  // leaked a buffer
  return 0;
}
