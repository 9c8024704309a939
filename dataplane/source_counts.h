// How many flows under inspection each initiator address holds (stream max-flows-per-source),
// and how many message buffers: a CountedTable keyed by address.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/ip.h"
#include "dataplane/counted_table.h"

namespace pw::dp {

struct AddrHash {
  uint64_t operator()(const IpAddr& a) const {
    uint64_t w[2];
    std::memcpy(w, a.bytes.data(), 16);
    uint64_t h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
                 static_cast<uint64_t>(a.family);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
  }
};

using SourceCounts = CountedTable<IpAddr, AddrHash>;

}  // namespace pw::dp
