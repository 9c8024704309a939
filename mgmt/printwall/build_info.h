// Versions of the libraries printwall was built against (`printwall version`).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pw::mgmt {

std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace pw::mgmt
