// Fuzz target: the configuration language end to end (lexer, parser, overlay, model, compiler,
// printer). Invariants checked: no crash; a configuration that parses prints to a canonical form
// that parses back to the same configuration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "policy/config_diff.h"
#include "policy/config_printer.h"
#include "policy/policy_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pw::policy;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseResult r = parse_config(text, "fuzz.conf");
  if (!r.ok()) return 0;
  std::string printed = print_config(r.config);
  ParseResult again = parse_config(printed, "printed.conf");
  if (!again.ok() || !(again.config == r.config) || print_config(again.config) != printed)
    std::abort();  // round-trip broken
  if (!diff_configs(r.config, again.config).empty()) std::abort();
  ModelResult m = build_model(r.config);
  if (m.ok()) {
    try {
      auto cp = compile(m.model, 1);
      (void)cp->describe();
    } catch (const std::exception&) {
    }
  }
  return 0;
}
