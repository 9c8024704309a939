// The job-language inspector: a print job stream (RAW/AppSocket 9100; later LPD data files and
// IPP document data) cut into sections at every Universal Exit Language (ESC %-12345X), each
// section PJL lines or a printer language: PostScript (tokenised, postscript.h), PCL 5 (escape
// sequences, pcl.h), PCL XL / PDF / raster (binary: scanned for the next UEL only). An HTTP
// request line where a job should start is cross-site printing. The printer's replies are
// watched for file-system answers. Streaming, exact at any segmentation, fixed state per flow.
// Rules: protocols/joblang/README.md.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "protocols/inspector.h"
#include "protocols/joblang/pcl.h"
#include "protocols/joblang/postscript.h"

namespace pw::proto::joblang {

struct JoblangFlow : FlowState {
  static constexpr size_t kHead = 16;
  static constexpr size_t kDetail = 24;
  enum class Section : uint8_t {
    Start,       // after a UEL or a PJL line: PJL, a language header, or data
    PjlLine,     // an @PJL line, collected whole
    HttpLine,    // "METHOD " began the stream: is it an HTTP request line?
    PostScript,
    Pcl5,
    Binary,
    Denied,
  };
  Section section = Section::Start;
  uint8_t uel = 0;        // bytes of a UEL matched so far (held from the section)
  bool skip_lf = false;   // a CR ended the last PJL line: an LF right after belongs to it
  uint8_t head_len = 0;
  bool started = false;   // a byte other than white space was seen (cross-site printing check)
  uint8_t reply = 0;      // printer replies: bytes of "@PJL FS" matched at a line start
  bool reply_line_start = true;
  uint8_t detail_len = 0;
  Reason denied = Reason::Forwarded;
  uint16_t line_len = 0;
  uint16_t http_len = 0;
  char head[kHead] = {};
  char detail[kDetail] = {};
  char http_tail[8] = {};  // the last bytes of a possible HTTP request line
  PsScanner ps;
  PclScanner pcl;
  char line[policy::JobLanguageRules::kMaxPjlLine] = {};
};
static_assert(sizeof(JoblangFlow) <= FlowArena::kBlockSize);
static_assert(std::is_trivially_destructible_v<JoblangFlow>);

// A job stream carried inside another protocol (LPD data files; IPP document data): the same
// reading as on 9100, on a JoblangFlow the carrier holds in its own state.
void job_start(JoblangFlow& f);  // a new job: a fresh stream
// Job bytes; a Deny's allowed_bytes is the deciding byte's offset in `in`.
Decision job_data(JoblangFlow& f, std::span<const uint8_t> in, const policy::JobLanguageRules* r);
Decision job_end(JoblangFlow& f, const policy::JobLanguageRules* r);  // the job is complete
std::string_view job_detail(const JoblangFlow& f);

class JoblangInspector : public Inspector {
 public:
  const char* name() const override { return "job-language"; }
  PW_INSPECTOR_MEMBERS_KEEPING_CLOSE
  PW_INSPECTOR_END_AND_DETAIL
};

}  // namespace pw::proto::joblang
