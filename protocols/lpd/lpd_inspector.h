// LPD (RFC 1179) inspector, the client's side of port 515: daemon commands, the subcommands of
// "receive a printer job", control-file lines, and the data files, whose bytes are a print job
// stream read by the job-language inspector (protocols/joblang). Streaming: no line is
// buffered whole, every field is checked as it arrives, bounded. Rules: protocols/lpd/README.md.
#pragma once

#include <cstdint>
#include <type_traits>

#include "protocols/inspector.h"
#include "protocols/joblang/joblang_inspector.h"

namespace pw::proto::lpd {

struct LpdFlow : FlowState {
  static constexpr size_t kDetail = 24;
  enum class Step : uint8_t {
    Command,      // a daemon command: its code byte
    CommandLine,  // its operands, to LF
    Sub,          // "receive a printer job": a subcommand code byte
    SubLine,      // a subcommand's operands (count SP name), to LF
    Control,      // control-file bytes
    Data,         // data-file bytes: the job
    Nul,          // the NUL after a file
    Quiet,        // a queue listing was asked: the server answers and closes
    Denied,
  };
  Step step = Step::Command;
  uint8_t code = 0;        // the command or subcommand
  uint8_t field = 0;       // operand being read (0: queue/count, 1: name, ...)
  bool started = false;    // a byte of the connection was seen (cross-site printing check)
  bool stream_data = false;  // a data file of count 0: until the end of the connection
  bool got_control = false;  // this job's control file arrived
  char ctl = 0;            // the control-file line's command letter (0: at a line start)
  uint8_t head_len = 0;
  uint16_t line_len = 0;   // bytes of the current line or field
  uint32_t number = 0;     // a numeric field being read
  uint8_t digits = 0;
  uint64_t left = 0;       // bytes of the current file still to come
  Reason denied = Reason::Forwarded;
  uint8_t detail_len = 0;
  char head[8] = {};       // the first bytes when they are no LPD command (an HTTP method?)
  char name[4] = {};       // the first bytes of a file name: "cfA", "dfA"
  char detail[kDetail] = {};
  joblang::JoblangFlow job;
};
static_assert(sizeof(LpdFlow) <= FlowArena::kBlockSize);
static_assert(std::is_trivially_destructible_v<LpdFlow>);

class LpdInspector : public Inspector {
 public:
  const char* name() const override { return "lpd"; }
  PW_INSPECTOR_MEMBERS_KEEPING_CLOSE
  PW_INSPECTOR_END_AND_DETAIL
};

}  // namespace pw::proto::lpd
