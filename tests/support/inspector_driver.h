// The one way unit tests, fuzzers and benches drive a protocol inspector, as the dataplane
// does: a state from a FlowArena, reassembly buffers from a BufferPool, a Context naming the
// service, bytes fed in chunks of a chosen size; and the properties every inspector must keep
// whatever the segmentation (design.md invariants 1 and 2), checked by check_properties():
//  - nothing beyond what the inspector allowed is forwarded before its verdict: fed one byte at
//    a time it decides at some byte; with any other chunking, the verdict falls on the chunk
//    holding that byte (the dataplane forwards a continued chunk whole). A deny must fall there
//    and nowhere if byte-at-a-time feeding never denies; likewise pass-through;
//  - the same bytes sent as TCP segments out of order through the stream normaliser (which
//    drops what is ahead of the next expected byte; the sender retransmits) give the same
//    verdict at the same byte;
//  - a deny is final: after it, more bytes of either direction, or none, are denied again;
//  - allowed_bytes never exceeds the chunk; the state and every pool buffer are given back.
// Header-only: the fuzz build, which builds no test library, includes it too.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/inspector.h"
#include "protocols/stream/stream_normaliser.h"

namespace pw::testing {

using proto::Decision;
using proto::Dir;
using proto::Verdict;

inline Dir other(Dir d) { return d == Dir::ToServer ? Dir::ToClient : Dir::ToServer; }
// A decision in a test's words: the flow goes on; why it was denied (Forwarded: it was not).
inline bool ok(const Decision& d) { return d.verdict == Verdict::Continue; }
inline Reason why(const Decision& d) { return d.verdict == Verdict::Deny ? d.reason : Reason::Forwarded; }

// One flow through one inspector.
class InspectorDriver {
 public:
  explicit InspectorDriver(const proto::Inspector& inspector, size_t buffers = 2,
                           size_t buffer_size = 64 << 10)
      : insp_(&inspector), pool_(buffers, buffer_size) {
    ctx.service = &service;
    ctx.buffers = &pool_;
    ctx.counters = &counters;
    ctx.now_ns = 1'700'000'000'000'000'000ull;
    ctx.client = IpAddr::v4(0xc6120009);  // 198.18.0.9
    st_ = insp_->open(arena_);
  }
  ~InspectorDriver() { close(); }
  InspectorDriver(const InspectorDriver&) = delete;
  InspectorDriver& operator=(const InspectorDriver&) = delete;

