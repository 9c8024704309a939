#include "common/reason.h"

namespace pw {

namespace {
constexpr const char* kCodes[] = {
#define PW_REASON(id, code, desc, category, severity) code,
#include "common/reasons.def"
#undef PW_REASON
};
constexpr const char* kDescriptions[] = {
#define PW_REASON(id, code, desc, category, severity) desc,
#include "common/reasons.def"
#undef PW_REASON
};
constexpr const char* kCategories[] = {
#define PW_REASON(id, code, desc, category, severity) category,
#include "common/reasons.def"
#undef PW_REASON
};
constexpr uint8_t kSeverities[] = {
#define PW_REASON(id, code, desc, category, severity) severity,
#include "common/reasons.def"
#undef PW_REASON
};
static_assert(std::size(kCodes) == kReasonCount);
}  // namespace

const char* reason_code(Reason r) {
  auto i = static_cast<size_t>(r);
  return i < kReasonCount ? kCodes[i] : "unknown";
}

const char* reason_category(Reason r) {
  auto i = static_cast<size_t>(r);
  return i < kReasonCount ? kCategories[i] : "unknown";
}

int reason_severity(Reason r) {
  auto i = static_cast<size_t>(r);
  return i < kReasonCount ? kSeverities[i] : 3;
}

const char* reason_description(Reason r) {
  auto i = static_cast<size_t>(r);
  return i < kReasonCount ? kDescriptions[i] : "unknown";
}

}  // namespace pw
