// The properties every inspector fuzz target checks, whatever its input format (the product
// stands on them; design.md invariants 1 and 2):
//  - nothing beyond what the inspector allowed is forwarded before its verdict: the same bytes
//    fed one at a time reach a verdict at the same byte; with the target's chunking, no chunk
//    that holds that byte (or comes later) is let through (Continue), since the dataplane
//    forwards a continued chunk whole. A deny must fall on the chunk holding the byte on which
//    byte-at-a-time feeding denies, and nowhere if that never denies; likewise pass-through;
//  - a deny is final: after it, more bytes of either direction, or none, are denied again;
//  - allowed_bytes never exceeds the chunk; the state and every pool buffer are given back.
// A violation aborts (libFuzzer saves the input as a crash reproducer).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocols/inspector.h"

namespace pw::fuzz {

struct Chunk {
  proto::Dir dir;
  std::span<const uint8_t> bytes;
};

// The chunks of the record format of the SMB and RFB targets: after the chunk-size byte
// `data[0]`, records of [u16 big-endian length][bytes] alternating directions from `first`.
inline std::vector<Chunk> record_chunks(const uint8_t* data, size_t size, proto::Dir first) {
  std::vector<Chunk> chunks;
  proto::Dir dir = first;
  for (size_t p = 1; p + 2 <= size;) {
    const size_t len = std::min<size_t>(size_t{data[p]} << 8 | data[p + 1], size - p - 2);
    chunks.push_back({dir, std::span<const uint8_t>(data + p + 2, len)});
    p += 2 + len;
    dir = dir == proto::Dir::ToServer ? proto::Dir::ToClient : proto::Dir::ToServer;
  }
  return chunks;
}

// `in` cut into chunks of `chunk` bytes alternating directions from ToServer (LDAP, SNMP).
inline std::vector<Chunk> alternating_chunks(std::span<const uint8_t> in, size_t chunk) {
  std::vector<Chunk> chunks;
  proto::Dir dir = proto::Dir::ToServer;
  for (size_t off = 0; off < in.size(); off += chunk) {
    chunks.push_back({dir, in.subspan(off, std::min(chunk, in.size() - off))});
    dir = dir == proto::Dir::ToServer ? proto::Dir::ToClient : proto::Dir::ToServer;
  }
  return chunks;
}

struct Outcome {
  proto::Verdict verdict = proto::Verdict::Continue;
  size_t at = SIZE_MAX;  // the verdict's chunk: [begin, end) in bytes of the whole input
  size_t end = SIZE_MAX;
  Reason reason = Reason::Forwarded;
};

[[noreturn]] inline void violated(const char* what, const Outcome* bytes = nullptr,
                                  const Outcome* given = nullptr) {
  std::fprintf(stderr, "inspector property violated: %s\n", what);
  for (const Outcome* o : {bytes, given})
    if (o)
      std::fprintf(stderr, "  %s: verdict %d (%s) on bytes [%zu, %zu)\n",
                   o == bytes ? "byte by byte" : "chunked", static_cast<int>(o->verdict),
                   reason_code(o->reason), o->at, o->end);
  std::abort();
}

// Feeds `chunks` to a fresh state; `bytewise` splits every chunk into single bytes.
inline Outcome feed(const proto::Inspector& insp, proto::Context& ctx, proto::FlowArena& arena,
                    std::span<const Chunk> chunks, bool bytewise) {
  proto::FlowState* st = insp.open(arena);
  if (!st) violated("no state for a fresh flow");
  Outcome o;
  size_t pos = 0;
  for (size_t c = 0; c < chunks.size() && o.verdict == proto::Verdict::Continue; ++c) {
    const Chunk& ch = chunks[c];
    const size_t step = bytewise ? 1 : std::max<size_t>(ch.bytes.size(), 1);
    for (size_t off = 0; off < ch.bytes.size(); off += step) {
      auto part = ch.bytes.subspan(off, std::min(step, ch.bytes.size() - off));
      const proto::Decision d = insp.on_data(*st, ch.dir, std::as_bytes(part), ctx);
      if (d.allowed_bytes > part.size()) violated("allowed_bytes beyond the chunk");
      if (d.verdict == proto::Verdict::Deny) {
        o = {d.verdict, pos + off, pos + off + part.size(), d.reason};
        // Final: the rest of this chunk, the next chunk, the other direction, nothing at all.
        auto rest = ch.bytes.subspan(off + part.size());
        const proto::Dir other = ch.dir == proto::Dir::ToServer ? proto::Dir::ToClient
                                                                : proto::Dir::ToServer;
        if (insp.on_data(*st, ch.dir, std::as_bytes(rest), ctx).verdict != proto::Verdict::Deny ||
            insp.on_data(*st, other, std::as_bytes(part), ctx).verdict != proto::Verdict::Deny ||
            insp.on_data(*st, ch.dir, {}, ctx).verdict != proto::Verdict::Deny)
          violated("a deny is not final");
        if (c + 1 < chunks.size() &&
            insp.on_data(*st, chunks[c + 1].dir, std::as_bytes(chunks[c + 1].bytes), ctx).verdict !=
                proto::Verdict::Deny)
          violated("a deny is not final (next chunk)");
        break;
      }
      if (d.verdict == proto::Verdict::PassThrough) {
        o = {d.verdict, pos + off, pos + off + part.size()};
        break;
      }
    }
    pos += ch.bytes.size();
  }
  insp.close(st, arena, ctx);
  return o;
}

// Checks every property on `chunks`. `ctx` carries the service and the pools; the pools and the
// arena must be back to their sizes afterwards.
inline void check(const proto::Inspector& insp, proto::Context& ctx, proto::FlowArena& arena,
                  std::span<const Chunk> chunks) {
  const size_t blocks = arena.available();
  const size_t buffers = ctx.buffers ? ctx.buffers->available() : 0;
  const Outcome bytes = feed(insp, ctx, arena, chunks, true);
  const Outcome given = feed(insp, ctx, arena, chunks, false);
  if (arena.available() != blocks || (ctx.buffers && ctx.buffers->available() != buffers))
    violated("state or pool buffer not given back at close");
  if (bytes.verdict == proto::Verdict::Continue) {
    if (given.verdict == proto::Verdict::Deny) violated("denied only when chunked", &bytes, &given);
    return;
  }
  // The byte-at-a-time verdict falls on byte `bytes.at`: the chunked verdict must fall on the
  // chunk holding it (not later: that chunk would have been forwarded; not earlier either).
  if (given.verdict != bytes.verdict || given.at > bytes.at || given.end <= bytes.at)
    violated(bytes.verdict == proto::Verdict::Deny
                 ? "the chunked run does not deny on the chunk holding the deciding byte"
                 : "the chunked run does not pass through on the chunk holding the deciding byte",
             &bytes, &given);
}

}  // namespace pw::fuzz
