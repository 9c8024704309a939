// How many flows each source address holds in some pool (the inspected flows an initiator holds,
// for `stream max-flows-per-source`). Exact counts in a fixed open-addressing table, linear
// probing with backward-shift deletion; sized for `max_total` counted flows at once (every key
// present has a count of at least one, so there are never more keys than that): no allocation
// after construction, no locks (one per lcore).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ip.h"

namespace pw::dp {

class SourceCounts {
 public:
  explicit SourceCounts(size_t max_total);

  uint32_t count(const IpAddr& a) const;
  // One more flow of `a`; false (nothing counted) when `max_total` flows are counted already.
  bool add(const IpAddr& a);
  // One flow of `a` less (no-op when `a` holds none).
  void remove(const IpAddr& a);
  size_t total() const { return total_; }
  size_t sources() const { return used_; }

 private:
  struct Slot {
    IpAddr addr;
    uint32_t n = 0;  // 0: empty
  };
  size_t home(const IpAddr& a) const;
  size_t find(const IpAddr& a) const;  // slot index or SIZE_MAX

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t max_total_;
  size_t total_ = 0;
  size_t used_ = 0;
};

}  // namespace pw::dp
