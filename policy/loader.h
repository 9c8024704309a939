// The one way from a configuration to a compiled policy, used by printwalld (start, SIGHUP,
// commits), `printwall replay`, `printwall check-config` and the CLI's candidate checks:
// parse (set-commands, profile merged), validate (build_model), compile. Every problem is a
// ConfigError naming file, line and column.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "policy/policy_model.h"

namespace pw::policy {

struct Loaded {
  Config config;  // as parsed (prints back to the canonical text)
  Model model;    // validated, profile merged
  std::shared_ptr<const CompiledPolicy> compiled;  // set when ok()
  std::vector<ConfigError> errors;
  std::vector<ConfigError> warnings;
  bool ok() const { return errors.empty() && compiled != nullptr; }
};

// `name` is the file name errors carry ("candidate", "<stdin>", a path).
Loaded load_text(std::string_view text, std::string_view name, uint64_t generation = 1);
Loaded load_file(const std::string& path, uint64_t generation = 1);
// From a configuration already parsed.
Loaded load_config(const Config& config, std::string_view name, uint64_t generation = 1);

}  // namespace pw::policy
