#include "protocols/starttls/line.h"

namespace pw::proto::starttls {

namespace {
bool token_char(uint8_t c) { return c > 0x20 && c < 0x7f; }
}  // namespace

void Command::reset() {
  tokens_seen = 0;
  tag_len = 0;
  verb_len = 0;
  verb_done = false;
  bad = false;
  args_len = 0;
  args_cut = false;
  line_len = 0;
}

bool Command::verb_is(std::string_view u) const { return iequals(verb_sv(), u); }

Command::Event Command::feed(uint8_t c, size_t max_line) {
  ++line_len;
  if (c == '\n') {
    if (verb_done) return Event::LineDone;
    verb_done = true;  // a verb alone on its line ("FEAT\r\n")
    if (verb_len == 0 || tokens_seen < tags) bad = true;
    return Event::VerbAndLineDone;
  }
  if (line_len > max_line) return Event::TooLong;
  if (!verb_done) {
    if (c == '\r') return Event::None;  // CR before LF: the verb ends at LF
    if (c == ' ') {
      if (tokens_seen < tags) {
        if (tag_len == 0) bad = true;  // empty tag
        ++tokens_seen;
        return Event::None;
      }
      verb_done = true;
      if (verb_len == 0) bad = true;
      return Event::VerbDone;
    }
    if (!token_char(c)) {
      bad = true;
      verb_done = true;
      return Event::VerbDone;
    }
    if (tokens_seen < tags) {
      if (tag_len < sizeof tag) tag[tag_len++] = static_cast<char>(c);
      else bad = true;
      return Event::None;
    }
    if (verb_len == kVerbMax) {
      bad = true;
      verb_done = true;
      return Event::VerbDone;
    }
    verb[verb_len++] = static_cast<char>(c);
    return Event::None;
  }
  if (c != '\r') {
    if (args_len < kArgsMax) args[args_len++] = static_cast<char>(c);
    else args_cut = true;
  }
  return Event::None;
}

Reply::Event Reply::feed(uint8_t c) {
  ++line_len;
  if (c == '\n') return Event::LineDone;
  if (c != '\r' && kept < kKeep) line[kept++] = static_cast<char>(c);
  return Event::None;
}

int Reply::code() const {
  if (kept < 3) return -1;
  int v = 0;
  for (int i = 0; i < 3; ++i) {
    if (line[i] < '0' || line[i] > '9') return -1;
    v = v * 10 + (line[i] - '0');
  }
  return v >= 100 && v <= 599 ? v : -1;
}

bool Reply::last() const { return kept == 3 || (kept > 3 && line[3] == ' '); }

}  // namespace pw::proto::starttls