  // `bytes` in chunks of `chunk` bytes (0: one chunk) until a decision other than Continue:
  // that decision, or the last one. at(): where the deciding chunk starts; forwarded(): the
  // bytes let through, the allowed part of the deciding chunk included.
  Decision send(Dir d, std::span<const std::byte> bytes, size_t chunk = 0) {
    Decision last{};
    const size_t step = chunk ? chunk : std::max<size_t>(bytes.size(), 1);
    at_ = 0;
    forwarded_ = 0;
    if (bytes.empty()) return insp_->on_data(*st_, d, bytes, ctx);
    for (size_t off = 0; off < bytes.size(); off += step) {
      last = insp_->on_data(*st_, d, bytes.subspan(off, std::min(step, bytes.size() - off)), ctx);
      at_ = off;
      forwarded_ += last.allowed_bytes;
      if (last.verdict != Verdict::Continue) break;
    }
    return last;
  }
  Decision send(Dir d, std::string_view s, size_t chunk = 0) {
    return send(d, std::as_bytes(std::span(s.data(), s.size())), chunk);
  }
  Decision send(Dir d, std::span<const uint8_t> b, size_t chunk = 0) {
    return send(d, std::as_bytes(b), chunk);
  }
  Decision send(Dir d, const std::vector<uint8_t>& b, size_t chunk = 0) {
    return send(d, std::span<const uint8_t>(b), chunk);
  }
  // send() in chunks of `chunk` bytes, telling where the deciding chunk starts (`*at`) and how
  // many bytes were let through (`*forwarded`).
  Decision chunks(Dir d, const std::vector<uint8_t>& b, size_t chunk, size_t* at = nullptr,
                  size_t* forwarded = nullptr) {
    const Decision r = send(d, b, chunk);
    if (at) *at = at_;
    if (forwarded) *forwarded = forwarded_;
    return r;
  }
  // The client's bytes (toward the server) and the server's, as send() takes them.
  Decision c(const std::vector<uint8_t>& b, size_t chunk = 0) { return send(Dir::ToServer, b, chunk); }
  Decision c(std::string_view b, size_t chunk = 0) { return send(Dir::ToServer, b, chunk); }
  Decision s(const std::vector<uint8_t>& b, size_t chunk = 0) { return send(Dir::ToClient, b, chunk); }
  Decision s(std::string_view b, size_t chunk = 0) { return send(Dir::ToClient, b, chunk); }
  // The first `n` bytes of `b`, an incomplete message toward the server, must hold a pool buffer
  // and close() must give it back: what went wrong, or "" when both hold.
  std::string buffer_held_until_close(const std::vector<uint8_t>& b, size_t n) {
    const size_t before = pool_.available();
    if (send(Dir::ToServer, std::span<const uint8_t>(b.data(), std::min(n, b.size()))).verdict !=
        Verdict::Continue)
      return "the beginning was not let through";
    if (pool_.available() + 1 != before) return "no buffer held for the incomplete message";
    close();
    if (pool_.available() != before) return "the buffer was not given back at close";
    return "";
  }
  // The first `n` bytes of `b` toward the server hold a pool buffer; the pool then goes (the
  // context loses it): the rest must be denied inspector-state-full, and close() must still give
  // the buffer back. What went wrong, or "".
  std::string pool_loss_fails_closed(const std::vector<uint8_t>& b, size_t n) {
    n = std::min(n, b.size());
    const size_t before = pool_.available();
    if (send(Dir::ToServer, std::span<const uint8_t>(b.data(), n)).verdict != Verdict::Continue)
      return "the beginning was not let through";
    proto::BufferPool* pool = ctx.buffers;
    ctx.buffers = nullptr;
    const Decision d = send(Dir::ToServer, std::span<const uint8_t>(b.data() + n, b.size() - n));
    ctx.buffers = pool;
    if (d.verdict != Verdict::Deny || d.reason != Reason::InspectorStateFull)
      return "the rest was not denied inspector-state-full";
    close();
    if (pool_.available() != before) return "the buffer was not given back at close";
    return "";
  }
  Decision gap(Dir d, uint32_t bytes) { return insp_->on_gap(*st_, d, bytes, ctx); }
  // The sender's FIN: its stream is complete.
  Decision end(Dir d = Dir::ToServer) { return insp_->on_end(*st_, d, ctx); }
  // The client's whole stream in chunks of `chunk` bytes (0: one), then its FIN.
  Decision c_then_end(std::string_view b, size_t chunk = 0) {
    const Decision r = send(Dir::ToServer, b, chunk);
    return r.verdict == Verdict::Continue ? end() : r;
  }
  std::string_view detail() const { return st_ ? insp_->detail(*st_) : std::string_view(); }

  size_t at() const { return at_; }
  size_t forwarded() const { return forwarded_; }
  uint64_t count(Reason r) const { return counters[r]; }
  bool secured() const { return st_ && insp_->secured(*st_); }
  bool is_open() const { return st_ != nullptr; }
  proto::FlowState* state() { return st_; }
  template <typename T>
  const T& state_as() const { return *static_cast<const T*>(st_); }

  // The flow ends: its state and buffers go back (idempotent).
  void close() {
    if (st_) insp_->close(st_, arena_, ctx);
    st_ = nullptr;
  }
  // A new flow of the same inspector and service; the counters carry on.
  void reopen() {
    close();
    st_ = insp_->open(arena_);
  }

  proto::BufferPool& pool() { return pool_; }
  proto::FlowArena& arena() { return arena_; }

  policy::InspectorConfig service;  // ctx.service points here unless a test changes it
  ReasonCounters counters;
  proto::Context ctx;

