// Canonical printing: the form `show configuration` prints and that parses back to the same
// configuration.
#pragma once

#include <string>

#include "policy/config.h"

namespace pw::policy {

// `set profile` first, then the deletes the overlay makes to the profile, then the sets, all in
// schema order. A bare tag line ("set group x") is printed only when nothing else defines it.
std::string print_config(const Config& c);

// The effective configuration (profile merged) as standalone set-commands, without a profile line.
std::string print_expanded(const Config& c);

std::string statement_line(const char* verb, const Statement& s);

}  // namespace pw::policy
