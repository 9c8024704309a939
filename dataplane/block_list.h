// Sources blocked toward the printers (detection failed-auth action block-source): an address and
// the time its block ends. Each worker holds its own table (no lock shared across lcores): it
// blocks a source its own detector caught at once, and the control plane hands every worker the
// blocks of the others (and the administrator's `clear blocked-sources`) through a per-worker
// single-producer ring (worker.h). Bounded: a power of two of entries found by 8 probes from the
// address's hash; an expired entry is free; when all 8 are taken, the block that ends first is
// replaced (counted by the caller as a lost block).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ip.h"

namespace pw::dp {

class BlockList {
 public:
  explicit BlockList(size_t sources);

  // Whether `src` is blocked at `now` (UNIX ns). Cheap when nothing is blocked.
  bool blocked(const IpAddr& src, uint64_t now) const {
    return live_ != 0 && find(src, now) != nullptr;
  }
  // Blocks `src` until `until` (a later block of the same source extends it). False when a
  // live block of another source had to be replaced to make room.
  bool block(const IpAddr& src, uint64_t until, uint64_t now);
  // Lifts the block of `src`; false when it had none.
  bool unblock(const IpAddr& src);
  void clear();
  // Live blocks at `now` (expired ones are dropped from the count as they are met).
  size_t size(uint64_t now);
  size_t capacity() const { return table_.size(); }
  size_t memory_bytes() const { return table_.size() * sizeof(Entry); }

  struct Entry {
    IpAddr src;
    uint64_t until = 0;  // 0: free
  };

 private:
  const Entry* find(const IpAddr& src, uint64_t now) const;
  std::vector<Entry> table_;
  size_t mask_ = 0;
  size_t live_ = 0;  // entries with until != 0 (some may have expired since)
};

}  // namespace pw::dp
