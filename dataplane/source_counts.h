// How many flows under inspection each initiator address holds (stream max-flows-per-source),
// and how many message buffers: a CountedTable keyed by address; how many flows of the table
// each one opened (flows max-per-source): a SourceShare.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

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

// How many flows of the table each source opened (flows max-per-source), counted from above: a
// count-min sketch, two rows of 32-bit counters indexed by two halves of the address's hash, the
// smaller of a source's two counters read. A source is never under-counted; another source
// shares both its counters only by rare chance (and then only makes it look busier). Fixed
// memory whatever the number of sources, no allocation after construction.
class SourceShare {
 public:
  explicit SourceShare(size_t width) {
    size_t n = 1024;
    while (n < width && n < (size_t{1} << 24)) n <<= 1;
    for (auto& r : rows_) r.assign(n, 0);
    mask_ = n - 1;
  }
  uint32_t count(const IpAddr& a) const {
    const uint64_t h = AddrHash{}(a);
    return std::min(rows_[0][h & mask_], rows_[1][(h >> 32) & mask_]);
  }
  void add(const IpAddr& a) {
    const uint64_t h = AddrHash{}(a);
    ++rows_[0][h & mask_];
    ++rows_[1][(h >> 32) & mask_];
  }
  void remove(const IpAddr& a) {
    const uint64_t h = AddrHash{}(a);
    uint32_t& x = rows_[0][h & mask_];
    uint32_t& y = rows_[1][(h >> 32) & mask_];
    if (x) --x;
    if (y) --y;
  }
  size_t memory_bytes() const { return 2 * rows_[0].size() * sizeof(uint32_t); }

 private:
  std::vector<uint32_t> rows_[2];
  size_t mask_ = 0;
};

}  // namespace pw::dp
