#include "common/reason.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace pw {
namespace {

TEST(Reasons, CodesAreUniqueAndKebabCase) {
  std::set<std::string> seen;
  for (size_t i = 0; i < kReasonCount; ++i) {
    std::string c = reason_code(static_cast<Reason>(i));
    EXPECT_TRUE(seen.insert(c).second) << "duplicate code " << c;
    for (char ch : c) EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') << c;
    EXPECT_STRNE(reason_description(static_cast<Reason>(i)), "");
  }
  EXPECT_STREQ(reason_code(Reason::Count), "unknown");
}

TEST(Reasons, EveryCodeIsDocumented) {
  const char* root = std::getenv("PW_SOURCE_ROOT");
  ASSERT_NE(root, nullptr);
  std::ifstream in(std::string(root) + "/docs/events.md");
  ASSERT_TRUE(in) << "docs/events.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  for (size_t i = 0; i < kReasonCount; ++i) {
    std::string c = std::string("`") + reason_code(static_cast<Reason>(i)) + "`";
    EXPECT_NE(doc.find(c), std::string::npos) << c << " is not in docs/events.md";
  }
}

}  // namespace
}  // namespace pw
