// The difference of two configurations as set/delete commands (what `show | compare` prints):
// applied to `from`, the commands give a configuration whose effective form equals `to`'s.
#pragma once

#include <string>
#include <vector>

#include "policy/config.h"

namespace pw::policy {

// Lines without a trailing newline, deletes first, then sets, each in canonical order.
std::vector<std::string> diff_configs(const Config& from, const Config& to);

// True when statement `s` is under a schema node marked `restart` (read when printwalld starts).
bool needs_restart(const Statement& s);
// The lines of a diff (diff_configs) that take effect only at the next start.
std::vector<std::string> restart_lines(const std::vector<std::string>& diff);

}  // namespace pw::policy
