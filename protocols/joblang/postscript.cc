#include "protocols/joblang/postscript.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

namespace pw::proto::joblang {
namespace {

using policy::JobLanguageRules;
using Mode = PsScanner::Mode;
using Prev = PsScanner::Prev;
using NameKind = PsScanner::NameKind;

// Where a name is judged.
enum : uint8_t {
  kExec = 1,     // as an executable or immediately evaluated name
  kLiteral = 2,  // as a literal name (/name: the operator fetched with load/get, or a key)
  kWord = 4,     // anywhere, as a word: strings, comments, data; no benign job spells it
  kAfterClose = 8,   // anywhere, as a word right after a string's ')' or '>': `(x) (r) file`
  kAfterString = 16,  // as an executable name whose operand is a string: `(path) status`
  kWeak = 32,    // inside a string that is then converted (cvx, cvn): `(file) cvn load exec`
};

struct Op {
  std::string_view name;
  uint8_t where;
  Reason reason;
};

constexpr uint8_t kStrong = kExec | kLiteral | kWord;

// Sorted by name (byte order: upper case first).
constexpr Op kOps[] = {
    {"BeginPage", kLiteral, Reason::JoblangJobCapture},
    {"CollateDetails", kLiteral, Reason::JoblangJobCapture},  // job retention (stored jobs)
    {"EndPage", kLiteral, Reason::JoblangJobCapture},
    {"Password", kLiteral, Reason::JoblangCredential},
    {"StartJobPassword", kLiteral | kWord, Reason::JoblangCredential},
    {"SystemParamsPassword", kLiteral | kWord, Reason::JoblangCredential},
    {"checkpassword", kStrong, Reason::JoblangCredential},
    {"deletefile", kStrong, Reason::JoblangFileAccess},
    {"devdismount", kStrong, Reason::JoblangFileAccess},
    {"devforall", kStrong, Reason::JoblangFileAccess},
    {"devformat", kStrong, Reason::JoblangFileAccess},
    {"devmount", kStrong, Reason::JoblangFileAccess},
    {"devstatus", kStrong, Reason::JoblangFileAccess},
    {"exitserver", kStrong, Reason::JoblangInterpreterEscape},
    {"file", kExec | kLiteral | kAfterClose | kWeak, Reason::JoblangFileAccess},
    {"filenameforall", kStrong, Reason::JoblangFileAccess},
    {"internaldict", kStrong, Reason::JoblangInterpreterEscape},
    {"renamefile", kStrong, Reason::JoblangFileAccess},
    {"run", kExec | kAfterClose | kWeak, Reason::JoblangFileAccess},
    {"serverdict", kStrong, Reason::JoblangInterpreterEscape},
    {"setdevparams", kStrong, Reason::JoblangPersistentChange},
    {"setsystemparams", kStrong, Reason::JoblangPersistentChange},
    {"setuserparams", kStrong, Reason::JoblangPersistentChange},
    {"startjob", kStrong, Reason::JoblangInterpreterEscape},
    {"status", kAfterString | kAfterClose | kWeak, Reason::JoblangFileAccess},
    {"superexec", kStrong, Reason::JoblangInterpreterEscape},
};
// Page operators whose redefinition captures other users' pages (a literal key followed by
// def, put or store within the next tokens).
constexpr std::string_view kPageOps[] = {"copypage", "erasepage", "showpage"};

constexpr bool sorted() {
  for (size_t i = 1; i < std::size(kOps); ++i)
    if (!(kOps[i - 1].name < kOps[i].name)) return false;
  return true;
}
static_assert(sorted());

// Character classes (PLRM 3.2.2), one table lookup per byte.
enum : uint8_t { kRegular = 0, kWhite = 1, kDelimiter = 2 };
constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (uint8_t c : {0, 9, 10, 12, 13, 32}) t[c] = kWhite;
  for (char c : std::string_view("()<>[]{}/%")) t[static_cast<uint8_t>(c)] = kDelimiter;
  return t;
}();
bool white(uint8_t c) { return kClass[c] == kWhite; }
bool regular(uint8_t c) { return kClass[c] == kRegular; }

// A quick "no operator of the list" before the search: names are 3..20 bytes; a bit per length
// for each first byte.
constexpr size_t kShortestOp = 3, kLongestOp = 20;
constexpr std::array<uint32_t, 256> kOpLengths = [] {
  std::array<uint32_t, 256> t{};
  for (const Op& o : kOps) t[static_cast<uint8_t>(o.name[0])] |= uint32_t{1} << o.name.size();
  return t;
}();
const Op* find_op(std::string_view n) {
  if (n.size() < kShortestOp || n.size() > kLongestOp ||
      !(kOpLengths[static_cast<uint8_t>(n[0])] >> n.size() & 1))
    return nullptr;
  auto it = std::lower_bound(std::begin(kOps), std::end(kOps), n,
                             [](const Op& o, std::string_view x) { return o.name < x; });
  return it != std::end(kOps) && it->name == n ? it : nullptr;
}
static_assert([] {
  for (const Op& o : kOps)
    if (o.name.size() < kShortestOp || o.name.size() > kLongestOp) return false;
  return true;
}());

int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr PsJudgement kGo{};

// tolerant(): printers' jobs carry data in the program text, read by the program itself
// (`currentfile ... filter`, `readstring`, image data sources, the PDF page streams of
// ghostscript's ps2write prolog): ASCII85 and binary bytes with stray ')', '}', '>', '~', bytes
// 128-159. The interpreter never tokenises them, so neither syntax errors nor binary tokens are
// denied: the tokenizer resynchronises and reads on, and the word scan (which needs no
// syntax) keeps seeing the strong names. A real syntax error in code only ends the job there.

// The exit bit of the procedure open at the current depth (beyond 64 levels: never set, so a
// loop there counts as endless).
bool has_exit(const PsScanner& s) {
  return s.proc_depth > 0 && s.proc_depth <= PsScanner::kMaxDepth && (s.proc_exit >> (s.proc_depth - 1) & 1);
}
void set_exit(PsScanner& s, bool on) {
  if (s.proc_depth == 0 || s.proc_depth > PsScanner::kMaxDepth) return;
  const uint64_t bit = uint64_t{1} << (s.proc_depth - 1);
  s.proc_exit = on ? (s.proc_exit | bit) : (s.proc_exit & ~bit);
}


bool allowed_by_admin(std::string_view n, const JobLanguageRules* r) {
  return r && JobLanguageRules::has(r->ps_allow, n);
}

PsJudgement judged(const Op& op, const JobLanguageRules* r) {
  if (allowed_by_admin(op.name, r)) return kGo;
  return {op.reason, op.name};
}

// --- the context-free word scan ---

// A word of regular characters ended. `in_string`: it came from a string's content.
PsJudgement word_end(PsScanner& s, const JobLanguageRules* r, bool* weak) {
  if (s.word_len == 0) return kGo;
  const std::string_view w(s.word, s.word_len);
  const bool after_close = s.word_after_close;
  s.word_len = 0;
  s.word_after_close = false;
  if (s.word_long) {
    s.word_long = false;
    return kGo;
  }
  const Op* op = find_op(w);
  if (!op) return kGo;
  if (op->where & kWord) return judged(*op, r);
  if ((op->where & kAfterClose) && after_close) return judged(*op, r);
  if ((op->where & kWeak) && weak && !allowed_by_admin(op->name, r)) *weak = true;
  return kGo;
}

// One byte (decoded, for string contents) through the word scan.
PsJudgement word_byte(PsScanner& s, uint8_t c, const JobLanguageRules* r, bool* weak) {
  if (regular(c)) {
    if (s.word_len == 0) s.word_after_close = s.last_close;
    s.last_close = false;
    if (s.word_len < PsScanner::kName)
      s.word[s.word_len++] = static_cast<char>(c);
    else
      s.word_long = true;
    return kGo;
  }
  PsJudgement j = word_end(s, r, weak);
  if (c == ')' || c == '>')
    s.last_close = true;
  else if (!white(c))
    s.last_close = false;
  return j;
}

// --- the tokenizer ---

// A token other than a name completed at the current depth (for the redefinition window).
void token_done(PsScanner& s) {
  if (s.redefine_window && s.proc_depth == s.redefine_depth) --s.redefine_window;
}

PsJudgement name_token(PsScanner& s, const JobLanguageRules* r) {
  const std::string_view n(s.name, s.name_len);
  const bool too_long = s.name_long;
  const Prev prev = s.prev;
  const bool weak_string = s.operand_weak;
  s.operand_weak = false;
  s.name_len = 0;
  s.name_long = false;
  s.prev = Prev::Other;
  const uint8_t window = s.redefine_window;
  token_done(s);
  if (too_long) return kGo;
  if (s.kind == NameKind::Literal) {
    if (const Op* op = find_op(n); op && (op->where & kLiteral)) return judged(*op, r);
    for (size_t i = 0; i < std::size(kPageOps); ++i)
      if (n == kPageOps[i] && !allowed_by_admin(n, r)) {
        s.redefine_window = 3;
        s.redefined = static_cast<uint8_t>(i + 1);
        s.redefine_depth = s.proc_depth;
      }
    return kGo;
  }
  // Executable or immediately evaluated.
  if (r && JobLanguageRules::has(r->ps_deny, n)) return {Reason::JoblangCommandDenied, n};
  if (n == "exit" || n == "stop") {
    set_exit(s, true);
    return kGo;
  }
  if (n == "loop") {
    if (prev != Prev::ProcWithExit && !allowed_by_admin(n, r))
      return {Reason::JoblangDenialOfService, "loop"};
    return kGo;
  }
  if ((n == "cvx" || n == "cvn" || n == "token") && weak_string)
    return {Reason::JoblangFileAccess, "cvx"};
  if ((n == "def" || n == "put" || n == "store") && window && s.redefined)
    return {Reason::JoblangJobCapture, kPageOps[s.redefined - 1]};
  if (const Op* op = find_op(n)) {
    if (op->where & kExec) return judged(*op, r);
    if ((op->where & kAfterString) && prev == Prev::String) return judged(*op, r);
  }
  return kGo;
}

PsJudgement end_name_if_any(PsScanner& s, const JobLanguageRules* r) {
  if (s.mode != Mode::Name) return kGo;
  s.mode = Mode::Space;
  return name_token(s, r);
}

void string_start(PsScanner& s, Mode m) {
  s.mode = m;
  s.string_depth = 0;
  s.string_weak = m == Mode::A85;  // not decoded: converting it to code is refused
  s.hex_half = false;
}
void string_done(PsScanner& s) {
  s.mode = Mode::Space;
  s.prev = Prev::String;
  token_done(s);
  s.operand_weak = s.string_weak;  // the next name sees it (cvx, cvn)
  s.string_weak = false;
}

// A byte where a token may start (Space mode).
PsJudgement token_start(PsScanner& s, uint8_t c, const JobLanguageRules*) {
  if (white(c)) return kGo;
  switch (c) {
    case '%':
      s.mode = Mode::Comment;
      return kGo;
    case '(':
      string_start(s, Mode::String);
      return kGo;
    case '<':
      s.mode = Mode::Lt;
      return kGo;
    case '>':
      s.mode = Mode::Gt;
      return kGo;
    case '/':
      s.mode = Mode::Slash;
      return kGo;
    case '{':
      ++s.proc_depth;
      set_exit(s, false);
      s.prev = Prev::Other;
      return kGo;
    case '}': {
      if (s.proc_depth == 0) {  // data read as code (see tolerant(), below): nothing to close
        s.prev = Prev::Other;
        return kGo;
      }
      const bool exits = has_exit(s);
      --s.proc_depth;
      // An exit inside a nested procedure can end the enclosing loop too (`{ x { exit } if } loop`).
      if (exits) set_exit(s, true);
      s.prev = exits ? Prev::ProcWithExit : Prev::ProcWithoutExit;
      token_done(s);
      return kGo;
    }
    case '[':
    case ']':
      s.prev = Prev::Other;
      token_done(s);
      return kGo;
    case ')':
      return kGo;  // data read as code (tolerant())
    default:
      break;
  }
  s.mode = Mode::Name;
  s.kind = NameKind::Executable;
  s.name[0] = static_cast<char>(c);
  s.name_len = 1;
  s.name_long = false;
  return kGo;
}

PsJudgement tokenizer_byte(PsScanner& s, uint8_t c, const JobLanguageRules* r) {
  switch (s.mode) {
    case Mode::Space:
      return token_start(s, c, r);
    case Mode::Name:
      if (regular(c)) {
        if (s.name_len < PsScanner::kName)
          s.name[s.name_len++] = static_cast<char>(c);
        else
          s.name_long = true;
        return kGo;
      }
      if (PsJudgement j = end_name_if_any(s, r); j.reason != Reason::Forwarded) return j;
      return token_start(s, c, r);
    case Mode::Slash:
      s.mode = Mode::Name;
      s.name_len = 0;
      s.name_long = false;
      if (c == '/') {
        s.kind = NameKind::Immediate;
        return kGo;
      }
      s.kind = NameKind::Literal;
      if (regular(c)) {
        s.name[s.name_len++] = static_cast<char>(c);
        return kGo;
      }
      // `/` alone is the empty literal name.
      if (PsJudgement j = end_name_if_any(s, r); j.reason != Reason::Forwarded) return j;
      return token_start(s, c, r);
    case Mode::Comment:
      if (c == 10 || c == 13 || c == 12) s.mode = Mode::Space;
      return kGo;
    case Mode::String:
      if (c == '\\') {
        s.mode = Mode::StringEsc;
      } else if (c == '(') {
        ++s.string_depth;
      } else if (c == ')') {
        if (s.string_depth == 0) {
          string_done(s);
          return kGo;
        }
        --s.string_depth;
      }
      return kGo;
    case Mode::StringEsc:
      if (c >= '0' && c <= '7') {
        s.mode = Mode::StringOctal;
        s.octal = 1;
      } else {
        s.mode = Mode::String;
      }
      return kGo;
    case Mode::StringOctal:
      if (c >= '0' && c <= '7') {
        if (++s.octal == 3) s.mode = Mode::String;
        return kGo;
      }
      s.mode = Mode::String;
      return tokenizer_byte(s, c, r);
    case Mode::Lt:
      if (c == '<') {  // dictionary start
        s.mode = Mode::Space;
        s.prev = Prev::Other;
        token_done(s);
        return kGo;
      }
      if (c == '~') {
        string_start(s, Mode::A85);
        return kGo;
      }
      string_start(s, Mode::Hex);
      return tokenizer_byte(s, c, r);
    case Mode::Hex:
      if (c == '>') {
        string_done(s);
        return kGo;
      }
      if (!white(c) && hexval(c) < 0) {  // not a hex string after all (tolerant())
        s.mode = Mode::Space;
        s.prev = Prev::Other;
        return token_start(s, c, r);
      }
      return kGo;
    case Mode::A85:
      if (c == '~') s.mode = Mode::A85Tilde;
      return kGo;
    case Mode::A85Tilde:
      if (c == '>') {
        string_done(s);
        return kGo;
      }
      s.mode = Mode::A85;  // (tolerant(): data)
      return kGo;
    case Mode::Gt:
      s.mode = Mode::Space;
      if (c == '>') {  // dictionary end
        s.prev = Prev::Other;
        token_done(s);
        return kGo;
      }
      return token_start(s, c, r);  // a lone '>' (tolerant())
  }
  return kGo;
}

// A byte of a literal string's content (String mode) through the word scan; the closing ')'
// ends the string's last word.
PsJudgement string_byte(PsScanner& s, uint8_t c, const JobLanguageRules* r, bool* weak) {
  if (c == '\\') return kGo;
  if (c == ')' && s.string_depth == 0) return word_byte(s, ' ', r, weak);
  return word_byte(s, c, r, weak);
}

}  // namespace

