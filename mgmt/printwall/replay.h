// `printwall replay --config CONFIG --in IN.pcap --out DIR`: the fast-path pipeline offline.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace pw::mgmt {

// Returns the exit status: 0 done, 1 bad configuration or capture, 2 usage error.
int replay_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pw::mgmt
