// Fuzz target: the RFB inspector on both directions of one flow (including the hand-off of
// security type 18 to the TLS inspector).
// Input: byte 0 is the chunk size (1..255; 0: each record in one chunk), then records of
// [u16 big-endian length][bytes], alternating directions, server first (an RFB server speaks
// first). Every input runs twice: with VNC Authentication refused (the default) and allowed
// (`plaintext-auth allow`), so the challenge/response/SecurityResult path is reached too.
// Invariants: no crash or out-of-bounds access (ASan/UBSan), allowed_bytes never exceeds the
// chunk, a denial sticks, the state and every pool buffer (TLS reassembly) are given back at
// close.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <vector>

#include "policy/inspector_config.h"
#include "tests/fuzz/inspector_properties.h"
#include "protocols/rfb/rfb_inspector.h"

namespace {

using namespace pw;

void run(const uint8_t* data, size_t size, const policy::InspectorConfig& svc) {
  static const proto::rfb::RfbInspector insp;
  proto::FlowArena arena{1};
  proto::BufferPool pool{2, 16384};
  ReasonCounters counters;
  proto::Context ctx;
  ctx.service = &svc;
  ctx.buffers = &pool;
  ctx.counters = &counters;
  proto::FlowState* st = insp.open(arena);
  if (!st) std::abort();
  const size_t chunk = data[0] ? data[0] : SIZE_MAX;
  size_t pos = 1;
  proto::Dir dir = proto::Dir::ToClient;
  bool done = false;
  while (!done && pos + 2 <= size) {
    const size_t len = std::min<size_t>(size_t{data[pos]} << 8 | data[pos + 1], size - pos - 2);
    pos += 2;
    for (size_t off = 0; off < len && !done; off += chunk) {
      const size_t n = std::min(chunk, len - off);
      const auto d = insp.on_data(*st, dir, std::as_bytes(std::span(data + pos + off, n)), ctx);
      if (d.allowed_bytes > n) std::abort();
      if (d.verdict == proto::Verdict::Deny) {
        if (insp.on_data(*st, dir, {}, ctx).verdict != proto::Verdict::Deny) std::abort();
        done = true;
      } else if (d.verdict == proto::Verdict::PassThrough) {
        done = true;
      }
    }
    pos += len;
    dir = dir == proto::Dir::ToServer ? proto::Dir::ToClient : proto::Dir::ToServer;
  }
  insp.close(st, arena, ctx);
  if (arena.available() != 1 || pool.available() != 2) std::abort();
  // The properties every inspector target checks (inspector_properties.h), on the records as
  // chunks: segmentation never lets a byte through that byte-at-a-time feeding denies on.
  const auto chunks = fuzz::record_chunks(data, size, proto::Dir::ToClient);
  fuzz::check(insp, ctx, arena, chunks, fuzz::seed_of({data, size}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const auto strict = [] {
    pw::policy::InspectorConfig s;
    s.inspect = pw::policy::Inspect::Rfb;
    return s;
  }();
  static const auto vnc_auth = [] {
    pw::policy::InspectorConfig s;
    s.inspect = pw::policy::Inspect::Rfb;
    s.plaintext_auth = true;
    return s;
  }();
  run(data, size, strict);
  run(data, size, vnc_auth);
  return 0;
}
