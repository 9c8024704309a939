#include "mgmt/config_session.h"

#include "policy/loader.h"

#include <exception>

#include "policy/compiled_policy.h"
#include "policy/config_diff.h"
#include "policy/config_printer.h"
#include "policy/policy_model.h"

namespace pw::mgmt {

namespace {

bool is_profile(const policy::Statement& s) {
  return s.path.size() == 1 && s.path[0].text == "profile";
}

void add(std::vector<policy::ConfigError>* errs, policy::ConfigError e) {
  if (errs) errs->push_back(std::move(e));
}

}  // namespace

policy::Config rebase_on_profile(const policy::Config& c) {
  policy::Config out;
  for (const auto& [k, s] : c.sets())
    if (is_profile(s)) out.set(s, false, nullptr);
  // Only deletes that still remove something of the (new) profile survive.
  for (const auto& [k, d] : c.deletes()) out.remove(d, nullptr);
  for (const auto& [k, s] : c.sets())
    if (!is_profile(s)) out.set(s, false, nullptr);
  return out;
}

ConfigSession::ConfigSession(const policy::Config& running, std::string running_text)
    : running_(running), running_text_(std::move(running_text)), candidate_(running) {}

bool ConfigSession::apply_line(std::string_view line, std::vector<policy::ConfigError>* errs) {
  ++lines_;
  policy::ConfigError e;
  auto pl = policy::parse_line(line, {kCandidateFile, lines_, 0}, &e);
  if (!pl) {
    if (e.reason.empty()) return true;  // blank or comment
    add(errs, std::move(e));
    return false;
  }
  // Neither set (non-strict) nor a failing remove changes the configuration on error.
  const auto profile_before = candidate_.profile();
  bool ok = pl->op == policy::Op::Set ? candidate_.set(pl->statement, false, &e)
                                      : candidate_.remove(pl->statement, &e);
  if (!ok) {
    add(errs, std::move(e));
    return false;
  }
  if (candidate_.profile() != profile_before) candidate_ = rebase_on_profile(candidate_);
  return true;
}

std::vector<std::string> ConfigSession::compare() const {
  return policy::diff_configs(running_, candidate_);
}

std::string ConfigSession::candidate_text() const { return policy::print_config(candidate_); }

CheckResult ConfigSession::check(uint64_t generation) const {
  CheckResult r;
  // What commit stores is the printed text: it must parse back to this very candidate.
  policy::ParseResult back = policy::parse_config(candidate_text(), kCandidateFile);
  if (!back.ok() || !(back.config == candidate_)) {
    policy::ConfigError e = back.ok() ? policy::ConfigError{{kCandidateFile, 0, 0}, ""}
                                      : back.errors.front();
    e.reason = "internal error: the candidate does not print to an equal configuration" +
               (e.reason.empty() ? std::string() : " (" + e.reason + ")");
    r.errors.push_back(std::move(e));
    return r;
  }
  policy::Loaded l = policy::load_config(candidate_, kCandidateFile, generation);
  r.errors = std::move(l.errors);
  r.warnings = std::move(l.warnings);
  r.compiled = std::move(l.compiled);
  return r;
}

bool ConfigSession::load(std::string_view text, bool replace, std::string_view filename,
                         std::vector<policy::ConfigError>* errs) {
  if (replace) {
    policy::ParseResult pr = policy::parse_config(text, filename);
    if (!pr.ok()) {
      for (auto& e : pr.errors) add(errs, std::move(e));
      return false;
    }
    candidate_ = std::move(pr.config);
    return true;
  }

  const std::string file(filename);
  if (text.size() > policy::kMaxConfigBytes) {
    add(errs, {{file, 0, 0},
               "configuration larger than " + std::to_string(policy::kMaxConfigBytes) + " bytes"});
    return false;
  }
  std::vector<policy::ParsedLine> lines;
  size_t nerr = 0;
  uint32_t lineno = 0;
  for (size_t pos = 0; pos <= text.size() && nerr < policy::kMaxErrors;) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++lineno;
    policy::ConfigError e;
    if (auto pl = policy::parse_line(line, {file, lineno, 0}, &e)) {
      lines.push_back(std::move(*pl));
    } else if (!e.reason.empty()) {
      add(errs, std::move(e));
      ++nerr;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (nerr) return false;

  policy::Config next = candidate_;
  policy::Config within;  // the text on its own: catches two values for one leaf in the file
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& l : lines) {
      if (is_profile(l.statement) != (pass == 0)) continue;
      if (nerr >= policy::kMaxErrors) break;
      policy::ConfigError e;
      if (l.op == policy::Op::Set) {
        if (!within.set(l.statement, true, &e)) {
          add(errs, std::move(e));
          ++nerr;
          continue;
        }
        next.set(l.statement, false, nullptr);
      } else {
        within.remove(l.statement, nullptr);
        if (!next.remove(l.statement, &e)) {
          add(errs, std::move(e));
          ++nerr;
        }
      }
    }
    // Deletes of profile statements below act on the merged profile.
    if (pass == 0 && next.profile() != candidate_.profile()) next = rebase_on_profile(next);
  }
  if (nerr) return false;
  candidate_ = std::move(next);
  return true;
}

bool ConfigSession::load_rollback(const std::string& text,
                                  std::vector<policy::ConfigError>* errs) {
  return load(text, true, "rollback", errs);
}

}  // namespace pw::mgmt
