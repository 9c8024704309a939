// The inspector properties (tests/support/inspector_driver.h) as the fuzz targets check them:
// a violation aborts, and libFuzzer keeps the input as a crash reproducer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "policy/inspector_config.h"
#include "tests/support/inspector_driver.h"

namespace pw::fuzz {

using testing::alternating_chunks;
using testing::Chunk;
using testing::header_chunks;
using testing::record_chunks;

// The context a target's flows run in: `svc`, the target's pool and counters, a fixed clock
// and client address (inputs reproduce).
inline proto::Context context(const policy::InspectorConfig& svc, proto::BufferPool& pool,
                              ReasonCounters& counters) {
  proto::Context ctx;
  ctx.service = &svc;
  ctx.buffers = &pool;
  ctx.counters = &counters;
  ctx.now_ns = 1'700'000'000'000'000'000ull;
  ctx.client = IpAddr::v4(0xc6120009);  // 198.18.0.9
  return ctx;
}

// A seed for the out-of-order run that the input itself decides (reproducible from it).
inline uint32_t seed_of(std::span<const uint8_t> in) {
  uint32_t h = 2166136261u;
  for (uint8_t b : in) h = (h ^ b) * 16777619u;
  return h | 1;
}

inline void check(const proto::Inspector& insp, proto::Context& ctx, proto::FlowArena& arena,
                  std::span<const Chunk> chunks, uint32_t reorder_seed = 0) {
  const std::string e = testing::check_properties(insp, ctx, arena, chunks, reorder_seed);
  if (e.empty()) return;
  std::fprintf(stderr, "inspector property violated: %s\n", e.c_str());
  std::abort();
}

// A one-way stream target (a print job: job-language, LPD): `in` cut into `chunk`-byte chunks
// toward the server, then the same bytes toward the client, every property checked; then the
// whole stream and its end (FIN): a deny there is final too, its detail bounded.
inline void check_stream(const proto::Inspector& insp, std::span<const uint8_t> in, size_t chunk,
                         const policy::InspectorConfig& svc, uint32_t seed) {
  static proto::BufferPool pool(1, 64);
  static proto::FlowArena arena(2);
  ReasonCounters counters;
  proto::Context ctx = context(svc, pool, counters);
  for (const proto::Dir dir : {proto::Dir::ToServer, proto::Dir::ToClient}) {
    std::vector<Chunk> chunks;
    for (size_t off = 0; off < in.size(); off += chunk)
      chunks.push_back({dir, in.subspan(off, std::min(chunk, in.size() - off))});
    check(insp, ctx, arena, chunks, seed);
  }
  proto::FlowState* st = insp.open(arena);
  if (!st) std::abort();
  proto::Decision d = insp.on_data(*st, proto::Dir::ToServer, std::as_bytes(in), ctx);
  if (d.verdict == proto::Verdict::Continue) d = insp.on_end(*st, proto::Dir::ToServer, ctx);
  if (d.verdict == proto::Verdict::Deny) {
    const uint8_t more[] = {'\n'};
    if (insp.on_data(*st, proto::Dir::ToServer, std::as_bytes(std::span(more)), ctx).verdict !=
            proto::Verdict::Deny ||
        insp.on_end(*st, proto::Dir::ToServer, ctx).verdict != proto::Verdict::Deny ||
        insp.detail(*st).size() > 64)
      std::abort();
  }
  insp.close(st, arena, ctx);
  if (arena.available() != 2) std::abort();
}

// The record-format targets (SMB, RFB): after the chunk-size byte `data[0]` (0: each record in
// one chunk), records of [u16 big-endian length][bytes] alternating directions from `first`,
// fed to one flow under `svc`: allowed_bytes within the chunk (and the whole chunk on Continue
// and PassThrough when `whole_chunks`), a deny sticks, the state and the two pool buffers of
// `buffer_size` bytes given back; then every property on the records as chunks.
inline void check_records(const proto::Inspector& insp, const uint8_t* data, size_t size,
                          const policy::InspectorConfig& svc, proto::Dir first,
                          size_t buffer_size, bool whole_chunks) {
  proto::FlowArena arena{1};
  proto::BufferPool pool{2, buffer_size};
  ReasonCounters counters;
  proto::Context ctx = context(svc, pool, counters);
  proto::FlowState* st = insp.open(arena);
  if (!st) std::abort();
  const size_t chunk = data[0] ? data[0] : SIZE_MAX;
  size_t pos = 1;
  proto::Dir dir = first;
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
        continue;
      }
      if (whole_chunks && d.allowed_bytes != n) std::abort();
      done = d.verdict == proto::Verdict::PassThrough;
    }
    pos += len;
    dir = testing::other(dir);
  }
  insp.close(st, arena, ctx);
  if (arena.available() != 1 || pool.available() != 2) std::abort();
  check(insp, ctx, arena, record_chunks(data, size, first), seed_of({data, size}));
}

}  // namespace pw::fuzz
