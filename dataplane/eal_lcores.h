// What an EAL command line gives the dataplane, read without starting the EAL: the lcores of
// -l, --lcores or -c (the last one given), else every online CPU (DPDK's default). printwalld
// checks a commit's worker count against it, so that a commit never asks for more workers than
// the next start can run.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pw::dp {

// nullopt when an lcore option does not parse (the EAL would refuse it too).
std::optional<unsigned> eal_lcore_count(const std::vector<std::string>& args,
                                        unsigned online_cpus);
// `dataplane eal-options` as arguments (split at spaces).
std::vector<std::string> split_eal_options(const std::string& options);

}  // namespace pw::dp
