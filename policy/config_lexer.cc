#include "policy/config_lexer.h"

namespace pw::policy {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t' && c != '\r') || u == 0x7f;
}
}  // namespace

bool lex_line(std::string_view line, std::vector<Token>& out, LexError& err) {
  out.clear();
  if (line.size() > kMaxLineLength) {
    err = {static_cast<uint32_t>(kMaxLineLength + 1),
           "line longer than " + std::to_string(kMaxLineLength) + " bytes"};
    return false;
  }
  size_t i = 0;
  const size_t n = line.size();
  auto col = [](size_t pos) { return static_cast<uint32_t>(pos + 1); };
  while (i < n) {
    char c = line[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '#') break;
    if (is_control(c)) {
      err = {col(i), "control character 0x" + std::to_string(static_cast<unsigned char>(c)) +
                         " in configuration"};
      return false;
    }
    Token t{{}, col(i), false};
    if (c == '"') {
      t.quoted = true;
      size_t j = i + 1;
      bool closed = false;
      while (j < n) {
        char d = line[j];
        if (d == '"') {
          closed = true;
          ++j;
          break;
        }
        if (d == '\\') {
          if (j + 1 >= n || (line[j + 1] != '"' && line[j + 1] != '\\')) {
            err = {col(j), "bad escape in quoted string: only \\\" and \\\\ are allowed"};
            return false;
          }
          t.text += line[j + 1];
          j += 2;
          continue;
        }
        if (is_control(d) || d == '\t' || d == '\r') {
          err = {col(j), "control character in quoted string"};
          return false;
        }
        t.text += d;
        ++j;
      }
      if (!closed) {
        err = {col(i), "unterminated quoted string"};
        return false;
      }
      if (j < n && !is_space(line[j]) && line[j] != '#') {
        err = {col(j), "missing space after quoted string"};
        return false;
      }
      i = j;
    } else {
      size_t j = i;
      while (j < n && !is_space(line[j]) && line[j] != '#') {
        if (line[j] == '"') {
          err = {col(j), "quote inside a word: quote the whole word"};
          return false;
        }
        if (is_control(line[j])) {
          err = {col(j), "control character in configuration"};
          return false;
        }
        ++j;
      }
      t.text.assign(line.substr(i, j - i));
      i = j;
    }
    out.push_back(std::move(t));
  }
  return true;
}

std::string quote_if_needed(std::string_view w) {
  bool need = w.empty();
  for (char c : w)
    if (is_space(c) || c == '#' || c == '"' || c == '\\') need = true;
  if (!need) return std::string(w);
  std::string q = "\"";
  for (char c : w) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

}  // namespace pw::policy
