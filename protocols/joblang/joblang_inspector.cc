#include "protocols/joblang/joblang_inspector.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "protocols/joblang/pjl.h"

namespace pw::proto::joblang {
namespace {

using Section = JoblangFlow::Section;
using policy::JobLanguageRules;

constexpr uint8_t kEsc = 0x1b;
constexpr char kUel[] = "\x1b%-12345X";
constexpr size_t kUelSize = sizeof kUel - 1;
constexpr size_t kMaxHttpLine = 8192;  // longer: text, not a request line we name

const JobLanguageRules* rules_of(const Context& ctx) {
  return ctx.service ? ctx.service->job_language : nullptr;
}
uint32_t max_line(const JobLanguageRules* r) {
  return r ? std::min(r->pjl_max_line, JobLanguageRules::kMaxPjlLine) : 256;
}
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

struct Outcome {
  Reason reason = Reason::Forwarded;
  std::string_view word;
};
constexpr Outcome kGo{};

void set_detail(JoblangFlow& f, std::string_view w) {
  f.detail_len = static_cast<uint8_t>(std::min(w.size(), JoblangFlow::kDetail));
  std::memcpy(f.detail, w.data(), f.detail_len);
}

// --- language detection at the start of a section ---

enum class Head : uint8_t { Undecided, Pjl, PostScript, Binary, Pcl5, Http };

struct Signature {
  std::string_view bytes;
  Head head;
  bool any_case;
};
// What a section may start with (PJL Technical Reference, "printer language switching"; the
// languages' own headers), and the request lines of HTTP (cross-site printing).
constexpr Signature kSignatures[] = {
    {"@PJL", Head::Pjl, true},          {"%!", Head::PostScript, false},
    {"%PDF-", Head::Binary, false},     {") HP-PCL XL;", Head::Binary, false},
    // Raster and image documents of driverless printing (IPP, AirPrint, Mopria): PWG raster
    // (PWG 5102.4), Apple raster, JPEG, PNG. Binary: scanned for the next UEL only.
    {"RaS2", Head::Binary, false},      {"UNIRAST", Head::Binary, false},
    {"\xFF\xD8\xFF", Head::Binary, false}, {"\x89PNG", Head::Binary, false},
    {"GET ", Head::Http, false},        {"POST ", Head::Http, false},
    {"PUT ", Head::Http, false},        {"HEAD ", Head::Http, false},
    {"OPTIONS ", Head::Http, false},    {"DELETE ", Head::Http, false},
    {"PATCH ", Head::Http, false},      {"CONNECT ", Head::Http, false},
    {"TRACE ", Head::Http, false},
};

bool prefix_matches(std::string_view head, const Signature& s) {
  const size_t n = std::min(head.size(), s.bytes.size());
  for (size_t i = 0; i < n; ++i)
    if ((s.any_case ? upper(head[i]) : head[i]) != s.bytes[i]) return false;
  return true;
}

// What the head collected so far says; Pcl5 when no signature can match any more (data with
// no header: the printer's default personality, PCL 5 or text).
Head classify(std::string_view head) {
  bool open = false;
  for (const Signature& s : kSignatures) {
    if (!prefix_matches(head, s)) continue;
    if (head.size() >= s.bytes.size()) return s.head;
    open = true;
  }
  return open ? Head::Undecided : Head::Pcl5;
}

Outcome section_byte(JoblangFlow& f, uint8_t c, const JobLanguageRules* r);

Outcome enter(JoblangFlow& f, Language l) {
  switch (l) {
    case Language::PostScript:
      f.section = Section::PostScript;
      f.ps = PsScanner{};
      break;
    case Language::Pcl5:
      f.section = Section::Pcl5;
      f.pcl = PclScanner{};
      break;
    case Language::Binary:
      f.section = Section::Binary;
      break;
    case Language::None:
      f.section = Section::Start;
      f.head_len = 0;
      break;
  }
  return kGo;
}

// The head decided: the section starts, and its bytes so far are read as its own.
Outcome decide(JoblangFlow& f, Head h, const JobLanguageRules* r) {
  const std::string_view head(f.head, f.head_len);
  f.head_len = 0;
  switch (h) {
    case Head::Pjl:
      f.section = Section::PjlLine;
      std::memcpy(f.line, head.data(), head.size());
      f.line_len = static_cast<uint16_t>(head.size());
      return kGo;
    case Head::Http:
      if (!f.started) {
        f.section = Section::HttpLine;
        f.http_len = static_cast<uint16_t>(head.size());
        f.started = true;
        return kGo;
      }
      h = Head::Pcl5;  // a job that later starts a section with "GET ": text
      break;
    default:
      break;
  }
  f.started = true;
  enter(f, h == Head::PostScript ? Language::PostScript
           : h == Head::Binary   ? Language::Binary
                                 : Language::Pcl5);
  for (const char ch : head)
    if (Outcome o = section_byte(f, static_cast<uint8_t>(ch), r); o.reason != Reason::Forwarded) return o;
  return kGo;
}

Outcome end_pjl_line(JoblangFlow& f, const JobLanguageRules* r) {
  const PjlJudgement j = judge_pjl_line(std::string_view(f.line, f.line_len), r);
  f.line_len = 0;
  if (j.reason != Reason::Forwarded) {
    set_detail(f, j.word());  // the judgement's word dies with it: keep a copy now
    return {j.reason, std::string_view(f.detail, f.detail_len)};
  }
  return enter(f, j.enter);
}

Outcome section_byte(JoblangFlow& f, uint8_t c, const JobLanguageRules* r) {
  if (f.skip_lf) {
    f.skip_lf = false;
    if (c == '\n') return kGo;
  }
  switch (f.section) {
    case Section::Start: {
      // White space, blank lines and PostScript's end-of-job (^D) between sections.
      if (f.head_len == 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
                              c == 0 || c == 4))
        return kGo;
      f.head[f.head_len++] = static_cast<char>(c);
      const Head h = classify(std::string_view(f.head, f.head_len));
      if (h == Head::Undecided && f.head_len < JoblangFlow::kHead) return kGo;
      return decide(f, h == Head::Undecided ? Head::Pcl5 : h, r);
    }
    case Section::PjlLine:
      if (c == '\r' || c == '\n') {
        f.skip_lf = c == '\r';
        return end_pjl_line(f, r);
      }
      if (f.line_len >= max_line(r)) return {Reason::UnitTooLong, "PJL line"};
      f.line[f.line_len++] = static_cast<char>(c);
      return kGo;
    case Section::HttpLine:
      // "METHOD target HTTP/x.y" CRLF: a browser posting to the printer port.
      if (c == '\n' || c == '\r') {
        const std::string_view tail(f.http_tail, std::min<size_t>(f.http_len, sizeof f.http_tail));
        if (f.http_len >= 8 && tail.substr(0, 5) == "HTTP/" && tail[6] == '.' )
          return {Reason::CrossSitePrinting, "HTTP request"};
        f.section = Section::Pcl5;  // text that began like a method: printed as text
        f.pcl = PclScanner{};
        return kGo;
      }
      if (c == kEsc || ++f.http_len > kMaxHttpLine) {
        f.section = Section::Pcl5;
        f.pcl = PclScanner{};
        return section_byte(f, c, r);
      }
      std::memmove(f.http_tail, f.http_tail + 1, sizeof f.http_tail - 1);
      f.http_tail[sizeof f.http_tail - 1] = static_cast<char>(c);
      return kGo;
    case Section::PostScript: {
      const PsJudgement j = ps_byte(f.ps, c, r);
      return {j.reason, j.word};
    }
    case Section::Pcl5: {
      const PclJudgement j = pcl_byte(f.pcl, c);
      return {j.reason, j.word};
    }
    case Section::Binary:
    case Section::Denied:
      return kGo;
  }
  return kGo;
}

// The section ends (a UEL, the end of the stream): what is pending is complete.
Outcome section_end(JoblangFlow& f, const JobLanguageRules* r) {
  Outcome o;
  switch (f.section) {
    case Section::PjlLine:
      o = end_pjl_line(f, r);
      break;
    case Section::PostScript: {
      const PsJudgement j = ps_end(f.ps, r);
      o = {j.reason, j.word};
      break;
    }
    default:
      break;
  }
  return o;
}

Decision denied(JoblangFlow& f, Outcome o, uint32_t at) {
  f.section = Section::Denied;
  f.denied = o.reason;
  if (o.word.data() != f.detail) set_detail(f, o.word);
  return {Verdict::Deny, at, o.reason};
}

// The job stream toward the printer.
Decision job_bytes(JoblangFlow& f, std::span<const uint8_t> in, const JobLanguageRules* r) {
  const uint8_t* p = in.data();
  const size_t n = in.size();
  for (size_t i = 0; i < n; ++i) {
    // Bulk: data with no command in it (binary sections, PCL text and its data) up to the next
    // ESC, which may begin a UEL or a PCL escape.
    if (f.uel == 0 && !f.skip_lf) {
      const bool binary = f.section == Section::Binary;
      const bool pcl_text = f.section == Section::Pcl5 && f.pcl.mode == PclScanner::Mode::Text;
      const bool pcl_data = f.section == Section::Pcl5 && f.pcl.mode == PclScanner::Mode::Data;
      if (f.section == Section::PostScript) {
        // Up to the next ESC (a UEL may begin there) in one call.
        const void* e = std::memchr(p + i, kEsc, n - i);
        const size_t upto = e ? static_cast<size_t>(static_cast<const uint8_t*>(e) - p) : n;
        size_t at = 0;
        if (const PsJudgement j = ps_span(f.ps, p + i, upto - i, r, &at); j.reason != Reason::Forwarded)
          return denied(f, {j.reason, j.word}, static_cast<uint32_t>(i + at));
        i = upto;
        if (i >= n) break;
      } else if (binary || pcl_text || pcl_data) {
        const void* e = std::memchr(p + i, kEsc, n - i);
        size_t upto = e ? static_cast<size_t>(static_cast<const uint8_t*>(e) - p) : n;
        if (pcl_data) upto = std::min(upto, i + f.pcl.skip - 1);  // the last data byte goes byte-wise
        if (pcl_data) f.pcl.skip -= static_cast<uint32_t>(upto - i);
        i = upto;
        if (i >= n) break;
      }
      // A PCL escape sequence that cannot begin a UEL (ESC not followed by '%'): the PCL
      // scanner reads it directly, up to its end (text or data follows) or the next ESC.
      if (f.section == Section::Pcl5 && p[i] == kEsc && i + 1 < n && p[i + 1] != '%') {
        size_t j = i;
        do {
          if (const PclJudgement pj = pcl_byte(f.pcl, p[j]); pj.reason != Reason::Forwarded)
            return denied(f, {pj.reason, pj.word}, static_cast<uint32_t>(j));
          ++j;
        } while (j < n && p[j] != kEsc && f.pcl.mode != PclScanner::Mode::Text &&
                 f.pcl.mode != PclScanner::Mode::Data);
        i = j - 1;
        continue;
      }
    }
    const uint8_t c = p[i];
    if (f.uel > 0 || c == kEsc) {
      if (c == static_cast<uint8_t>(kUel[f.uel])) {
        if (++f.uel < kUelSize) continue;
        f.uel = 0;
        if (Outcome o = section_end(f, r); o.reason != Reason::Forwarded)
          return denied(f, o, static_cast<uint32_t>(i));
        f.skip_lf = false;
        enter(f, Language::None);
        continue;
      }
      // Not a UEL: the held bytes are the section's after all.
      const uint8_t held = f.uel;
      f.uel = 0;
      for (uint8_t k = 0; k < held; ++k)
        if (Outcome o = section_byte(f, static_cast<uint8_t>(kUel[k]), r); o.reason != Reason::Forwarded)
          return denied(f, o, static_cast<uint32_t>(i));
      if (c == kEsc) {
        f.uel = 1;
        continue;
      }
    }
    if (Outcome o = section_byte(f, c, r); o.reason != Reason::Forwarded)
      return denied(f, o, static_cast<uint32_t>(i));
  }
  return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded};
}

