// Port-scan detection: one source touching many denied ports, or many printers, within a window
// (thresholds from `detection port-scan`). One alert per source and window, not one per packet.
// Bounded: a fixed table of sources; when full, the source with the oldest window is replaced.
// Distinct ports and printers are counted in small bitmaps (1024 and 256 bits): exact below the
// thresholds that matter, and never more memory per source.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/ip.h"

namespace pw::dp {

// A bounded table of per-source windows: a power of two of entries (at least `sources`), found by
// 8 probes from the source's hash; when none is free, the entry with the oldest window is
// replaced. `Counts` is what a detector counts per source and window.
template <typename Counts>
class SourceWindows {
 public:
  struct Entry : Counts {
    IpAddr src;
    bool used = false;
    bool alerted = false;  // the alert of this window is given
    uint64_t window_start = 0;
  };
  explicit SourceWindows(size_t sources);
  // The entry of `src`, started afresh when its window of `window_ns` has passed at `now`.
  Entry& at(const IpAddr& src, uint64_t now, uint64_t window_ns);
  size_t memory_bytes() const { return table_.size() * sizeof(Entry); }

 private:
  std::vector<Entry> table_;
  size_t mask_ = 0;
};

class ScanDetector {
 public:
  ScanDetector(size_t sources, uint32_t ports, uint32_t printers, uint64_t window_ns);

  // A denied attempt of `src` toward `printer`:`port` at `now`. True once per source and window,
  // when the source reaches either threshold; `*distinct_ports` then tells how many ports.
  bool record(const IpAddr& src, const IpAddr& printer, uint16_t port, uint64_t now,
              uint32_t* distinct_ports);
  void set_thresholds(uint32_t ports, uint32_t printers, uint64_t window_ns);
  size_t memory_bytes() const { return table_.memory_bytes(); }

  struct Counts {
    uint16_t ports = 0, printers = 0;
    std::array<uint64_t, 16> port_bits{};
    std::array<uint64_t, 4> printer_bits{};
  };

 private:
  SourceWindows<Counts> table_;
  uint32_t ports_, printers_;
  uint64_t window_ns_;
};

// New flows per source and second (flows new-per-source): one source cannot fill the flow
// table or the detectors behind it in a burst. Bounded like the scan detector; a window is one
// second. record() says whether this new flow is over the rate, and whether it is the first
// refusal of the window (one event per source and second, not one per refused flow).
class RateDetector {
 public:
  RateDetector(size_t sources, uint32_t per_second) : table_(sources), limit_(per_second) {}
  void set_limit(uint32_t per_second) { limit_ = per_second; }
  struct Result {
    bool over = false;
    bool first_over = false;  // the first refusal of this source's window
  };
  Result record(const IpAddr& src, uint64_t now) {
    auto& e = table_.at(src, now, 1'000'000'000ull);
    if (e.flows < limit_) {
      ++e.flows;
      return {};
    }
    const bool first = !e.alerted;
    e.alerted = true;
    return {true, first};
  }
  size_t memory_bytes() const { return table_.memory_bytes(); }

  struct Counts {
    uint32_t flows = 0;
  };

 private:
  SourceWindows<Counts> table_;
  uint32_t limit_;
};

// Repeated failed authentications (guide: 5 failures in 3 minutes -> alert): one alert per
// source and window. Bounded like the scan detector.
class FailureDetector {
 public:
  FailureDetector(size_t sources, uint32_t count, uint64_t window_ns);
  void set_thresholds(uint32_t count, uint64_t window_ns) {
    count_ = count;
    window_ns_ = window_ns;
  }
  // A failure of `src` at `now`; true once per window when the count reaches the threshold.
  bool record(const IpAddr& src, uint64_t now, uint32_t* failures);

  struct Counts {
    uint32_t failures = 0;
  };

 private:
  SourceWindows<Counts> table_;
  uint32_t count_;
  uint64_t window_ns_;
};

}  // namespace pw::dp
