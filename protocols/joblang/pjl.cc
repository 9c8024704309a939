#include "protocols/joblang/pjl.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace pw::proto::joblang {
namespace {

using policy::JobLanguageRules;

// What a PJL command is (PJL Technical Reference, chapter 2 and the command index; plus the
// undocumented commands public printer-attack tools send).
enum class Kind : uint8_t {
  Allowed,     // job scope, no effect beyond the job: JOB, EOJ, COMMENT, ECHO, ...
  Set,         // SET: the variable decides
  Job,         // JOB/EOJ: allowed without a PASSWORD option
  Enter,       // ENTER LANGUAGE = X
  Default,     // DEFAULT: a persistent (NVRAM) change of any variable
  FileSystem,  // FS*: the printer's file system
  Persistent,  // INITIALIZE, NVRAM access
  Credential,  // SUPERUSER and the like
  Display,     // RDYMSG, OPMSG, STMSG: the control panel
  Device,      // DMCMD, DMINFO, EXECUTE: device management and execution
};

struct Command {
  std::string_view name;
  Kind kind;
};

// Sorted by name.
constexpr Command kCommands[] = {
    {"COMMENT", Kind::Allowed},     {"DEFAULT", Kind::Default},     {"DINQUIRE", Kind::Allowed},
    {"DMCMD", Kind::Device},        {"DMINFO", Kind::Device},       {"ECHO", Kind::Allowed},
    {"ENTER", Kind::Enter},         {"EOJ", Kind::Job},             {"EXECUTE", Kind::Device},
    {"FSAPPEND", Kind::FileSystem}, {"FSDELETE", Kind::FileSystem}, {"FSDIRLIST", Kind::FileSystem},
    {"FSDOWNLOAD", Kind::FileSystem}, {"FSINIT", Kind::FileSystem}, {"FSMKDIR", Kind::FileSystem},
    {"FSQUERY", Kind::FileSystem},  {"FSUPLOAD", Kind::FileSystem}, {"INFO", Kind::Allowed},
    {"INITIALIZE", Kind::Persistent}, {"INQUIRE", Kind::Allowed},   {"JOB", Kind::Job},
    {"NVRAMINIT", Kind::Persistent}, {"OPMSG", Kind::Display},      {"RDYMSG", Kind::Display},
    {"RESET", Kind::Allowed},       {"RNVRAM", Kind::Persistent},   {"SET", Kind::Set},
    {"STMSG", Kind::Display},       {"SUPERUSER", Kind::Credential}, {"SUPERUSEROFF", Kind::Credential},
    {"USTATUS", Kind::Allowed},     {"USTATUSOFF", Kind::Allowed},  {"WNVRAM", Kind::Persistent},
};

// Job-scope variables the drivers of HP (PCL 6 and PS universal drivers), Canon, Ricoh, Kyocera
// and Xerox, and ghostscript's and CUPS's PJL writers, set in a job header: media, finishing,
// quality, accounting and job hold (stored/secure print). Sorted.
using policy::job_language::kPjlSetVariables;

// Variables whose SET (or DEFAULT) is a credential operation or locks the device: named in the
// event as such. Sorted.
constexpr std::string_view kCredentialVariables[] = {
    "CPLOCK", "DISKLOCK", "JOBPASSWORD", "PASSWORD", "SERVICEMODE",
};

// Languages after ENTER LANGUAGE: how their sections are inspected. Sorted.
struct Lang {
  std::string_view name;
  Language lang;
};
constexpr Lang kLanguages[] = {
    {"ESCPR", Language::Binary},    {"HBP", Language::Binary},       {"JPEG", Language::Binary},
    {"PCL", Language::Pcl5},        {"PCL3GUI", Language::Binary},   {"PCL5", Language::Pcl5},
    {"PCL5C", Language::Pcl5},      {"PCL5E", Language::Pcl5},       {"PCLXL", Language::Binary},
    {"PDF", Language::Binary},      {"POSTSCRIPT", Language::PostScript}, {"PWGRASTER", Language::Binary},
    {"URF", Language::Binary},      {"XL", Language::Binary},        {"XPS", Language::Binary},
};

template <typename T, size_t N>
constexpr bool sorted_by_name(const T (&a)[N]) {
  for (size_t i = 1; i < N; ++i)
    if (!(a[i - 1].name < a[i].name)) return false;
  return true;
}
static_assert(sorted_by_name(kCommands) && sorted_by_name(kLanguages));
static_assert(std::is_sorted(std::begin(kPjlSetVariables), std::end(kPjlSetVariables)));
static_assert(std::is_sorted(std::begin(kCredentialVariables), std::end(kCredentialVariables)));

template <typename T, size_t N>
const T* find(const T (&a)[N], std::string_view name) {
  auto it = std::lower_bound(std::begin(a), std::end(a), name,
                             [](const T& e, std::string_view n) { return e.name < n; });
  return it != std::end(a) && it->name == name ? it : nullptr;
}
bool in(std::span<const std::string_view> list, std::string_view name) {
  return std::binary_search(list.begin(), list.end(), name);
}

// The words of a line, upper-cased into a small buffer: words, `=`, `:` and quoted strings.
// Only the first words matter for a verdict; the upper-cased copies are bounded.
bool space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

struct Token {
  enum class Type : uint8_t { End, Word, Equals, Colon, String } type = Type::End;
  std::string_view text;  // a word, upper case (in the lexer's buffer); a string's content
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  // The next token; `*bad` set when a string has no closing quote.
  Token next(bool* bad) {
    while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
    if (pos_ >= s_.size()) return {};
    const char c = s_[pos_];
    if (c == '=') return ++pos_, Token{Token::Type::Equals, {}};
    if (c == ':') return ++pos_, Token{Token::Type::Colon, {}};
    if (c == '"') {
      const size_t close = s_.find('"', pos_ + 1);
      if (close == std::string_view::npos) {
        *bad = true;
        return {};
      }
      Token t{Token::Type::String, s_.substr(pos_ + 1, close - pos_ - 1)};
      pos_ = close + 1;
      return t;
    }
    const size_t start = pos_;
    while (pos_ < s_.size() && !space(s_[pos_]) && s_[pos_] != '=' && s_[pos_] != ':' && s_[pos_] != '"')
      ++pos_;
    // Upper-cased copy, bounded: longer words are no name we know, and stay unknown.
    const size_t n = std::min(pos_ - start, kWord);
    char* w = words_[used_ % kWords].data();
    ++used_;
    for (size_t i = 0; i < n; ++i) w[i] = upper(s_[start + i]);
    const size_t len = pos_ - start > kWord ? kWord : n;  // a truncated word never equals a name
    if (pos_ - start > kWord) w[kWord - 1] = '\x01';
    return {Token::Type::Word, std::string_view(w, len)};
  }