PsJudgement ps_byte(PsScanner& s, uint8_t c, const JobLanguageRules* r) {
  // The word scan reads what the interpreter would decode: string escapes resolved, hex
  // strings as their bytes; a string's content ends the preceding word and starts its own.
  PsJudgement j = kGo;
  const Mode before = s.mode;
  // Words inside a string's content mark it weak; elsewhere they mark nothing.
  const bool in_string = before == Mode::String || before == Mode::StringEsc ||
                         before == Mode::StringOctal || before == Mode::Hex;
  bool* weak = in_string ? &s.string_weak : nullptr;
  switch (before) {
    case Mode::String:
      j = string_byte(s, c, r, weak);
      break;
    case Mode::StringEsc: {
      uint8_t d = c;
      switch (c) {
        case 'n': d = '\n'; break;
        case 'r': d = '\r'; break;
        case 't': d = '\t'; break;
        case 'b': d = '\b'; break;
        case 'f': d = '\f'; break;
        default: break;
      }
      if (c >= '0' && c <= '7')
        s.octal_value = static_cast<uint8_t>(c - '0');
      else if (c != '\n' && c != '\r')  // a backslash before a newline: nothing
        j = word_byte(s, d, r, weak);
      break;
    }
    case Mode::StringOctal:
      if (c >= '0' && c <= '7') {  // the second or third digit (after three, String again)
        s.octal_value = static_cast<uint8_t>(s.octal_value * 8 + (c - '0'));
        if (s.octal == 2) j = word_byte(s, s.octal_value, r, weak);
      } else {
        j = word_byte(s, s.octal_value, r, weak);
        if (j.reason == Reason::Forwarded) j = string_byte(s, c, r, weak);
      }
      break;
    case Mode::Hex:
      if (const int v = hexval(c); v >= 0) {
        if (s.hex_half) j = word_byte(s, static_cast<uint8_t>(s.hex_value << 4 | v), r, weak);
        s.hex_value = static_cast<uint8_t>(v);
        s.hex_half = !s.hex_half;
      } else if (c == '>') {
        // An odd digit count: the last is followed by 0 (PLRM 3.2.2).
        if (s.hex_half) j = word_byte(s, static_cast<uint8_t>(s.hex_value << 4), r, weak);
        if (j.reason == Reason::Forwarded) j = word_byte(s, ' ', r, weak);
      }
      break;
    case Mode::Lt:
    case Mode::A85:
    case Mode::A85Tilde:
      break;  // ASCII85 content is not decoded: such a string counts as weak (string_start)
    case Mode::Comment:
      // Strong names count in comments too (data the tokenizer took for one); a word after a
      // ')' in a comment is prose, not `(x) (r) file`.
      j = word_byte(s, c, r, weak);
      s.last_close = false;
      break;
    default:
      j = word_byte(s, c, r, weak);
      break;
  }
  if (j.reason != Reason::Forwarded) return j;
  j = tokenizer_byte(s, c, r);
  // A hex string's first digit came with the '<' decision.
  if (before == Mode::Lt && s.mode == Mode::Hex && hexval(c) >= 0) {
    s.hex_value = static_cast<uint8_t>(hexval(c));
    s.hex_half = true;
  }
  return j;
}

