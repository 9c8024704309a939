#include "protocols/joblang/pcl.h"

namespace pw::proto::joblang {
namespace {

using Mode = PclScanner::Mode;
constexpr uint8_t kEsc = 0x1b;
constexpr uint32_t kValueCap = 1u << 30;

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

void start_value(PclScanner& s) {
  s.mode = Mode::Value;
  s.negative = s.fraction = s.digits = false;
  s.value = 0;
}

// A parameter character ended a value: the command (param, group, term) with s.value.
PclJudgement command(PclScanner& s, char term_char) {
  const char term = upper(term_char);
  const bool lower = term_char != term;
  const uint32_t v = s.negative ? 0 : s.value;
  // Commands that keep content on the device beyond the job (value 5/10: make permanent).
  if (s.param == '&' && s.group == 'f' && term == 'X' && v == 10)
    return {Reason::JoblangPersistentChange, "ESC&f10X"};  // macro control: make permanent
  if (s.param == '*' && s.group == 'c' && v == 5) {
    if (term == 'F') return {Reason::JoblangPersistentChange, "ESC*c5F"};  // soft font permanent
    if (term == 'Q') return {Reason::JoblangPersistentChange, "ESC*c5Q"};  // pattern permanent
    if (term == 'S') return {Reason::JoblangPersistentChange, "ESC*c5S"};  // symbol set permanent
  }
  // Commands followed by `value` bytes of data: every ...W (fonts, patterns, raster, symbol
  // sets, alphanumeric IDs, configuration), raster planes (*b#V), transparent data (&p#X).
  const bool data = term == 'W' || (s.param == '*' && s.group == 'b' && term == 'V') ||
                    (s.param == '&' && s.group == 'p' && term == 'X');
  if (data && v > 0) {
    s.mode = Mode::Data;
    s.skip = v;
    s.more = lower;
    return {};
  }
  if (lower)
    start_value(s);  // combined: the next parameter of the same family
  else
    s.mode = Mode::Text;
  return {};
}

}  // namespace

PclJudgement pcl_byte(PclScanner& s, uint8_t c) {
  switch (s.mode) {
    case Mode::Text:
      if (c == kEsc) s.mode = Mode::Esc;
      return {};
    case Mode::Esc:
      if (c >= 33 && c <= 47) {  // parameterized
        s.param = static_cast<char>(c);
        s.group = 0;
        s.mode = Mode::Group;
      } else if (c != kEsc) {
        s.mode = Mode::Text;  // two-character sequence (ESC E, ESC 9, ...) or not an escape
      }
      return {};
    case Mode::Group:
      if (c >= 96 && c <= 126) {
        s.group = static_cast<char>(c);
        start_value(s);
        return {};
      }
      start_value(s);
      return pcl_byte(s, c);
    case Mode::Value:
      if (c >= '0' && c <= '9') {
        s.digits = true;
        if (!s.fraction) s.value = s.value > kValueCap / 10 ? kValueCap : s.value * 10 + (c - '0');
        return {};
      }
      if ((c == '+' || c == '-') && !s.digits && !s.fraction) {
        s.negative = c == '-';
        return {};
      }
      if (c == '.' && !s.fraction) {
        s.fraction = true;
        return {};
      }
      if ((c >= 96 && c <= 126) || (c >= 64 && c <= 94)) return command(s, static_cast<char>(c));
      // Not a parameter character: the printer drops the sequence; so do we.
      s.mode = c == kEsc ? Mode::Esc : Mode::Text;
      return {};
    case Mode::Data:
      if (--s.skip == 0) {
        if (s.more)
          start_value(s);
        else
          s.mode = Mode::Text;
      }
      return {};
  }
  return {};
}

}  // namespace pw::proto::joblang
