// Fuzz target for one protocol inspector (chosen at build time: -DPW_FUZZ_INSPECTOR=Ftp, ...).
// The input is a sequence of chunks: a header byte (bit 7: direction, bits 0-6: length - 1)
// followed by that many bytes. Every input runs under three services (TLS required, TLS
// optional, clear-text credentials allowed), each fed chunk by chunk, byte by byte and as
// out-of-order TCP segments through the stream normaliser.
// Invariants (inspector_properties.h): no crash or out-of-bounds access (ASan/UBSan); nothing
// beyond what the inspector allowed is let through before its verdict, whatever the
// segmentation; a deny is final; allowed_bytes within the chunk; every buffer given back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "policy/inspector_config.h"
#include "protocols/inspector_registry.h"
#include "tests/fuzz/inspector_properties.h"

#ifndef PW_FUZZ_INSPECTOR
#error "define PW_FUZZ_INSPECTOR (an enumerator of pw::policy::Inspect)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pw;
  static proto::BufferPool pool(4, 64 << 10);
  static proto::FlowArena arena(2);
  const proto::Inspector* insp = proto::inspector_for(policy::Inspect::PW_FUZZ_INSPECTOR);
  if (!insp) std::abort();
  const std::vector<fuzz::Chunk> chunks = fuzz::header_chunks(data, size);
  const uint32_t seed = fuzz::seed_of({data, size});
  for (int config = 0; config < 3; ++config) {
    policy::InspectorConfig svc;
    svc.tls = config == 0 ? policy::TlsMode::Required : policy::TlsMode::Optional;
    svc.plaintext_auth = config == 2;
    ReasonCounters counters;
    proto::Context ctx = fuzz::context(svc, pool, counters);
    fuzz::check(*insp, ctx, arena, chunks, seed);
  }
  if (pool.available() != 4 || arena.available() != 2) std::abort();  // leaked a buffer
  return 0;
}