 private:
  const proto::Inspector* insp_;
  proto::BufferPool pool_;
  proto::FlowArena arena_{1};
  proto::FlowState* st_ = nullptr;
  size_t at_ = 0, forwarded_ = 0;
};

// --- A conversation as chunks, and the properties checked on it ---

struct Chunk {
  Dir dir;
  std::span<const uint8_t> bytes;
};

// The record format of the SMB and RFB fuzz targets: after the chunk-size byte `data[0]`,
// records of [u16 big-endian length][bytes] alternating directions from `first`.
inline std::vector<Chunk> record_chunks(const uint8_t* data, size_t size, Dir first) {
  std::vector<Chunk> chunks;
  Dir dir = first;
  for (size_t p = 1; p + 2 <= size;) {
    const size_t len = std::min<size_t>(size_t{data[p]} << 8 | data[p + 1], size - p - 2);
    chunks.push_back({dir, std::span<const uint8_t>(data + p + 2, len)});
    p += 2 + len;
    dir = other(dir);
  }
  return chunks;
}

// `in` cut into chunks of `chunk` bytes alternating directions from ToServer.
inline std::vector<Chunk> alternating_chunks(std::span<const uint8_t> in, size_t chunk) {
  std::vector<Chunk> chunks;
  Dir dir = Dir::ToServer;
  for (size_t off = 0; off < in.size(); off += chunk) {
    chunks.push_back({dir, in.subspan(off, std::min(chunk, in.size() - off))});
    dir = other(dir);
  }
  return chunks;
}

// The chunk-header format of the line-protocol fuzz targets: a header byte (bit 7: direction,
// bits 0-6: length - 1) followed by that many bytes.
inline std::vector<Chunk> header_chunks(const uint8_t* data, size_t size) {
  std::vector<Chunk> chunks;
  for (size_t i = 0; i < size;) {
    const uint8_t h = data[i++];
    const size_t len = std::min<size_t>((h & 0x7f) + 1, size - i);
    chunks.push_back({(h & 0x80) ? Dir::ToClient : Dir::ToServer, std::span<const uint8_t>(data + i, len)});
    i += len;
  }
  return chunks;
}

// Where a run of a conversation ended.
struct Outcome {
  Verdict verdict = Verdict::Continue;
  size_t at = SIZE_MAX;  // the verdict's chunk: [at, end) in bytes of the whole conversation
  size_t end = SIZE_MAX;
  Reason reason = Reason::Forwarded;
};

// Feeds `chunks` to a fresh state; `bytewise` splits every chunk into single bytes. A property
// broken on the way is described in `*error` (left alone otherwise).
inline Outcome feed(const proto::Inspector& insp, proto::Context& ctx, proto::FlowArena& arena,
                    std::span<const Chunk> chunks, bool bytewise, std::string* error) {
  proto::FlowState* st = insp.open(arena);
  if (!st) {
    *error = "no state for a fresh flow";
    return {};
  }
  Outcome o;
  size_t pos = 0;
  for (size_t c = 0; c < chunks.size() && o.verdict == Verdict::Continue; ++c) {
    const Chunk& ch = chunks[c];
    const size_t step = bytewise ? 1 : std::max<size_t>(ch.bytes.size(), 1);
    for (size_t off = 0; off < ch.bytes.size(); off += step) {
      auto part = ch.bytes.subspan(off, std::min(step, ch.bytes.size() - off));
      const Decision d = insp.on_data(*st, ch.dir, std::as_bytes(part), ctx);
      if (d.allowed_bytes > part.size()) *error = "allowed_bytes beyond the chunk";
      if (d.verdict == Verdict::Deny) {
        o = {d.verdict, pos + off, pos + off + part.size(), d.reason};
        // Final: the rest of this chunk, the next chunk, the other direction, nothing at all.
        auto rest = ch.bytes.subspan(off + part.size());
        if (insp.on_data(*st, ch.dir, std::as_bytes(rest), ctx).verdict != Verdict::Deny ||
            insp.on_data(*st, other(ch.dir), std::as_bytes(part), ctx).verdict != Verdict::Deny ||
            insp.on_data(*st, ch.dir, {}, ctx).verdict != Verdict::Deny)
          *error = "a deny is not final";
        if (c + 1 < chunks.size() &&
            insp.on_data(*st, chunks[c + 1].dir, std::as_bytes(chunks[c + 1].bytes), ctx).verdict !=
                Verdict::Deny)
          *error = "a deny is not final (next chunk)";
        break;
      }
      if (d.verdict == Verdict::PassThrough) {
        o = {d.verdict, pos + off, pos + off + part.size()};
        break;
      }
    }
    pos += ch.bytes.size();
  }
  insp.close(st, arena, ctx);
  return o;
}

// Sends `chunks` as TCP segments through a stream normaliser, each direction's segments
// delivered in a shuffled order (from `seed`): what arrives ahead of the next expected byte is
// dropped by the normaliser and sent again, as a sender retransmits, until every byte went
// through in order. Directions keep their relative order at chunk boundaries (a reply follows
// its request). The outcome is where the inspector decided, in bytes of the conversation.
inline Outcome feed_reordered(const proto::Inspector& insp, proto::Context& ctx,
                              proto::FlowArena& arena, std::span<const Chunk> chunks,
                              uint32_t seed, std::string* error) {
  thread_local proto::StreamNormaliser norm(1, 1 << 17);  // one stream, reused
  const uint32_t s = norm.open();
  proto::FlowState* st = insp.open(arena);
  if (s == proto::StreamNormaliser::kNone || !st) {
    *error = "no state for a fresh flow";
    if (st) insp.close(st, arena, ctx);
    return {};
  }
  const uint32_t isn[2] = {1000, 0xfffffff0u};  // the second wraps around
  norm.start(s, Dir::ToServer, isn[0]);
  norm.start(s, Dir::ToClient, isn[1]);
  uint32_t next[2] = {isn[0], isn[1]};
  Outcome o;
  size_t pos = 0;
  uint32_t rng = seed | 1;
  auto rand = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
  };
  for (const Chunk& ch : chunks) {
    const int d = static_cast<int>(ch.dir);
    // The chunk as segments of 1..8 bytes, shuffled; each round sends those still missing.
    struct Seg {
      size_t off, len;
    };
    std::vector<Seg> segs;
    for (size_t off = 0; off < ch.bytes.size();) {
      const size_t len = std::min<size_t>(1 + rand() % 8, ch.bytes.size() - off);
      segs.push_back({off, len});
      off += len;
    }
    std::vector<bool> done(segs.size(), false);
    size_t left = segs.size();
    for (size_t round = 0; left && round <= segs.size(); ++round) {
      std::vector<size_t> order;
      for (size_t i = 0; i < segs.size(); ++i)
        if (!done[i]) order.push_back(i);
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rand() % i]);
      for (size_t i : order) {
        const uint32_t seq = next[d] + static_cast<uint32_t>(segs[i].off);
        // Each segment acknowledges all of the other direction (it was delivered).
        const auto r = norm.segment(s, ch.dir, seq, ch.bytes.subspan(segs[i].off, segs[i].len),
                                    false, next[1 - d], &insp, st, ctx);
        if (r.action == proto::SegmentResult::Action::Drop && r.reason != Reason::TcpOutOfOrder) {
          *error = std::string("the normaliser dropped a segment: ") + reason_code(r.reason);
          break;
        }
        if (r.action == proto::SegmentResult::Action::Kill) {
          o = {Verdict::Deny, pos + segs[i].off, pos + segs[i].off + segs[i].len, r.reason};
        } else if (r.action == proto::SegmentResult::Action::Forward) {
          done[i] = true;
          --left;
          if (r.pass_through) o = {Verdict::PassThrough, pos + segs[i].off, pos + segs[i].off + segs[i].len};
        }
        if (o.verdict != Verdict::Continue || !error->empty()) break;
      }
      if (o.verdict != Verdict::Continue || !error->empty()) break;
    }
    if (o.verdict != Verdict::Continue || !error->empty()) break;
    if (left) {
      *error = "the normaliser never took every segment of a chunk";
      break;
    }
    next[d] += static_cast<uint32_t>(ch.bytes.size());
    pos += ch.bytes.size();
  }
  insp.close(st, arena, ctx);
  norm.close(s);
  return o;
}

