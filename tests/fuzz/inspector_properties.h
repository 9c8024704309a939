// The inspector properties (tests/support/inspector_driver.h) as the fuzz targets check them:
// a violation aborts, and libFuzzer keeps the input as a crash reproducer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "tests/support/inspector_driver.h"

namespace pw::fuzz {

using testing::alternating_chunks;
using testing::Chunk;
using testing::header_chunks;
using testing::record_chunks;

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

}  // namespace pw::fuzz
