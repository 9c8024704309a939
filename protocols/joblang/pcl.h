// PCL 5 sections of a job: escape sequences parsed (PCL 5 Technical Reference Manual, chapter 2)
// well enough to skip the binary data that commands carry (raster rows, soft fonts, patterns,
// transparent data) and to deny the commands that keep content on the device beyond the job:
// a macro, soft font, pattern or symbol set made permanent. Text and HP-GL/2 between the
// escapes is data. Streaming, a few bytes of state.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/reason.h"

namespace pw::proto::joblang {

struct PclScanner {
  enum class Mode : uint8_t {
    Text,       // printable data and control codes
    Esc,        // after ESC
    Group,      // after a parameterized character: a group character may follow
    Value,      // sign, digits, decimal point
    Data,       // `skip` bytes of binary data a command carries
  };
  Mode mode = Mode::Text;
  char param = 0;       // the parameterized character ('&', '*', '(', ...)
  char group = 0;       // the group character, 0 when none
  bool negative = false;
  bool fraction = false;
  bool digits = false;
  uint32_t value = 0;   // the integer part, clamped
  uint32_t skip = 0;    // Data: bytes left
  bool more = false;    // Data: the command combined further parameters (lower-case char)
};

struct PclJudgement {
  Reason reason = Reason::Forwarded;
  std::string_view word;
};

PclJudgement pcl_byte(PclScanner& s, uint8_t c);

}  // namespace pw::proto::joblang