// The printer's replies: a file-system answer (FSDIRLIST, FSUPLOAD, FSQUERY echo their command)
// means a request got through; it does not leave.
Decision reply_bytes(JoblangFlow& f, std::span<const uint8_t> in) {
  static constexpr std::string_view kFs = "@PJL FS";
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = static_cast<char>(in[i]);
    if (c == '\n' || c == '\r' || c == '\f') {
      f.reply_line_start = true;
      f.reply = 0;
      continue;
    }
    if (!f.reply_line_start) continue;
    if (upper(c) == kFs[f.reply]) {
      if (++f.reply == kFs.size()) return denied(f, {Reason::JoblangFileAccess, "reply"}, static_cast<uint32_t>(i));
      continue;
    }
    f.reply_line_start = false;
    f.reply = 0;
  }
  return {Verdict::Continue, static_cast<uint32_t>(in.size()), Reason::Forwarded};
}

}  // namespace

const Requirements& JoblangInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {9100};
  static const Requirements r{Requirements::Transport::Stream, false,
                              JobLanguageRules::kMaxPjlLine, 0, kPorts};
  return r;
}

FlowState* JoblangInspector::open(FlowArena& a) const { return a.make<JoblangFlow>(); }

Decision JoblangInspector::on_data(FlowState& s, Dir d, std::span<const std::byte> in,
                                   Context& ctx) const {
  auto& f = static_cast<JoblangFlow&>(s);
  if (f.section == Section::Denied) return {Verdict::Deny, 0, f.denied};
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(in.data()), in.size());
  return d == Dir::ToServer ? job_bytes(f, bytes, rules_of(ctx)) : reply_bytes(f, bytes);
}

