// The candidate configuration of one CLI configuration session (`configure`): a private copy of
// the running configuration that `set`/`delete`/`load`/`rollback` change and `commit` makes
// running. Nothing here touches the running configuration or the dataplane.
//
// Error locations:
//  - a line typed at the prompt is "candidate:N:COL", N counting every line given to
//    apply_line() in this session (the first is 1), blank or failed lines included;
//  - `load` errors carry the file name given to load();
//  - check() reports errors of statements where they came from: "candidate:N:COL" for typed
//    lines, the file for loaded ones, the running configuration's source for the rest.
// The parser's reasons are kept as they are, with their "(did you mean '...'?)".
//
// Changing the profile (`set profile X`, `delete profile`) drops the overlay's deletes of
// profile statements the new profile does not have, so that the candidate always prints to a
// text that parses back (a stale `delete` would be "nothing to delete" on the next load).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.h"

namespace pw::policy {
class CompiledPolicy;
}

namespace pw::mgmt {

struct CheckResult {
  std::vector<policy::ConfigError> errors;
  std::vector<policy::ConfigError> warnings;
  // The compiled candidate when it is valid (the caller may publish it on commit).
  std::shared_ptr<const policy::CompiledPolicy> compiled;
  bool ok() const { return errors.empty(); }
};

class ConfigSession {
 public:
  static constexpr const char* kCandidateFile = "candidate";

  ConfigSession(const policy::Config& running, std::string running_text);

  // One `set ...` / `delete ...` line as typed. Interactive semantics: `set` replaces the value
  // of a single-valued leaf. A blank or comment line does nothing and succeeds. On error the
  // candidate is unchanged and `errs` (when given) receives the error.
  bool apply_line(std::string_view line, std::vector<policy::ConfigError>* errs);

  // `show | compare`: running -> candidate as set/delete lines.
  std::vector<std::string> compare() const;

  // `commit check`: validates (build_model) and compiles the candidate; nothing is applied.
  // `generation` is stamped on the compiled policy.
  CheckResult check(uint64_t generation = 0) const;

  // `load replace` (replace = true): the candidate becomes the text's configuration.
  // `load merge`: the text's statements are applied on top of the candidate, as if typed
  // (`set profile` first, like a file), except that two different values for one single-valued
  // leaf within the text are a conflict. Any error leaves the candidate untouched.
  bool load(std::string_view text, bool replace, std::string_view filename,
            std::vector<policy::ConfigError>* errs);

  // `rollback N`: the candidate becomes a stored commit's configuration. False (candidate
  // untouched) only when the text does not parse; stored commits always do.
  bool load_rollback(const std::string& text, std::vector<policy::ConfigError>* errs = nullptr);

  const policy::Config& candidate() const { return candidate_; }
  std::string candidate_text() const;
  const policy::Config& running() const { return running_; }
  const std::string& running_text() const { return running_text_; }
  // The candidate differs from the running configuration.
  bool dirty() const { return !(candidate_ == running_); }
  uint32_t lines_applied() const { return lines_; }

 private:
  policy::Config running_;
  std::string running_text_;
  policy::Config candidate_;
  uint32_t lines_ = 0;
};

// Rebuilds `c` so that its deletes apply to its (possibly changed) profile: deletes that match
// nothing in the profile are dropped. Sets are kept.
policy::Config rebase_on_profile(const policy::Config& c);

}  // namespace pw::mgmt
