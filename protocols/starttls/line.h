// Shared pieces of the line-oriented inspectors (FTP, SMTP, POP3, IMAP): a command parser that
// decides at the byte that completes the verb (so a credential that follows a denied verb is
// never forwarded), a reply parser, and a small FIFO of commands awaiting their replies.
// Bounded, allocation-free, byte at a time so that any segmentation gives the same result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ascii.h"

namespace pw::proto::starttls {

// One client command line: [TAG SP] VERB [SP ARGS] CRLF (a bare LF also ends it).
struct Command {
  static constexpr size_t kVerbMax = 16;
  static constexpr size_t kArgsMax = 128;  // kept for inspection; longer arguments are counted
  uint8_t tags = 0;  // tokens before the verb (IMAP: 1)
  uint8_t tokens_seen = 0;
  char tag[32];
  uint8_t tag_len = 0;
  char verb[kVerbMax];
  uint8_t verb_len = 0;
  bool verb_done = false;
  bool bad = false;  // a byte that cannot be in a verb (control, telnet IAC, non-ASCII)
  char args[kArgsMax];
  uint16_t args_len = 0;
  bool args_cut = false;  // more argument bytes came than are kept: args_sv() is a prefix
  uint32_t line_len = 0;

  enum class Event : uint8_t { None, VerbDone, LineDone, VerbAndLineDone, TooLong };
  // Feeds one byte. Once per line the verb completes (VerbDone, or VerbAndLineDone when the
  // line ends right after it); `bad` is then set when the verb is not a plain token.
  Event feed(uint8_t c, size_t max_line);
  void reset();
  std::string_view verb_sv() const { return {verb, verb_len}; }
  std::string_view args_sv() const { return {args, args_len}; }
  std::string_view tag_sv() const { return {tag, tag_len}; }
  bool verb_is(std::string_view upper) const;  // case-insensitive
};

// One server reply line of a numeric-code protocol (FTP, SMTP): "DDD text" ends the reply,
// "DDD-text" continues it.
struct Reply {
  static constexpr size_t kKeep = 96;  // bytes of each line kept (codes, capability keywords)
  char line[kKeep];
  uint16_t kept = 0;
  uint32_t line_len = 0;
  enum class Event : uint8_t { None, LineDone };
  Event feed(uint8_t c);
  void reset_line() { kept = 0; line_len = 0; }
  std::string_view sv() const { return {line, kept}; }
  int code() const;      // 100..599, or -1 when the line does not start with three digits
  bool last() const;     // "DDD " (or "DDD" alone) ends a reply
};

using pw::icontains;
using pw::iequals;

// Commands waiting for their replies, in order (pipelining), bounded.
struct Pending {
  static constexpr size_t kMax = 16;
  uint8_t kinds[kMax];
  uint8_t head = 0, count = 0;
  bool push(uint8_t k) {
    if (count == kMax) return false;
    kinds[(head + count) % kMax] = k;
    ++count;
    return true;
  }
  bool empty() const { return count == 0; }
  uint8_t front() const { return kinds[head]; }
  void pop() {
    if (count) {
      head = static_cast<uint8_t>((head + 1) % kMax);
      --count;
    }
  }
};

}  // namespace pw::proto::starttls
