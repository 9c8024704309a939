#include "common/reason.h"

namespace pw {

namespace {
constexpr const char* kCodes[] = {
#define PW_REASON(id, code, desc) code,
#include "common/reasons.def"
#undef PW_REASON
};
constexpr const char* kDescriptions[] = {
#define PW_REASON(id, code, desc) desc,
#include "common/reasons.def"
#undef PW_REASON
};
static_assert(std::size(kCodes) == kReasonCount);
}  // namespace

const char* reason_code(Reason r) {
  auto i = static_cast<size_t>(r);
  return i < kReasonCount ? kCodes[i] : "unknown";
}

const char* reason_description(Reason r) {
  auto i = static_cast<size_t>(r);
  return i < kReasonCount ? kDescriptions[i] : "unknown";
}

}  // namespace pw