// Checks every property on `chunks`: "" when they hold, else what broke. `ctx` carries the
// service and the pools, which must be back to their sizes afterwards. `reorder_seed` 0 skips
// the out-of-order run.
inline std::string check_properties(const proto::Inspector& insp, proto::Context& ctx,
                                    proto::FlowArena& arena, std::span<const Chunk> chunks,
                                    uint32_t reorder_seed = 0) {
  std::string error;
  const size_t blocks = arena.available();
  const size_t buffers = ctx.buffers ? ctx.buffers->available() : 0;
  const Outcome bytes = feed(insp, ctx, arena, chunks, true, &error);
  const Outcome given = feed(insp, ctx, arena, chunks, false, &error);
  if (!error.empty()) return error;
  if (arena.available() != blocks || (ctx.buffers && ctx.buffers->available() != buffers))
    return "state or pool buffer not given back at close";
  auto describe = [](const char* what, const Outcome& a, const char* how, const Outcome& b) {
    auto one = [](const char* name, const Outcome& o) {
      return std::string(name) + ": verdict " + std::to_string(static_cast<int>(o.verdict)) + " (" +
             reason_code(o.reason) + ") on bytes [" + std::to_string(o.at) + ", " +
             std::to_string(o.end) + ")";
    };
    return std::string(what) + "\n  " + one("byte by byte", a) + "\n  " + one(how, b);
  };
  if (bytes.verdict == Verdict::Continue) {
    if (given.verdict == Verdict::Deny) return describe("denied only when chunked", bytes, "chunked", given);
  } else if (given.verdict != bytes.verdict || given.at > bytes.at || given.end <= bytes.at) {
    // The byte-at-a-time verdict falls on byte `bytes.at`: the chunked verdict must fall on the
    // chunk holding it (not later: that chunk would have been forwarded; not earlier either).
    return describe(bytes.verdict == Verdict::Deny
                        ? "the chunked run does not deny on the chunk holding the deciding byte"
                        : "the chunked run does not pass through on the chunk holding the deciding byte",
                    bytes, "chunked", given);
  }
  if (reorder_seed) {
    const Outcome shuffled = feed_reordered(insp, ctx, arena, chunks, reorder_seed, &error);
    if (!error.empty()) return error;
    if (arena.available() != blocks || (ctx.buffers && ctx.buffers->available() != buffers))
      return "state or pool buffer not given back at close (out-of-order run)";
    if (shuffled.verdict != bytes.verdict ||
        (bytes.verdict != Verdict::Continue && (shuffled.at > bytes.at || shuffled.end <= bytes.at)))
      return describe("out-of-order segments decide elsewhere", bytes, "out of order", shuffled);
  }
  return {};
}