 private:
  static constexpr size_t kWord = 24, kWords = 4;
  std::string_view s_;
  size_t pos_ = 0;
  std::array<std::array<char, kWord>, kWords> words_{};
  size_t used_ = 0;
};

PjlJudgement judged(Reason r, Language enter, std::string_view word) {
  PjlJudgement j;
  j.reason = r;
  j.enter = enter;
  j.word_len = static_cast<uint8_t>(std::min(word.size(), PjlJudgement::kWord));
  std::copy_n(word.begin(), j.word_len, j.word_bytes);
  return j;
}
PjlJudgement deny(Reason r, std::string_view word) { return judged(r, Language::None, word); }
PjlJudgement allow(std::string_view word) { return judged(Reason::Forwarded, Language::None, word); }

// SET/DEFAULT/INQUIRE/DINQUIRE: `[LPARM|IPARM : value] variable [= value]`. The variable, or an
// empty view when the line does not follow the grammar.
std::string_view variable(Lexer& lx, bool* bad) {
  Token t = lx.next(bad);
  if (t.type != Token::Type::Word) return {};
  if (t.text == "LPARM" || t.text == "IPARM") {
    if (lx.next(bad).type != Token::Type::Colon) return {};
    if (lx.next(bad).type != Token::Type::Word) return {};
    t = lx.next(bad);
    if (t.type != Token::Type::Word) return {};
  }
  return t.text;
}

bool command_allowed_by_rules(std::string_view cmd, const JobLanguageRules* r) {
  return r && JobLanguageRules::has(r->pjl_allow, cmd);
}
bool command_denied_by_rules(std::string_view cmd, const JobLanguageRules* r) {
  return r && JobLanguageRules::has(r->pjl_deny, cmd);
}

}  // namespace

std::span<const std::string_view> default_pjl_set_variables() { return kPjlSetVariables; }

