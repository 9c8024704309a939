#include "dataplane/block_list.h"

#include <stdexcept>

#include "dataplane/source_counts.h"

namespace pw::dp {

namespace {
constexpr size_t kProbes = 8;
}

BlockList::BlockList(size_t sources) {
  size_t n = 16;
  while (n < sources) n <<= 1;
  if (n > (size_t{1} << 24)) throw std::invalid_argument("block list: too many sources");
  table_.resize(n);
  mask_ = n - 1;
}

const BlockList::Entry* BlockList::find(const IpAddr& src, uint64_t now) const {
  const uint64_t h = AddrHash{}(src);
  for (size_t i = 0; i < kProbes; ++i) {
    const Entry& e = table_[(h + i) & mask_];
    if (e.until != 0 && e.src == src) return e.until > now ? &e : nullptr;
  }
  return nullptr;
}

bool BlockList::block(const IpAddr& src, uint64_t until, uint64_t now) {
  const uint64_t h = AddrHash{}(src);
  Entry* free = nullptr;
  Entry* first_end = nullptr;
  for (size_t i = 0; i < kProbes; ++i) {
    Entry& e = table_[(h + i) & mask_];
    if (e.until != 0 && e.src == src) {
      if (until > e.until) e.until = until;
      return true;
    }
    if (e.until != 0 && e.until <= now) {  // expired: free it
      e.until = 0;
      --live_;
    }
    if (e.until == 0) {
      if (!free) free = &e;
      continue;
    }
    if (!first_end || e.until < first_end->until) first_end = &e;
  }
  bool replaced = false;
  if (!free) {
    free = first_end;  // every probe holds a live block: the one that ends first goes
    replaced = true;
  } else {
    ++live_;
  }
  free->src = src;
  free->until = until;
  return !replaced;
}

bool BlockList::unblock(const IpAddr& src) {
  const uint64_t h = AddrHash{}(src);
  for (size_t i = 0; i < kProbes; ++i) {
    Entry& e = table_[(h + i) & mask_];
    if (e.until != 0 && e.src == src) {
      e.until = 0;
      --live_;
      return true;
    }
  }
  return false;
}

void BlockList::clear() {
  for (auto& e : table_) e.until = 0;
  live_ = 0;
}

size_t BlockList::size(uint64_t now) {
  size_t n = 0;
  for (auto& e : table_) {
    if (e.until == 0) continue;
    if (e.until <= now) {
      e.until = 0;
      --live_;
      continue;
    }
    ++n;
  }
  return n;
}

}  // namespace pw::dp