namespace {

// The first byte and length (32: longer) of every token the tokenizer or the word scan would
// judge: the operators and keys of kOps, the page operators, and the names name_token() acts on.
// A token of another first byte or length (a number, `m`, `l`, `S`, `Tf`, data) is inert:
// ps_run() skips it whole.
constexpr size_t kLen = 33;
constexpr std::array<std::array<bool, kLen>, 256> kJudged = [] {
  std::array<std::array<bool, kLen>, 256> t{};
  auto mark = [&](std::string_view n) { t[static_cast<uint8_t>(n[0])][std::min(n.size(), kLen - 1)] = true; };
  for (const Op& o : kOps) mark(o.name);
  for (std::string_view n : kPageOps) mark(n);
  for (std::string_view n : {"exit", "stop", "loop", "cvx", "cvn", "token", "def", "put", "store"}) mark(n);
  for (auto& row : t) row[kLen - 1] = true;  // longer than any: left to the byte path
  return t;
}();
bool judged_token(uint8_t first, size_t len) { return kJudged[first][std::min(len, kLen - 1)]; }

// What a byte is to the fast paths: a byte of a word (regular, not ESC), white space, '>', another
// delimiter, or one they leave to the byte path (ESC, which may begin a UEL; a string's '\\',
// '(' and ')').
enum : uint8_t { kRunWord, kRunWhite, kRunGt, kRunDelimiter, kRunStop };
constexpr std::array<uint8_t, 256> kRun = [] {
  std::array<uint8_t, 256> t{};
  for (size_t c = 0; c < 256; ++c)
    t[c] = kClass[c] == kWhite ? kRunWhite : kClass[c] == kDelimiter ? kRunDelimiter : kRunWord;
  t['>'] = kRunGt;
  for (uint8_t c : {uint8_t{0x1b}, uint8_t{'\\'}, uint8_t{'('}, uint8_t{')'}}) t[c] = kRunStop;
  return t;
}();

}  // namespace