bool pjl_set_allowed(std::string_view name, const JobLanguageRules* rules) {
  if (rules && JobLanguageRules::has(rules->pjl_deny_set, name)) return false;
  if (rules && JobLanguageRules::has(rules->pjl_allow_set, name)) return true;
  return in(kPjlSetVariables, name);
}

PjlJudgement judge_pjl_line(std::string_view line, const JobLanguageRules* rules) {
  // "@PJL" then white space or the end; "@PJLX" is no PJL line a printer runs as we would read it.
  if (line.size() < 4 || upper(line[1]) != 'P' || upper(line[2]) != 'J' || upper(line[3]) != 'L')
    return deny(Reason::JoblangUnknownCommand, "@PJL");
  if (line.size() > 4 && !space(line[4])) return deny(Reason::JoblangUnknownCommand, "@PJL");
  Lexer lx(line.substr(4));
  bool bad = false;
  const Token cmd = lx.next(&bad);
  if (bad) return deny(Reason::MalformedJoblang, "@PJL");
  if (cmd.type == Token::Type::End) return {};  // "@PJL" alone: allowed, does nothing
  if (cmd.type != Token::Type::Word) return deny(Reason::MalformedJoblang, "@PJL");
  const std::string_view name = cmd.text;
  // COMMENT and ECHO carry free text: nothing after them is read.
  if ((name == "COMMENT" || name == "ECHO") && !command_denied_by_rules(name, rules)) return allow(name);
  const Command* c = find(kCommands, name);
  if (command_denied_by_rules(name, rules)) return deny(Reason::JoblangCommandDenied, name);
  const bool allowed_by_admin = command_allowed_by_rules(name, rules);
  if (!c) return allowed_by_admin ? allow(name) : deny(Reason::JoblangUnknownCommand, name);
  switch (c->kind) {
    case Kind::Allowed:
      break;
    case Kind::Job: {  // JOB [NAME = "x"] [START = n] [END = n] [PASSWORD = n] [DISPLAY = "x"]
      for (Token t = lx.next(&bad); t.type != Token::Type::End; t = lx.next(&bad))
        if (t.type == Token::Type::Word && t.text == "PASSWORD")
          return deny(Reason::JoblangCredential, "JOB PASSWORD");
      if (bad) return deny(Reason::MalformedJoblang, name);
      break;
    }
    case Kind::Enter: {  // ENTER LANGUAGE = name
      const Token l = lx.next(&bad);
      const Token eq = lx.next(&bad);
      const Token v = lx.next(&bad);
      if (bad || l.type != Token::Type::Word || l.text != "LANGUAGE" || eq.type != Token::Type::Equals ||
          v.type != Token::Type::Word || lx.next(&bad).type != Token::Type::End)
        return deny(Reason::MalformedJoblang, name);
      const Lang* lang = find(kLanguages, v.text);
      if (!lang) return deny(Reason::JoblangUnknownLanguage, v.text);
      return judged(Reason::Forwarded, lang->lang, name);
    }
    case Kind::Set: {
      const std::string_view var = variable(lx, &bad);
      if (bad || var.empty() || lx.next(&bad).type != Token::Type::Equals)
        return deny(Reason::MalformedJoblang, name);
      if (in(kCredentialVariables, var) && !(rules && JobLanguageRules::has(rules->pjl_allow_set, var)))
        return deny(Reason::JoblangCredential, var);
      if (!pjl_set_allowed(var, rules)) return deny(Reason::JoblangSetDenied, var);
      return allow(var);
    }
    case Kind::Default: {
      if (allowed_by_admin) break;
      const std::string_view var = variable(lx, &bad);
      if (in(kCredentialVariables, var)) return deny(Reason::JoblangCredential, var);
      return deny(Reason::JoblangPersistentChange, var.empty() ? name : var);
    }
    case Kind::FileSystem:
      if (!allowed_by_admin) return deny(Reason::JoblangFileAccess, name);
      break;
    case Kind::Persistent:
      if (!allowed_by_admin) return deny(Reason::JoblangPersistentChange, name);
      break;
    case Kind::Credential:
      if (!allowed_by_admin) return deny(Reason::JoblangCredential, name);
      break;
    case Kind::Display:
      if (!allowed_by_admin) return deny(Reason::JoblangDisplay, name);
      break;
    case Kind::Device:
      if (!allowed_by_admin) return deny(Reason::JoblangDeviceCommand, name);
      break;
  }
  return allow(name);
}

}  // namespace pw::proto::joblang
