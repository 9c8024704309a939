#include "protocols/http/http_syntax.h"

namespace pw::proto::http {

bool is_tchar(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

std::optional<uint64_t> content_length(std::string_view v) {
  if (v.empty() || v.size() > 15) return std::nullopt;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

std::optional<bool> final_coding_is_chunked(std::string_view v) {
  std::string_view last;
  size_t i = 0;
  while (i <= v.size()) {
    const size_t comma = v.find(',', i);
    const std::string_view item =
        trim_ows(v.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i));
    if (!item.empty()) last = item;
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  if (last.empty()) return std::nullopt;
  for (char c : last)
    if (!is_tchar(static_cast<uint8_t>(c))) return std::nullopt;
  if (last.size() != 7) return false;
  constexpr std::string_view kChunked = "chunked";
  for (size_t k = 0; k < 7; ++k)
    if ((last[k] | 0x20) != kChunked[k]) return false;
  return true;
}

std::optional<uint64_t> chunk_size(std::string_view line) {
  uint64_t v = 0;
  size_t k = 0;
  for (; k < line.size(); ++k) {
    const char h = line[k];
    const int x = h >= '0' && h <= '9'   ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                         : -1;
    if (x < 0) break;
    if (k >= 15) return std::nullopt;
    v = v * 16 + static_cast<uint64_t>(x);
  }
  if (k == 0 || (k < line.size() && line[k] != ';' && line[k] != ' ' && line[k] != '\t'))
    return std::nullopt;
  return v;
}

}  // namespace pw::proto::http