// check_properties() on a client's stream `b` cut into `chunk`-byte chunks, under a default
// service (its own arena and pool: a test's driver may hold its flow meanwhile).
inline std::string stream_properties(const proto::Inspector& insp, std::string_view b, size_t chunk,
                                     uint32_t reorder_seed) {
  std::vector<Chunk> chunks;
  const std::span<const uint8_t> all(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  for (size_t off = 0; off < all.size(); off += chunk)
    chunks.push_back({Dir::ToServer, all.subspan(off, std::min(chunk, all.size() - off))});
  policy::InspectorConfig service;
  ReasonCounters counters;
  proto::BufferPool pool(2, 64 << 10);
  proto::FlowArena arena(2);
  proto::Context ctx;
  ctx.service = &service;
  ctx.buffers = &pool;
  ctx.counters = &counters;
  return check_properties(insp, ctx, arena, chunks, reorder_seed);
}

// A client stream an inspector must deny, with `reason`, naming `detail` (Inspector::detail).
struct Denial {
  const char* name;
  std::string bytes;
  Reason reason;
  std::string detail;
};
// `d` sent whole and in chunks of each of `chunks` bytes, then its FIN: the reason and the
// detail, final for both directions; and the segmentation properties (`prop_chunk`-byte chunks,
// reordered with `seed`). What went wrong, or "".
inline std::string check_denial(const proto::Inspector& insp, const Denial& d,
                                std::initializer_list<size_t> chunks, size_t prop_chunk,
                                uint32_t seed) {
  for (size_t chunk : chunks) {
    InspectorDriver drv(insp);
    const std::string at = std::string(d.name) + ", chunk " + std::to_string(chunk) + ": ";
    const Decision r = drv.c_then_end(d.bytes, chunk);
    if (why(r) != d.reason) return at + "reason " + reason_code(why(r)) + ", want " + reason_code(d.reason);
    if (drv.detail() != d.detail) return at + "detail '" + std::string(drv.detail()) + "', want '" + d.detail + "'";
    if (why(drv.c("\n")) != d.reason || why(drv.s("x")) != d.reason) return at + "the deny is not final";
  }
  const std::string e = stream_properties(insp, d.bytes, prop_chunk, seed);
  return e.empty() ? e : std::string(d.name) + ": " + e;
}

}  // namespace pw::testing
