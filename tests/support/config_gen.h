// Generators of configurations for tests and benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pw::testing {

// About `n` random set/delete lines over the whole schema, syntactically valid (parse_config
// accepts them), with random values of every type; deterministic for a seed. Not necessarily
// semantically valid (services may lack a direction).
std::string random_config(uint32_t seed, size_t n);

// `set profile enterprise` plus `n` extra, valid services spread over ports and 40 peer groups
// with addresses: a large policy for the compiler's tests and benchmark.
std::string large_policy_config(size_t n);

}  // namespace pw::testing
