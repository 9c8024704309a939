// `printwall check-config`: validate a configuration file offline, like `nginx -t`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace pw::mgmt {

// Runs the command with its arguments (after "check-config"); returns the exit status:
// 0 valid, 1 invalid, 2 usage error.
int check_config_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pw::mgmt
