#include "protocols/lpd/lpd_inspector.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace pw::proto::lpd {
namespace {

using Step = LpdFlow::Step;

// RFC 1179 section 5: daemon commands; section 6: the subcommands of "receive a printer job".
enum : uint8_t { kPrintWaiting = 1, kReceiveJob = 2, kQueueShort = 3, kQueueLong = 4, kRemoveJobs = 5 };
enum : uint8_t { kAbortJob = 1, kControlFile = 2, kDataFile = 3 };

constexpr uint16_t kMaxCommandLine = 256;  // a daemon command's operands
constexpr uint16_t kMaxQueue = 64;         // a queue name
constexpr uint16_t kMaxFileName = 128;     // "cfA123host", "dfA123host"
constexpr uint8_t kMaxDigits = 10;         // a file's byte count
constexpr uint32_t kMaxControlFile = 64 << 10;
constexpr uint16_t kMaxControlLine = 255;  // RFC 1179 gives 31..99 per field; drivers stay within
constexpr uint32_t kMaxNumber = 10000;     // indent (I), width (W): anything above is absurd

struct Outcome {
  Reason reason = Reason::Forwarded;
  std::string_view detail;
};
constexpr Outcome kGo{};
Outcome malformed(std::string_view what) { return {Reason::MalformedLpd, what}; }

bool printable(uint8_t c) { return c >= 0x21 && c <= 0x7e; }

const policy::JobLanguageRules* rules_of(const Context& ctx) {
  return ctx.service ? ctx.service->job_language : nullptr;
}

// Control-file lines (RFC 1179 section 7) by their first letter; LPRng's A, D, Q, R, Z too.
enum class Line : uint8_t { Unknown, Text, Number, FileName, Mail };
Line line_kind(char c) {
  switch (c) {
    case 'C': case 'H': case 'J': case 'L': case 'N': case 'P': case 'S': case 'T':
    case '1': case '2': case '3': case '4':
    case 'A': case 'D': case 'Q': case 'R': case 'Z':
      return Line::Text;
    case 'I': case 'W':
      return Line::Number;
    case 'U': case 'c': case 'd': case 'f': case 'g': case 'l': case 'n': case 'o': case 'p':
    case 'r': case 't': case 'v':
      return Line::FileName;
    case 'M':
      return Line::Mail;
    default:
      return Line::Unknown;
  }
}

// The first bytes were no command code: a browser's request line is cross-site printing.
Outcome first_bytes(LpdFlow& f, uint8_t c) {
  f.head[f.head_len++] = static_cast<char>(c);
  static constexpr std::string_view kMethods[] = {"GET ", "POST", "PUT ", "HEAD", "OPTI",
                                                  "DELE", "PATC", "CONN", "TRAC"};
  const std::string_view h(f.head, f.head_len);
  bool open = false;
  for (std::string_view m : kMethods) {
    if (m.substr(0, h.size()) != h) continue;
    if (h.size() == m.size()) return {Reason::CrossSitePrinting, "HTTP request"};
    open = true;
  }
  return open ? kGo : malformed("command code");
}

// One byte of a control file.
Outcome control_byte(LpdFlow& f, uint8_t c) {
  if (f.ctl == 0) {  // a line starts
    if (c == '\n') return kGo;  // an empty line: tolerated
    f.ctl = static_cast<char>(c);
    f.line_len = 0;
    f.number = 0;
    f.digits = 0;
    switch (line_kind(f.ctl)) {
      case Line::Unknown: return malformed("control line");
      case Line::Mail: return {Reason::LpdCommandDenied, "M (mail)"};
      default: return kGo;
    }
  }
  if (c == '\n') {
    const Line k = line_kind(f.ctl);
    if (k == Line::Number && f.digits == 0) return malformed("control number");
    if (k == Line::FileName && f.line_len == 0) return malformed("control file name");
    f.ctl = 0;
    return kGo;
  }
  if (++f.line_len > kMaxControlLine) return {Reason::UnitTooLong, "LPD control line"};
  switch (line_kind(f.ctl)) {
    case Line::Number:
      if (c < '0' || c > '9') return malformed("control number");
      f.number = f.number * 10 + (c - '0');
      ++f.digits;
      if (f.number > kMaxNumber) return malformed("control number");
      return kGo;
    case Line::FileName:
      // A data file of this job: never a path.
      if (!printable(c) || c == '/') return malformed("control file name");
      return kGo;
    default:  // text: printable and spaces
      return c == ' ' || c == '\t' || printable(c) ? kGo : malformed("control text");
  }
}

// One byte of a daemon command's operands: queue [operands...] (printable words).
Outcome command_line_byte(LpdFlow& f, uint8_t c) {
  if (c == '\n') {
    if (f.field == 0 && f.line_len == 0) return malformed("queue");
    switch (f.code) {
      case kReceiveJob: f.step = Step::Sub; break;
      default: f.step = Step::Quiet; break;  // the server answers and closes
    }
    f.line_len = 0;
    return kGo;
  }
  if (c == ' ' || c == '\t') {
    if (f.line_len == 0 && f.field == 0) return malformed("queue");
    f.field = 1;
    return kGo;
  }
  if (!printable(c)) return malformed("command operand");
  if (++f.line_len > (f.field == 0 ? kMaxQueue : kMaxCommandLine)) return {Reason::UnitTooLong, "LPD command"};
  return kGo;
}

// One byte of a subcommand's operands: count SP name (abort: nothing).
Outcome sub_line_byte(LpdFlow& f, uint8_t c) {
  if (f.code == kAbortJob) {
    if (c != '\n') return malformed("abort");
    f.step = Step::Sub;
    return kGo;
  }
  if (f.field == 0) {  // the count
    if (c >= '0' && c <= '9') {
      if (++f.digits > kMaxDigits) return malformed("count");
      f.left = f.left * 10 + (c - '0');
      return kGo;
    }
    if (c != ' ' || f.digits == 0) return malformed("count");
    if (f.code == kControlFile && (f.left == 0 || f.left > kMaxControlFile))
      return malformed("control file size");
    f.field = 1;
    f.line_len = 0;
    return kGo;
  }
  if (c == '\n') {  // the name ended: the file follows
    if (f.line_len < 3) return malformed("file name");
    const std::string_view want = f.code == kControlFile ? "cf" : "df";
    if (std::string_view(f.name, 2) != want) return malformed("file name");
    if (f.code == kControlFile) {
      f.step = Step::Control;
      f.ctl = 0;
      f.got_control = true;
    } else {
      f.step = Step::Data;
      f.stream_data = f.left == 0;  // RFC 1179 leaves 0 open; LPRng and CUPS: until the end
      joblang::job_start(f.job);
    }
    return kGo;
  }
  // A file name: printable, never a path (the server writes it in its spool).
  if (!printable(c) || c == '/') return malformed("file name");
  if (f.line_len < sizeof f.name) f.name[f.line_len] = static_cast<char>(c);
  if (++f.line_len > kMaxFileName) return {Reason::UnitTooLong, "LPD file name"};
  return kGo;
}

Decision deny(LpdFlow& f, Outcome o, uint32_t at) {
  f.step = Step::Denied;
  f.denied = o.reason;
  f.detail_len = static_cast<uint8_t>(std::min(o.detail.size(), LpdFlow::kDetail));
  std::memcpy(f.detail, o.detail.data(), f.detail_len);
  return {Verdict::Deny, at, o.reason};
}

Decision client_bytes(LpdFlow& f, std::span<const uint8_t> in, Context& ctx) {
  const policy::InspectorConfig* svc = ctx.service;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint8_t c = in[i];
    Outcome o;
    switch (f.step) {
      case Step::Command:
        if (f.head_len > 0 || (!f.started && c >= 'A' && c <= 'Z')) {
          f.started = true;
          o = first_bytes(f, c);
          break;
        }
        f.started = true;
        if (c < kPrintWaiting || c > kRemoveJobs) {
          o = malformed("command code");
          break;
        }
        if (c == kRemoveJobs && !(svc && svc->lpd_remove_jobs)) {
          o = {Reason::LpdCommandDenied, "remove jobs"};
          break;
        }
        if ((c == kQueueShort || c == kQueueLong) && svc && !svc->lpd_queue_state) {
          o = {Reason::LpdCommandDenied, "queue state"};
          break;
        }
        f.code = c;
        f.field = 0;
        f.line_len = 0;
        f.step = Step::CommandLine;
        break;
      case Step::CommandLine:
        o = command_line_byte(f, c);
        break;
      case Step::Sub:
        if (c < kAbortJob || c > kDataFile) {
          o = malformed("subcommand code");
          break;
        }
        f.code = c;
        f.field = 0;
        f.digits = 0;
        f.left = 0;
        f.line_len = 0;
        std::memset(f.name, 0, sizeof f.name);
        f.step = Step::SubLine;
        break;
      case Step::SubLine:
        o = sub_line_byte(f, c);
        break;
      case Step::Control:
        o = control_byte(f, c);
        if (o.reason == Reason::Forwarded && --f.left == 0) {
          if (f.ctl != 0) o = malformed("control line");  // the last line lacks its LF
          f.step = Step::Nul;
        }
        break;
      case Step::Data: {
        // The job, in one piece up to the end of the file (or of this chunk).
        const size_t n = f.stream_data ? in.size() - i : std::min<uint64_t>(f.left, in.size() - i);
        const Decision d = joblang::job_data(f.job, in.subspan(i, n), rules_of(ctx));
        if (d.verdict == Verdict::Deny) {
          return deny(f, {d.reason, joblang::job_detail(f.job)}, static_cast<uint32_t>(i + d.allowed_bytes));
        }
        i += n - 1;
        if (!f.stream_data && (f.left -= n) == 0) {
          const Decision e = joblang::job_end(f.job, rules_of(ctx));
          if (e.verdict == Verdict::Deny)
            return deny(f, {e.reason, joblang::job_detail(f.job)}, static_cast<uint32_t>(i));
          f.step = Step::Nul;
        }
        continue;
      }
      case Step::Nul:
        if (c != 0) {
          o = malformed("file end");
          break;
        }
        f.step = Step::Sub;
        break;
      case Step::Quiet:
        o = malformed("bytes after the command");
        break;
      case Step::Denied:
        return {Verdict::Deny, 0, f.denied};
    }
    if (o.reason != Reason::Forwarded) return deny(f, o, static_cast<uint32_t>(i));
  }
  return {Verdict::Continue, static_cast<uint32_t>(in.size()), Reason::Forwarded};
}

}  // namespace

