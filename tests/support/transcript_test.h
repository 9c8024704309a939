// A GoogleTest fixture for the inspectors of binary protocols (SMB, RFB): a flow of one
// inspector with its service, counters and pools, a transcript of messages fed whole or in
// chunks, and run_split(), which asserts that every chunking gives the same verdict on the same
// message and byte. Tests reach the flow's parts by name (svc, ctx, pool, counters, insp, st).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "policy/inspector_config.h"
#include "protocols/inspector.h"

namespace pw::testing {

struct Msg {
  proto::Dir dir;
  std::vector<uint8_t> bytes;
};

struct TranscriptOutcome {
  proto::Verdict verdict = proto::Verdict::Continue;
  Reason reason = Reason::Forwarded;
  size_t message = SIZE_MAX;  // index of the message on which the verdict fell
  size_t at = 0;  // Deny: offset of the deciding byte; PassThrough: start of the deciding chunk
};

template <typename InspectorT>
struct TranscriptTest : ::testing::Test {
  using Outcome = TranscriptOutcome;

  // `splits`: the chunk sizes run_split() tries besides whole messages.
  TranscriptTest(policy::Inspect kind, size_t buffers, size_t buffer_size,
                 std::initializer_list<size_t> splits)
      : pool(buffers, buffer_size), splits_(splits) {
    svc.inspect = kind;
  }

  policy::InspectorConfig svc;
  ReasonCounters counters;
  proto::BufferPool pool;
  proto::Context ctx;
  proto::FlowArena arena{4};
  InspectorT insp;
  proto::FlowState* st = nullptr;

  void SetUp() override {
    ctx.service = &svc;
    ctx.counters = &counters;
    ctx.buffers = &pool;
    reset();
  }
  void TearDown() override { insp.close(st, arena, ctx); }
  // A fresh flow; the counters restart too.
  void reset() {
    if (st) insp.close(st, arena, ctx);
    st = insp.open(arena);
    ASSERT_NE(st, nullptr);
    counters = {};
  }
  // Feeds the messages in chunks of `chunk` bytes; stops at the first verdict.
  Outcome run(const std::vector<Msg>& t, size_t chunk = SIZE_MAX) {
    for (size_t m = 0; m < t.size(); ++m) {
      const std::vector<uint8_t>& b = t[m].bytes;
      for (size_t off = 0; off < b.size(); off += chunk) {
        const size_t len = std::min(chunk, b.size() - off);
        proto::Decision d =
            insp.on_data(*st, t[m].dir, std::as_bytes(std::span(b.data() + off, len)), ctx);
        EXPECT_LE(d.allowed_bytes, len);
        if (d.verdict == proto::Verdict::Deny) return {d.verdict, d.reason, m, off + d.allowed_bytes};
        if (d.verdict == proto::Verdict::PassThrough) {
          EXPECT_EQ(d.allowed_bytes, len);
          return {d.verdict, d.reason, m, off};
        }
        EXPECT_EQ(d.allowed_bytes, len);
      }
    }
    return {};
  }
  // The same transcript in whole messages and in chunks of each split size: the same verdict
  // on the same message; a denial at the same byte; with 1-byte chunks, at `deciding`.
  Outcome run_split(const std::vector<Msg>& t, size_t deciding = SIZE_MAX) {
    reset();
    const Outcome whole = run(t);
    for (size_t chunk : splits_) {
      reset();
      const Outcome o = run(t, chunk);
      EXPECT_EQ(o.verdict, whole.verdict) << "chunk " << chunk;
      EXPECT_EQ(o.reason, whole.reason) << "chunk " << chunk;
      EXPECT_EQ(o.message, whole.message) << "chunk " << chunk;
      if (whole.verdict == proto::Verdict::Deny) {
        EXPECT_EQ(o.at, whole.at) << "chunk " << chunk;
      }
      if (chunk == 1 && deciding != SIZE_MAX && whole.verdict != proto::Verdict::Continue) {
        EXPECT_EQ(o.at, deciding);
      }
    }
    return whole;
  }

 private:
  std::vector<size_t> splits_;
};

}  // namespace pw::testing
