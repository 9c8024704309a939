// Versions of the libraries the binaries were built against (for `printwall version`).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pw::dp {

std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace pw::dp
