#include "policy/config_lexer.h"

#include <gtest/gtest.h>

namespace pw::policy {
namespace {

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> t;
  LexError e;
  EXPECT_TRUE(lex_line(s, t, e)) << e.reason;
  return t;
}

LexError lex_fail(std::string_view s) {
  std::vector<Token> t;
  LexError e{};
  EXPECT_FALSE(lex_line(s, t, e)) << s;
  return e;
}

TEST(Lexer, WordsAndColumns) {
  auto t = lex("  set printer-network\t198.18.20.0/24  ");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].text, "set");
  EXPECT_EQ(t[0].column, 3u);
  EXPECT_EQ(t[1].column, 7u);
  EXPECT_EQ(t[2].text, "198.18.20.0/24");
  EXPECT_EQ(t[2].column, 23u);
}

TEST(Lexer, CommentsAndBlankLines) {
  EXPECT_TRUE(lex("").empty());
  EXPECT_TRUE(lex("   # only a comment").empty());
  auto t = lex("set profile enterprise# trailing");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[2].text, "enterprise");
}

TEST(Lexer, QuotedStrings) {
  auto t = lex(R"(set x "two words # not a comment" "a\"b\\c" "")");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[2].text, "two words # not a comment");
  EXPECT_TRUE(t[2].quoted);
  EXPECT_EQ(t[3].text, "a\"b\\c");
  EXPECT_EQ(t[4].text, "");
  EXPECT_TRUE(t[4].quoted);
}

TEST(Lexer, Errors) {
  EXPECT_EQ(lex_fail(R"(set a "open)").column, 7u);
  EXPECT_NE(lex_fail(R"(set a "open)").reason.find("unterminated"), std::string::npos);
  EXPECT_NE(lex_fail(R"(set a "bad\n")").reason.find("escape"), std::string::npos);
  EXPECT_NE(lex_fail(R"(set a"b")").reason.find("quote inside"), std::string::npos);
  EXPECT_NE(lex_fail(R"(set "a"b)").reason.find("missing space"), std::string::npos);
  EXPECT_EQ(lex_fail(std::string("set a\x01")).column, 6u);
  EXPECT_NE(lex_fail(std::string("set \"a\x7f\"")).reason.find("control"), std::string::npos);
  EXPECT_NE(lex_fail(std::string(kMaxLineLength + 1, 'a')).reason.find("longer"),
            std::string::npos);
}

TEST(Lexer, QuoteIfNeededRoundTrips) {
  for (std::string w : {"plain", "two words", "", "a\"b", "back\\slash", "#hash"}) {
    std::vector<Token> t;
    LexError e;
    std::string q = quote_if_needed(w);
    ASSERT_TRUE(lex_line("set " + q, t, e)) << q;
    ASSERT_EQ(t.size(), 2u) << q;
    EXPECT_EQ(t[1].text, w);
  }
  EXPECT_EQ(quote_if_needed("plain"), "plain");
}

}  // namespace
}  // namespace pw::policy
