// The pipeline's counters as a struct generated from dataplane/counters.def (one X-macro list:
// the struct, its arithmetic, the names and descriptions that telemetry, `show statistics` and
// the summaries print), and the per-reason counts beside them.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/reason.h"

namespace pw::dp {

struct PipelineCounters {
#define PW_COUNTER(id, desc) uint64_t id = 0;
#include "dataplane/counters.def"
#undef PW_COUNTER
  ReasonCounters reasons;  // per drop reason (Forwarded: frames forwarded)

  // Sums over lcores; differences from a baseline (`clear statistics`).
  PipelineCounters& operator+=(const PipelineCounters& o);
  PipelineCounters& operator-=(const PipelineCounters& o);
  // fn(name, value) for every counter of counters.def, in its order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
#define PW_COUNTER(id, desc) fn(#id, id);
#include "dataplane/counters.def"
#undef PW_COUNTER
  }
};

// The description of a counter of counters.def, or null.
const char* counter_description(std::string_view name);

}  // namespace pw::dp