const Requirements& LpdInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {515};
  static const Requirements r{Requirements::Transport::Stream, false, kMaxCommandLine, 0, kPorts};
  return r;
}

FlowState* LpdInspector::open(FlowArena& a) const { return a.make<LpdFlow>(); }

Decision LpdInspector::on_data(FlowState& s, Dir d, std::span<const std::byte> in,
                               Context& ctx) const {
  auto& f = static_cast<LpdFlow&>(s);
  if (f.step == Step::Denied) return {Verdict::Deny, 0, f.denied};
  if (d == Dir::ToClient) return {Verdict::Continue, static_cast<uint32_t>(in.size()), Reason::Forwarded};
  return client_bytes(f, {reinterpret_cast<const uint8_t*>(in.data()), in.size()}, ctx);
}

Decision LpdInspector::on_end(FlowState& s, Dir d, Context& ctx) const {
  auto& f = static_cast<LpdFlow&>(s);
  if (f.step == Step::Denied) return {Verdict::Deny, 0, f.denied};
  if (d != Dir::ToServer || f.step != Step::Data || !f.stream_data) return {};
  // A data file sent until the end of the connection: the job is complete now.
  const Decision e = joblang::job_end(f.job, rules_of(ctx));
  if (e.verdict == Verdict::Deny) return deny(f, {e.reason, joblang::job_detail(f.job)}, 0);
  return {};
}

std::string_view LpdInspector::detail(const FlowState& s) const {
  const auto& f = static_cast<const LpdFlow&>(s);
  return {f.detail, f.detail_len};
}

}  // namespace pw::proto::lpd
