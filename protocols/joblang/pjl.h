// PJL (HP Printer Job Language) command lines: the grammar of one line and its judgement.
// A line is `@PJL [command [modifier : value] [option [= value]]...]`, ended by LF, CR LF or CR;
// words are case-insensitive; white space is any run of SP, HT, VT or FF. Pure functions over a
// complete line (the inspector collects it, bounded): no allocation, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/reason.h"
#include "policy/inspector_config.h"

namespace pw::proto::joblang {

// The printer language a PJL line switches to (`ENTER LANGUAGE = X`), or None.
enum class Language : uint8_t {
  None,
  PostScript,  // tokenised (postscript.h)
  Pcl5,        // escape sequences parsed (pcl.h)
  Binary,      // PCL XL, PDF, raster formats: no commands to judge, scanned for the UEL only
};

struct PjlJudgement {
  static constexpr size_t kWord = 24;
  Reason reason = Reason::Forwarded;  // Forwarded: the line is allowed
  Language enter = Language::None;    // ENTER LANGUAGE: what follows the line
  // The command, or the variable for SET/DEFAULT, upper case, at most kWord bytes (the event's
  // detail).
  char word_bytes[kWord] = {};
  uint8_t word_len = 0;
  std::string_view word() const { return {word_bytes, word_len}; }
};

// `line` without its terminator, starting at the `@` of `@PJL` (any case). `rules` may be null:
// the built-in defaults then hold.
PjlJudgement judge_pjl_line(std::string_view line, const policy::JobLanguageRules* rules);

// Whether `name` (upper case) is a SET variable allowed by `rules` or, when null, by the built-in
// list of job-scope variables.
bool pjl_set_allowed(std::string_view name, const policy::JobLanguageRules* rules);

// The built-in list of job-scope variables drivers set (sorted), for `show` and the docs.
std::span<const std::string_view> default_pjl_set_variables();

}  // namespace pw::proto::joblang
