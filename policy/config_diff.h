// The difference of two configurations as set/delete commands (what `show | compare` prints):
// applied to `from`, the commands give a configuration whose effective form equals `to`'s.
#pragma once

#include <string>
#include <vector>

#include "policy/config.h"

namespace pw::policy {

// Lines without a trailing newline, deletes first, then sets, each in canonical order.
std::vector<std::string> diff_configs(const Config& from, const Config& to);

}  // namespace pw::policy
