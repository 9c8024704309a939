// Output pipes after a command, as Junos users type them: `| match RE`, `| except RE`,
// `| count`, `| display json`, `| display set`, in any number and order (filters apply left to
// right, count last). `show | compare [rollback N]` is a command of configuration mode, not a
// pipe. Patterns are POSIX extended regular expressions, case-sensitive; quote one that holds
// spaces or '|'.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace pw::mgmt {

struct OutputPipes {
  struct Filter {
    bool keep_matches = true;  // match; false: except
    std::string pattern;
    std::regex re;
  };
  std::vector<Filter> filters;
  bool count = false;         // `| count`: the number of lines instead of the lines
  bool display_json = false;  // `| display json`: the reply as JSON
  bool display_set = false;   // `| display set`: the configuration as set-commands

  bool empty() const { return filters.empty() && !count && !display_json && !display_set; }
  // Whether one output line passes the filters.
  bool keep(std::string_view line) const;
  // The lines of `text` that pass, or with `count` the line "Count: N lines".
  std::string apply(const std::string& text) const;
};

// Splits `command` at the '|' outside double quotes into the command and its pipes. False with
// `err` naming the problem (an unknown pipe, a missing pattern, a bad regular expression).
bool split_pipes(std::string_view command, std::string* base, OutputPipes* pipes, std::string* err);

}  // namespace pw::mgmt
