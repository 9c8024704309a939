// The built-in profiles' texts, embedded at build time from policy/profiles/*.conf
// (tools/embed_profiles.py generates the definition).
#pragma once

#include <span>
#include <string_view>

namespace pw::policy {

struct BuiltinProfile {
  std::string_view name;
  std::string_view text;
};

extern const std::span<const BuiltinProfile> kBuiltinProfiles;

}  // namespace pw::policy
