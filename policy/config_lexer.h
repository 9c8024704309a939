// Splits one configuration line into words: whitespace-separated, `#` starts a comment outside
// quotes, "double quoted" words may hold spaces and the escapes \" and \\.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pw::policy {

struct Token {
  std::string text;  // unquoted, unescaped
  uint32_t column;   // 1-based byte column of the token's first character
  bool quoted;
};

struct LexError {
  uint32_t column;
  std::string reason;
};

inline constexpr size_t kMaxLineLength = 4096;

// Returns false and fills `err` on an unterminated quote, a bad escape, a control character or
// an over-long line. An empty or comment-only line yields no tokens.
bool lex_line(std::string_view line, std::vector<Token>& out, LexError& err);

// Quotes a word for printing when it would not lex back to itself as a bare word.
std::string quote_if_needed(std::string_view word);

}  // namespace pw::policy
