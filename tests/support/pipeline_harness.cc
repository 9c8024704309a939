#include "tests/support/pipeline_harness.h"

#include <gtest/gtest.h>

#include "policy/config.h"
#include "policy/policy_model.h"

namespace pw::testing {

std::shared_ptr<const policy::CompiledPolicy> compile_text(const std::string& text, uint64_t gen) {
  policy::ParseResult r = policy::parse_config(text, "p.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  policy::ModelResult m = policy::build_model(r.config);
  for (const auto& e : m.errors) ADD_FAILURE() << e.str();
  return policy::compile(m.model, gen);
}

}  // namespace pw::testing
