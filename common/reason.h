// Reason codes for drops, rejects and reports (common/reasons.def), shared by the dataplane and
// the inspectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pw {

enum class Reason : uint16_t {
#define PW_REASON(id, code, desc, category, severity) id,
#include "common/reasons.def"
#undef PW_REASON
  Count
};

inline constexpr size_t kReasonCount = static_cast<size_t>(Reason::Count);

const char* reason_code(Reason r);
const char* reason_description(Reason r);
// The event's alert object: a category (docs/events.md) and a severity, 1 high to 3 low.
const char* reason_category(Reason r);
int reason_severity(Reason r);

// Per-reason counters (one array per lcore; the control plane sums them).
struct ReasonCounters {
  std::array<uint64_t, kReasonCount> n{};
  void add(Reason r, uint64_t k = 1) { n[static_cast<size_t>(r)] += k; }
  uint64_t operator[](Reason r) const { return n[static_cast<size_t>(r)]; }
};

}  // namespace pw
