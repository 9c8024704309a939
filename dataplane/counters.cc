#include "dataplane/counters.h"

namespace pw::dp {

PipelineCounters& PipelineCounters::operator+=(const PipelineCounters& o) {
#define PW_COUNTER(id, desc) id += o.id;
#include "dataplane/counters.def"
#undef PW_COUNTER
  for (size_t i = 0; i < kReasonCount; ++i) reasons.n[i] += o.reasons.n[i];
  return *this;
}
PipelineCounters& PipelineCounters::operator-=(const PipelineCounters& o) {
#define PW_COUNTER(id, desc) id -= o.id;
#include "dataplane/counters.def"
#undef PW_COUNTER
  for (size_t i = 0; i < kReasonCount; ++i) reasons.n[i] -= o.reasons.n[i];
  return *this;
}

const char* counter_description(std::string_view name) {
#define PW_COUNTER(id, desc) \
  if (name == #id) return desc;
#include "dataplane/counters.def"
#undef PW_COUNTER
  return nullptr;
}

}  // namespace pw::dp
