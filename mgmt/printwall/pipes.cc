#include "mgmt/printwall/pipes.h"

#include <sstream>

namespace pw::mgmt {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// The pieces of `line` between the '|' outside double quotes.
std::vector<std::string> pieces(std::string_view line) {
  std::vector<std::string> out;
  bool q = false;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && q && line[i] == '\\' && i + 1 < line.size()) {
      ++i;
    } else if (i < line.size() && line[i] == '"') {
      q = !q;
    } else if (i == line.size() || (line[i] == '|' && !q)) {
      out.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

// A pattern as typed: a double-quoted string loses its quotes (and \" \\ escapes).
std::string unquote(const std::string& p) {
  if (p.size() < 2 || p.front() != '"' || p.back() != '"') return p;
  std::string o;
  for (size_t i = 1; i + 1 < p.size(); ++i) {
    if (p[i] == '\\' && i + 2 < p.size() && (p[i + 1] == '"' || p[i + 1] == '\\')) ++i;
    o += p[i];
  }
  return o;
}

constexpr const char* kKnown = "match, except, count, display json, display set";

}  // namespace

bool OutputPipes::keep(std::string_view line) const {
  for (const auto& f : filters)
    if (std::regex_search(line.begin(), line.end(), f.re) != f.keep_matches) return false;
  return true;
}

std::string OutputPipes::apply(const std::string& text) const {
  std::istringstream in(text);
  std::string line, out;
  size_t n = 0;
  while (std::getline(in, line)) {
    if (!keep(line)) continue;
    ++n;
    if (!count) out += line + "\n";
  }
  return count ? "Count: " + std::to_string(n) + " lines\n" : out;
}

bool split_pipes(std::string_view command, std::string* base, OutputPipes* pipes, std::string* err) {
  std::vector<std::string> p = pieces(command);
  *base = p.front();
  *pipes = {};
  size_t i = 1;
  // `show | compare [rollback N]` is a command.
  if (i < p.size() && (p[i] == "compare" || p[i].rfind("compare ", 0) == 0)) *base += " | " + p[i++];
  for (; i < p.size(); ++i) {
    const std::string& x = p[i];
    const size_t sp = x.find_first_of(" \t");
    const std::string verb = x.substr(0, sp);
    const std::string rest = sp == std::string::npos ? "" : trim(x.substr(sp));
    if (verb == "match" || verb == "except") {
      if (rest.empty()) {
        *err = "'| " + verb + "' needs a pattern";
        return false;
      }
      OutputPipes::Filter f;
      f.keep_matches = verb == "match";
      f.pattern = unquote(rest);
      try {
        f.re = std::regex(f.pattern, std::regex::extended | std::regex::nosubs);
      } catch (const std::regex_error& e) {
        *err = "'| " + verb + " " + rest + "': not a regular expression (" + e.what() + ")";
        return false;
      }
      pipes->filters.push_back(std::move(f));
    } else if (verb == "count" && rest.empty()) {
      pipes->count = true;
    } else if (verb == "display" && rest == "json") {
      pipes->display_json = true;
    } else if (verb == "display" && rest == "set") {
      pipes->display_set = true;
    } else {
      *err = x.empty() ? "'|' with nothing after it (" + std::string(kKnown) + ")"
                       : "unknown pipe '| " + x + "' (" + kKnown + ")";
      return false;
    }
  }
  return true;
}

}  // namespace pw::mgmt
