#include "dataplane/eal_lcores.h"

#include <set>
#include <string_view>

namespace pw::dp {

namespace {

constexpr unsigned kMaxLcore = 1024;  // RTE_MAX_LCORE is far below

std::optional<unsigned> number(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v < kMaxLcore ? std::optional<unsigned>(v) : std::nullopt;
}

// "N" or "N-M" into `ids`.
bool add_range(std::string_view s, std::set<unsigned>& ids) {
  const size_t dash = s.find('-');
  auto lo = number(s.substr(0, dash));
  auto hi = dash == std::string_view::npos ? lo : number(s.substr(dash + 1));
  if (!lo || !hi || *hi < *lo) return false;
  for (unsigned i = *lo; i <= *hi; ++i) ids.insert(i);
  return true;
}

// -l: "0-3,5".
std::optional<unsigned> list_count(std::string_view s) {
  std::set<unsigned> ids;
  size_t p = 0;
  while (p <= s.size()) {
    size_t q = s.find(',', p);
    if (q == std::string_view::npos) q = s.size();
    if (!add_range(s.substr(p, q - p), ids)) return std::nullopt;
    p = q + 1;
  }
  return static_cast<unsigned>(ids.size());
}

// --lcores: elements "LCORES[@CPUS]" separated by commas outside parentheses, LCORES a number,
// a range or a parenthesised list of them ("(0-2)@(0,1)", "1@2,3@4", "0-3").
std::optional<unsigned> lcores_count(std::string_view s) {
  std::set<unsigned> ids;
  size_t p = 0;
  while (p < s.size()) {
    std::string_view lcores;
    if (s[p] == '(') {
      const size_t close = s.find(')', p);
      if (close == std::string_view::npos) return std::nullopt;
      lcores = s.substr(p + 1, close - p - 1);
      p = close + 1;
    } else {
      size_t e = s.find_first_of("@,", p);
      if (e == std::string_view::npos) e = s.size();
      lcores = s.substr(p, e - p);
      p = e;
    }
    if (!list_count(lcores)) return std::nullopt;
    size_t q = 0;
    while (q <= lcores.size()) {
      size_t c = lcores.find(',', q);
      if (c == std::string_view::npos) c = lcores.size();
      add_range(lcores.substr(q, c - q), ids);
      q = c + 1;
    }
    if (p < s.size() && s[p] == '@') {  // the CPUs: skip them
      ++p;
      if (p < s.size() && s[p] == '(') {
        const size_t close = s.find(')', p);
        if (close == std::string_view::npos) return std::nullopt;
        p = close + 1;
      } else {
        while (p < s.size() && s[p] != ',') ++p;
      }
    }
    if (p < s.size()) {
      if (s[p] != ',') return std::nullopt;
      ++p;
      if (p == s.size()) return std::nullopt;
    }
  }
  if (ids.empty()) return std::nullopt;
  return static_cast<unsigned>(ids.size());
}

// -c: a hexadecimal mask.
std::optional<unsigned> mask_count(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() > kMaxLcore / 4) return std::nullopt;
  unsigned n = 0;
  for (char c : s) {
    unsigned v;
    if (c >= '0' && c <= '9') v = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') v = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v = static_cast<unsigned>(c - 'A' + 10);
    else return std::nullopt;
    n += static_cast<unsigned>(__builtin_popcount(v));
  }
  return n ? std::optional<unsigned>(n) : std::nullopt;
}

}  // namespace

std::optional<unsigned> eal_lcore_count(const std::vector<std::string>& args,
                                        unsigned online_cpus) {
  std::optional<unsigned> count = online_cpus;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view opt) -> std::optional<std::string_view> {
      if (a == opt) {
        if (i + 1 >= args.size()) return std::nullopt;
        return std::string_view(args[++i]);
      }
      if (opt.size() > 2 && a.size() > opt.size() && a.substr(0, opt.size()) == opt && a[opt.size()] == '=')
        return a.substr(opt.size() + 1);
      if (opt.size() == 2 && a.size() > 2 && a.substr(0, 2) == opt) return a.substr(2);
      return std::string_view();  // not this option
    };
    if (a == "--") break;
    if (a.rfind("-l", 0) == 0 && a.rfind("--", 0) != 0) {
      auto v = value("-l");
      if (!v) return std::nullopt;
      count = list_count(*v);
    } else if (a == "--lcores" || a.rfind("--lcores=", 0) == 0) {
      auto v = value("--lcores");
      if (!v) return std::nullopt;
      count = lcores_count(*v);
    } else if (a.rfind("-c", 0) == 0 && a.rfind("--", 0) != 0) {
      auto v = value("-c");
      if (!v) return std::nullopt;
      count = mask_count(*v);
    }
    if (!count) return std::nullopt;
  }
  return count;
}

std::vector<std::string> split_eal_options(const std::string& opts) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p < opts.size()) {
    size_t q = opts.find(' ', p);
    if (q == std::string::npos) q = opts.size();
    if (q > p) out.push_back(opts.substr(p, q - p));
    p = q + 1;
  }
  return out;
}

}  // namespace pw::dp
