// Integer mixing for the gateway's hash tables (flow dispatch, scan and source tables): murmur3's
// 64-bit finaliser, fmix64 (Austin Appleby, public domain), in one place.
#pragma once

#include <cstdint>

namespace pw {

// The first round of fmix64: cheap, good enough to spread a table index.
constexpr uint64_t fmix64_round(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

// fmix64 whole: every input bit reaches every output bit (an avalanche).
constexpr uint64_t fmix64(uint64_t x) {
  x = fmix64_round(x);
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

}  // namespace pw