Decision JoblangInspector::on_end(FlowState& s, Dir d, Context& ctx) const {
  auto& f = static_cast<JoblangFlow&>(s);
  if (f.section == Section::Denied) return {Verdict::Deny, 0, f.denied};
  if (d != Dir::ToServer) return {};
  return job_end(f, rules_of(ctx));
}

void job_start(JoblangFlow& f) { f = JoblangFlow{}; }

Decision job_data(JoblangFlow& f, std::span<const uint8_t> in, const JobLanguageRules* r) {
  if (f.section == Section::Denied) return {Verdict::Deny, 0, f.denied};
  return job_bytes(f, in, r);
}

Decision job_end(JoblangFlow& f, const JobLanguageRules* r) {
  if (f.section == Section::Denied) return {Verdict::Deny, 0, f.denied};
  // Held UEL bytes are the section's: the stream ends without completing the UEL.
  const uint8_t held = f.uel;
  f.uel = 0;
  for (uint8_t k = 0; k < held; ++k)
    if (Outcome o = section_byte(f, static_cast<uint8_t>(kUel[k]), r); o.reason != Reason::Forwarded)
      return denied(f, o, 0);
  if (Outcome o = section_end(f, r); o.reason != Reason::Forwarded) return denied(f, o, 0);
  return {};
}

std::string_view JoblangInspector::detail(const FlowState& s) const {
  return job_detail(static_cast<const JoblangFlow&>(s));
}

std::string_view job_detail(const JoblangFlow& f) { return {f.detail, f.detail_len}; }

}  // namespace pw::proto::joblang
