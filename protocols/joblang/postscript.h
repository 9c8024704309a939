// PostScript sections of a job: a streaming tokenizer (PLRM 3rd ed., section 3.2) and the
// operators a job must not use (protocols/joblang/README.md). Two scans over every byte:
//  - the tokenizer: comments, literal strings with escapes and nesting, hex and ASCII85 strings,
//    procedures, literal, executable and immediately evaluated names. Operators are judged where
//    the interpreter would execute or fetch them; words inside strings and comments are not;
//  - a context-free word scan for the names no benign job spells anywhere (deletefile,
//    exitserver, setsystemparams, ...): it also sees them inside strings that are later
//    converted and executed, and inside data a procedure reads from the job itself
//    (`currentfile ... readstring`), where the tokenizer cannot know what is code.
// State is a fixed struct inside the flow's state: no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/reason.h"
#include "policy/inspector_config.h"

namespace pw::proto::joblang {

struct PsScanner {
  static constexpr size_t kName = 32;  // names longer than this are no operator we judge
  static constexpr uint32_t kMaxDepth = 64;  // exits tracked this deep; loops deeper count as endless

  enum class Mode : uint8_t {
    Space,        // between tokens
    Name,         // inside a name or number
    Comment,      // % to end of line
    String,       // ( ... )
    StringEsc,    // after a backslash in a string
    StringOctal,  // inside \ddd
    Lt,           // after '<': hex string, or '<<', or '<~'
    Hex,          // < ... >
    A85,          // <~ ... ~>
    A85Tilde,     // '~' inside an ASCII85 string
    Gt,           // after '>' outside a string: '>>'
    Slash,        // after '/': literal, or '//' immediate
  };
  enum class Prev : uint8_t { Other, String, ProcWithExit, ProcWithoutExit };
  enum class NameKind : uint8_t { Executable, Literal, Immediate };

  Mode mode = Mode::Space;
  NameKind kind = NameKind::Executable;
  Prev prev = Prev::Other;
  uint8_t name_len = 0;
  bool name_long = false;
  uint8_t octal = 0;        // digits of a \ddd escape seen
  uint8_t octal_value = 0;
  uint8_t hex_value = 0;    // the first digit of a hex string's byte
  bool hex_half = false;
  bool string_weak = false;   // the open string holds a word like `file` (kWeak)
  bool operand_weak = false;  // the string just closed did: a cvx/cvn/token now converts it
  uint32_t string_depth = 0;  // open parentheses inside a literal string
  uint32_t proc_depth = 0;
  uint64_t proc_exit = 0;     // bit d: the procedure open at depth d contains exit or stop
  // A literal name of a page operator just seen: a def/put/store within the next tokens
  // redefines it (job capture).
  uint8_t redefine_window = 0;
  uint8_t redefined = 0;      // index in the page-operator list + 1
  uint32_t redefine_depth = 0;  // the procedure depth of that key: tokens there count
  char name[kName] = {};
  // The context-free word scan: the current run of regular characters, upper bound kName.
  char word[kName] = {};
  uint8_t word_len = 0;
  bool word_long = false;
  bool word_after_close = false;  // the word follows a ')' or '>' and white space: `(x) (r) file`
  bool last_close = false;
};

struct PsJudgement {
  Reason reason = Reason::Forwarded;
  std::string_view word;  // the operator (static storage)
};

// One byte of a PostScript section. Forwarded: go on.
PsJudgement ps_byte(PsScanner& s, uint8_t c, const policy::JobLanguageRules* rules);
// The bytes from `p` (at most `n`) that change nothing but the name being read, white space
// between tokens, and whole tokens no rule judges (numbers, most operators), consumed at once
// (a fast path; ps_byte on each would do the same). Returns how many.
size_t ps_run(PsScanner& s, const uint8_t* p, size_t n, const policy::JobLanguageRules* rules);
// Bytes [0, n) of a PostScript section holding no ESC (the caller watches for the UEL): as
// ps_byte on each, in one call. On a deny, `*at` is the deciding byte.
PsJudgement ps_span(PsScanner& s, const uint8_t* p, size_t n, const policy::JobLanguageRules* r,
                    size_t* at);
// The section ends (a UEL, the end of the stream): a pending token is complete.
PsJudgement ps_end(PsScanner& s, const policy::JobLanguageRules* rules);

}  // namespace pw::proto::joblang