size_t ps_run(PsScanner& s, const uint8_t* p, size_t n, const JobLanguageRules* r) {
  size_t k = 0;
  if (s.mode == Mode::Name) {
    // More of the current name (and of the word scan's word: the same bytes). ESC stops it: it
    // may begin a UEL, which the caller must see.
    while (k < n && kClass[p[k]] == kRegular && p[k] != 0x1b) ++k;
    if (k == 0) return 0;
    const size_t name_room = PsScanner::kName - s.name_len;
    if (k > name_room) s.name_long = true;
    const size_t nn = std::min(k, name_room);
    std::memcpy(s.name + s.name_len, p, nn);
    s.name_len = static_cast<uint8_t>(s.name_len + nn);
    if (s.word_len == 0) s.word_after_close = s.last_close;
    const size_t word_room = PsScanner::kName - s.word_len;
    if (k > word_room) s.word_long = true;
    const size_t wn = std::min(k, word_room);
    std::memcpy(s.word + s.word_len, p, wn);
    s.word_len = static_cast<uint8_t>(s.word_len + wn);
    s.last_close = false;
    return k;
  }
  if (s.mode == Mode::String) {
    // A literal string's content other than escapes and parentheses feeds only the word scan:
    // regular bytes extend the word; a word that ends is dropped when it names no operator (one
    // that does stops the run: the byte path judges it); white space and delimiters change only
    // last_close.
    while (k < n) {
      const uint8_t t = kRun[p[k]];
      if (t == kRunWord) {  // a run of regular bytes: one word, or more of it
        size_t e = k + 1;
        while (e < n && kRun[p[e]] == kRunWord) ++e;
        if (s.word_len == 0) s.word_after_close = s.last_close;
        s.last_close = false;
        const size_t room = PsScanner::kName - s.word_len;
        if (e - k > room) s.word_long = true;
        const size_t take = std::min(e - k, room);
        std::memcpy(s.word + s.word_len, p + k, take);
        s.word_len = static_cast<uint8_t>(s.word_len + take);
        k = e;
        continue;
      }
      if (t == kRunStop) break;
      if (s.word_len != 0) {
        if (!s.word_long && find_op(std::string_view(s.word, s.word_len))) break;
        s.word_len = 0;
        s.word_long = false;
        s.word_after_close = false;
      }
      if (t == kRunGt) s.last_close = true;
      else if (t == kRunDelimiter) s.last_close = false;
      ++k;
    }
    return k;
  }
  if (s.mode == Mode::Space && s.word_len == 0) {
    // White space between tokens changes nothing (a ')' before it still counts for the next
    // word); an inert token (kJudgedFirst) ended by white space or a delimiter within the input
    // changes only what ending any executable name does. Names the administrator denies may
    // start with any letter: with such a list, only numbers are inert.
    const bool deny_list = r && !r->ps_deny.empty();
    for (;;) {
      while (k < n && kClass[p[k]] == kWhite) ++k;
      if (k >= n) break;
      const uint8_t c = p[k];
      if (kClass[c] != kRegular || c == 0x1b) break;
      if (deny_list && !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.') break;
      size_t e = k + 1;
      while (e < n && kClass[p[e]] == kRegular && p[e] != 0x1b) ++e;  // '\\' is regular here
      if (e >= n) break;  // it may go on in the next piece: the byte path reads it
      if (judged_token(c, e - k)) break;
      s.last_close = false;
      s.operand_weak = false;
      s.prev = Prev::Other;
      token_done(s);
      k = e;
    }
  }
  return k;
}

PsJudgement ps_span(PsScanner& s, const uint8_t* p, size_t n, const JobLanguageRules* r,
                    size_t* at) {
  for (size_t i = 0; i < n;) {
    i += ps_run(s, p + i, n - i, r);
    if (i >= n) break;
    if (const PsJudgement j = ps_byte(s, p[i], r); j.reason != Reason::Forwarded) {
      *at = i;
      return j;
    }
    ++i;
  }
  return kGo;
}

PsJudgement ps_end(PsScanner& s, const JobLanguageRules* r) {
  if (PsJudgement j = word_end(s, r, nullptr); j.reason != Reason::Forwarded) return j;
  PsJudgement j = end_name_if_any(s, r);
  s = PsScanner{};
  return j;
}

}  // namespace pw::proto::joblang
