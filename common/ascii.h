// ASCII case-insensitive comparisons for protocol keywords (verbs, header names, SASL
// mechanisms): no locale, no allocation, bytes >= 0x80 compared as they are.
#pragma once

#include <cstddef>
#include <string_view>

namespace pw {

constexpr char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

// `a` equals `b` ignoring ASCII case.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  return true;
}

// `needle` occurs in `hay` ignoring ASCII case.
constexpr bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

}  // namespace pw
