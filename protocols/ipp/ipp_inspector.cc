#include "protocols/ipp/ipp_inspector.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/ascii.h"
#include "policy/inspector_config.h"
#include "protocols/http/http_syntax.h"

namespace pw::proto::ipp {
namespace {

using Phase = HttpSide::Phase;
using Mode = IppFlow::Mode;
using http::is_tchar;
using http::trim_ows;

constexpr size_t kMaxLine = 8192;  // longer field lines (cookies, ...) are line-too-long
constexpr uint8_t kTlsHandshake = 0x16;

// What a request is, for its response: whether the response has a body and carries IPP.
enum Kind : uint8_t { kPlain, kHead, kIppPost };
// The field lines acted on.
enum Field : uint8_t {
  kOther, kContentLength, kTransferEncoding, kContentType, kContentEncoding, kAuthorization,
  kUpgradeField,
};

// Operations whose request carries a document (the allow-list of formats applies to them).
constexpr uint16_t kPrintJob = 0x0002;
constexpr uint16_t kSendDocument = 0x0006;

Decision cont(size_t n) { return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded}; }
constexpr Decision kGo{};

Decision deny(IppFlow& f, Reason r, std::string_view detail) {
  f.denied = r;
  f.detail_len = static_cast<uint8_t>(std::min(detail.size(), IppFlow::kDetail));
  std::memcpy(f.detail, detail.data(), f.detail_len);
  return {Verdict::Deny, 0, r};
}
bool denied(const Decision& d) { return d.verdict == Verdict::Deny; }

const policy::IppRules& rules_of(const Context& ctx) {
  static const policy::IppRules kDefaults;  // built at first use, never per packet
  return ctx.service && ctx.service->ipp ? *ctx.service->ipp : kDefaults;
}
const policy::JobLanguageRules* job_rules(const Context& ctx) {
  return ctx.service ? ctx.service->job_language : nullptr;
}
bool plaintext_auth(const Context& ctx) { return ctx.service && ctx.service->plaintext_auth; }

// TLS bytes from offset `at` of the chunk: the TLS reader's decision, for the whole chunk.
Decision tls_bytes(IppFlow& f, Dir d, const uint8_t* p, size_t n, size_t at, Context& ctx) {
  Decision t = tls::on_data(f.tls, d, std::as_bytes(std::span(p + at, n - at)), ctx);
  if (t.verdict != Verdict::Deny) t.allowed_bytes += static_cast<uint32_t>(at);
  return t;
}
void start_line(HttpSide& h) {
  h.kept = 0;
  h.line_len = 0;
  h.in_value = false;
  h.field = kOther;
  h.scheme_len = 0;
}

Field field_of(std::string_view name) {
  if (iequals(name, "CONTENT-LENGTH")) return kContentLength;
  if (iequals(name, "TRANSFER-ENCODING")) return kTransferEncoding;
  if (iequals(name, "CONTENT-TYPE")) return kContentType;
  if (iequals(name, "CONTENT-ENCODING")) return kContentEncoding;
  if (iequals(name, "AUTHORIZATION") || iequals(name, "PROXY-AUTHORIZATION")) return kAuthorization;
  if (iequals(name, "UPGRADE")) return kUpgradeField;
  return kOther;
}

// An Authorization scheme on plain IPP: never a credential in clear text (TLS-only
// authentication holds on 631 too). Judged when the scheme ends, before any credential byte.
Decision judge_scheme(IppFlow& f, const HttpSide& h) {
  const std::string_view s(h.scheme, h.scheme_len);
  return deny(f, iequals(s, "BASIC") ? Reason::HttpBasicCleartext : Reason::HttpCleartextCredential,
              s.empty() ? std::string_view("Authorization") : s);
}

// --- start lines ---

Decision request_line(IppFlow& f, HttpSide& h) {
  if (h.line_len > HttpSide::kKeep) return deny(f, Reason::UnitTooLong, "request line");
  const std::string_view l(h.line, h.kept);
  const size_t sp1 = l.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : l.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || l.find(' ', sp2 + 1) != std::string_view::npos)
    return deny(f, Reason::MalformedIpp, "request line");
  const std::string_view method = l.substr(0, sp1);
  const std::string_view target = l.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = l.substr(sp2 + 1);
  for (char c : method)
    if (!is_tchar(static_cast<uint8_t>(c))) return deny(f, Reason::MalformedIpp, "request line");
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return deny(f, Reason::MalformedIpp, "HTTP version");
  // origin-form, or "*" for OPTIONS: IPP clients name the printer's path (RFC 8010 4), never
  // an absolute URI that could carry userinfo.
  if (target.empty() || (target[0] != '/' && !(target == "*" && method == "OPTIONS")))
    return deny(f, Reason::MalformedIpp, "request target");
  if (method == "POST") h.kind = kIppPost;
  else if (method == "HEAD") h.kind = kHead;
  else if (method == "GET" || method == "OPTIONS") h.kind = kPlain;
  else return deny(f, Reason::IppOperationDenied, method);  // PUT, DELETE, CONNECT, ...
  return kGo;
}

Decision status_line(IppFlow& f, HttpSide& h) {
  const std::string_view l(h.line, h.kept);
  // HTTP-version SP 3DIGIT SP [reason] (RFC 9112 4)
  if (l.size() < 12 || (l.substr(0, 8) != "HTTP/1.1" && l.substr(0, 8) != "HTTP/1.0") ||
      l[8] != ' ' || (l.size() > 12 && l[12] != ' '))
    return deny(f, Reason::MalformedIpp, "status line");
  h.status = 0;
  for (size_t k = 9; k < 12; ++k) {
    if (l[k] < '0' || l[k] > '9') return deny(f, Reason::MalformedIpp, "status line");
    h.status = static_cast<uint16_t>(h.status * 10 + (l[k] - '0'));
  }
  return kGo;
}

// --- field lines ---

// One byte of a field line other than CR/LF.
Decision field_byte(IppFlow& f, HttpSide& h, Dir d, uint8_t c, const Context& ctx) {
  if (!h.in_value) {
    if (c == ':') {
      if (h.kept == 0) return deny(f, Reason::MalformedIpp, "empty field name");
      h.in_value = true;
      h.field = field_of(std::string_view(h.line, h.kept));
      if (h.field == kAuthorization && (d != Dir::ToServer || plaintext_auth(ctx))) h.field = kOther;
      return kGo;
    }
    // Field names are tokens: white space before the colon, or at a line's start (obsolete
    // folding), is an error (RFC 9112 5.1, 5.2).
    if (!is_tchar(c)) return deny(f, Reason::MalformedIpp, "field name");
    return kGo;
  }
  if (h.field != kAuthorization) return kGo;
  if ((c == ' ' || c == '\t') && h.scheme_len == 0) return kGo;
  if (c == ' ' || c == '\t' || !is_tchar(c) || h.scheme_len == sizeof h.scheme)
    return judge_scheme(f, h);
  h.scheme[h.scheme_len++] = static_cast<char>(c);
  return kGo;
}

// A complete field line (LF seen; not the empty line).
Decision field_done(IppFlow& f, HttpSide& h) {
  if (!h.in_value) return deny(f, Reason::MalformedIpp, "field line without colon");
  if (h.field == kAuthorization) return h.scheme_len ? judge_scheme(f, h) : kGo;
  if (h.field == kOther || h.phase != Phase::Fields) return kGo;  // trailers never frame
  if (h.line_len > HttpSide::kKeep) return deny(f, Reason::UnitTooLong, "HTTP field");
  const std::string_view l(h.line, h.kept);
  const std::string_view value = trim_ows(l.substr(l.find(':') + 1));
  switch (h.field) {
    case kContentLength: {
      const auto v = http::content_length(value);
      // Differing lengths: request smuggling.
      if (!v || (h.has_length && *v != h.length)) return deny(f, Reason::MalformedIpp, "Content-Length");
      h.has_length = true;
      h.length = *v;
      return kGo;
    }
    case kTransferEncoding: {
      const auto chunked = http::final_coding_is_chunked(value);
      if (!chunked) return deny(f, Reason::MalformedIpp, "Transfer-Encoding");
      h.has_te = true;
      h.chunked = *chunked;
      // Any coding beside chunked (gzip, chunked; or a coding on a field line of its own) is
      // a body the gateway would read as other bytes than the printer decodes.
      if (!iequals(value, "chunked")) h.encoded = true;
      return kGo;
    }
    case kContentType: {
      constexpr std::string_view kIpp = "application/ipp";
      h.ipp = value.size() >= kIpp.size() && iequals(value.substr(0, kIpp.size()), kIpp) &&
              (value.size() == kIpp.size() || value[kIpp.size()] == ';' ||
               value[kIpp.size()] == ' ' || value[kIpp.size()] == '\t');
      return kGo;
    }
    case kContentEncoding:
      h.encoded = !value.empty() && !iequals(value, "identity");
      return kGo;
    case kUpgradeField:
      h.upgrade = icontains(value, "TLS");
      return kGo;
    default:
      return kGo;
  }
}

// --- messages ---

void push_request(IppFlow& f, uint8_t kind) {
  f.queue[(f.q_head + f.q_count) % IppFlow::kQueue] = kind;
  ++f.q_count;
}
uint8_t pop_request(IppFlow& f) {
  const uint8_t k = f.queue[f.q_head];
  f.q_head = static_cast<uint8_t>((f.q_head + 1) % IppFlow::kQueue);
  --f.q_count;
  return k;
}

// The message of direction `d` is complete.
Decision message_done(IppFlow& f, Dir d, const Context& ctx) {
  HttpSide& h = f.side[static_cast<size_t>(d)];
  if (f.body_ipp[static_cast<size_t>(d)]) {
    f.body_ipp[static_cast<size_t>(d)] = false;
    if (!ipp_complete(f.ipp[static_cast<size_t>(d)]))
      return deny(f, Reason::MalformedIpp, "IPP message cut by its HTTP body");
    if (d == Dir::ToServer && f.in_job) {
      f.in_job = false;
      if (Decision j = joblang::job_end(f.job, job_rules(ctx)); denied(j))
        return deny(f, j.reason, joblang::job_detail(f.job));
    }
  }
  const bool upgrade = d == Dir::ToServer && h.upgrade;
  h = HttpSide{};  // the next message
  if (upgrade) f.mode = Mode::AwaitUpgrade;  // the client sends nothing more until the answer
  // The answer to the upgrade request (the last one sent) was no 101: the upgrade is refused.
  if (d == Dir::ToClient && f.mode == Mode::AwaitUpgrade && f.q_count == 0) f.mode = Mode::Http;
  return kGo;
}

// Where the body of the message starts (RFC 9112 6.3), once its header section ended.
Decision to_body(IppFlow& f, Dir d, bool body_allowed, const Context& ctx) {
  HttpSide& h = f.side[static_cast<size_t>(d)];
  start_line(h);
  if (!body_allowed) return message_done(f, d, ctx);
  if (h.chunked) {
    h.phase = Phase::ChunkSize;
  } else if (h.has_length && h.length > 0) {
    h.phase = Phase::Body;
    h.left = h.length;
  } else if (d == Dir::ToClient && !h.has_length) {
    h.phase = Phase::ToClose;  // a response without framing ends with the connection
  } else {
    return message_done(f, d, ctx);
  }
  return kGo;
}

Decision request_headers_done(IppFlow& f, const Context& ctx) {
  HttpSide& h = f.side[0];
  if (h.kind == kIppPost) {
    if (!h.ipp) return deny(f, Reason::IppOperationDenied, "POST not application/ipp");
    if (h.encoded) return deny(f, Reason::IppDocumentFormat, "coded body");
    ipp_start(f.ipp[0], true);
    f.body_ipp[0] = true;
    f.in_job = false;
  }
  if (f.q_count == IppFlow::kQueue) return deny(f, Reason::MalformedIpp, "too many pipelined requests");
  push_request(f, h.kind);
  return to_body(f, Dir::ToServer, true, ctx);
}

Decision response_headers_done(IppFlow& f, const Context& ctx) {
  HttpSide& h = f.side[1];
  if (h.status >= 100 && h.status < 200) {
    if (h.status == 101) {  // Switching Protocols: only to the TLS a request asked for
      if (f.mode != Mode::AwaitUpgrade || f.q_count != 1)
        return deny(f, Reason::MalformedIpp, "101 without an upgrade request");
      pop_request(f);
      f.mode = Mode::Tls;
      f.tls.server_first = Reason::StarttlsInjection;
      return kGo;
    }
    h = HttpSide{};  // an interim response (100 Continue): the final one follows
    return kGo;
  }
  if (f.q_count == 0) return deny(f, Reason::MalformedIpp, "response without request");
  const uint8_t kind = pop_request(f);
  const bool body = kind != kHead && h.status != 204 && h.status != 304;
  if (body && kind == kIppPost && h.ipp) {
    if (h.encoded) return deny(f, Reason::MalformedIpp, "compressed IPP response");
    ipp_start(f.ipp[1], false);
    f.body_ipp[1] = true;
  }
  return to_body(f, Dir::ToClient, body, ctx);
}

// A complete line (LF seen) of a line-oriented phase.
Decision line_done(IppFlow& f, Dir d, const Context& ctx) {
  HttpSide& h = f.side[static_cast<size_t>(d)];
  switch (h.phase) {
    case Phase::Start: {
      if (h.kept == 0 && h.line_len <= 2) {  // stray CRLF between messages
        start_line(h);
        return kGo;
      }
      Decision r = d == Dir::ToServer ? request_line(f, h) : status_line(f, h);
      if (denied(r)) return r;
      h.phase = Phase::Fields;
      start_line(h);
      return kGo;
    }
    case Phase::Fields:
    case Phase::Trailers: {
      if (h.kept == 0 && h.line_len <= 2) {  // the empty line
        if (h.phase == Phase::Trailers) return message_done(f, d, ctx);
        // A response that has no body (1xx, 204, 304) is not framed by its fields: CUPS sends
        // its 101 with Content-Length: 0 and Transfer-Encoding: chunked.
        const bool framed = d == Dir::ToServer || (h.status >= 200 && h.status != 204 && h.status != 304);
        if (framed && h.has_te && !h.chunked) return deny(f, Reason::MalformedIpp, "Transfer-Encoding");
        if (framed && h.has_te && h.has_length) return deny(f, Reason::MalformedIpp, "Content-Length");
        return d == Dir::ToServer ? request_headers_done(f, ctx) : response_headers_done(f, ctx);
      }
      Decision r = field_done(f, h);
      start_line(h);
      return r;
    }
    case Phase::ChunkSize: {
      const auto v = http::chunk_size(std::string_view(h.line, h.kept));
      if (!v || h.line_len > HttpSide::kKeep) return deny(f, Reason::MalformedIpp, "chunk size");
      start_line(h);
      if (*v == 0) {
        h.phase = Phase::Trailers;
      } else {
        h.phase = Phase::ChunkData;
        h.left = *v;
      }
      return kGo;
    }
    case Phase::ChunkCrlf:
      if (h.kept != 0) return deny(f, Reason::MalformedIpp, "chunk");
      h.phase = Phase::ChunkSize;
      start_line(h);
      return kGo;
    default:
      return deny(f, Reason::MalformedIpp, "HTTP framing");
  }
}

// The document format of a print request: its type/subtype before any parameter, lower case.
Decision judge_format(IppFlow& f, std::string_view v, const Context& ctx) {
  char low[IppReader::kValue];
  size_t n = 0;
  const std::string_view type = trim_ows(v.substr(0, v.find(';')));
  for (char c : type) low[n++] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  // A value as long as the reader keeps may have been cut: no format on the list is that long.
  if (v.size() < IppReader::kValue && rules_of(ctx).format_allowed(std::string_view(low, n)))
    return kGo;
  return deny(f, Reason::IppDocumentFormat, v.empty() ? std::string_view("document-format") : v);
}

// Bytes of an IPP message body.
Decision ipp_bytes(IppFlow& f, Dir d, const uint8_t* p, size_t n, const Context& ctx) {
  IppReader& r = f.ipp[static_cast<size_t>(d)];
  size_t off = 0;
  while (off < n) {
    if (r.step == IppReader::Step::Data) {
      if (d == Dir::ToClient) return kGo;  // a response's data (a document fetched): not a job
      if (Decision j = joblang::job_data(f.job, std::span(p + off, n - off), job_rules(ctx)); denied(j))
        return deny(f, j.reason, joblang::job_detail(f.job));
      return kGo;
    }
    const IppEvent e = ipp_read(r, p + off, n - off);
    off += e.used;
    if (e.reason != Reason::Forwarded) return deny(f, e.reason, e.detail);
    if (d == Dir::ToClient) continue;  // a response's status and attributes: checked by the reader
    switch (e.kind) {
      case IppEvent::Kind::Operation:
        f.op = r.code;
        if (!rules_of(ctx).allows(r.code)) {
          char buf[8];
          return deny(f, Reason::IppOperationDenied, operation_name(r.code, buf));
        }
        break;
      case IppEvent::Kind::DocumentFormat:
        if (f.op == kPrintJob || f.op == kSendDocument)
          if (Decision x = judge_format(f, e.detail, ctx); denied(x)) return x;
        break;
      case IppEvent::Kind::Compression:
        // Compressed document data (RFC 8011 5.4.32) is no job the gateway can read.
        if (!iequals(e.detail, "none")) return deny(f, Reason::IppDocumentFormat, "compression");
        break;
      case IppEvent::Kind::EndOfAttributes:
        joblang::job_start(f.job);
        f.in_job = true;
        break;
      case IppEvent::Kind::None:
        break;
    }
  }
  return kGo;
}

Decision http_bytes(IppFlow& f, Dir d, const uint8_t* p, size_t n, Context& ctx) {
  HttpSide& h = f.side[static_cast<size_t>(d)];
  size_t i = 0;
  while (i < n) {
    if (f.mode == Mode::Tls) return tls_bytes(f, d, p, n, i, ctx);
    if (d == Dir::ToServer && f.mode == Mode::AwaitUpgrade)
      return deny(f, Reason::StarttlsInjection, "bytes before the upgrade answer");
    if (h.phase == Phase::Body || h.phase == Phase::ChunkData || h.phase == Phase::ToClose) {
      const size_t k = h.phase == Phase::ToClose ? n - i : static_cast<size_t>(std::min<uint64_t>(h.left, n - i));
      if (f.body_ipp[static_cast<size_t>(d)])
        if (Decision b = ipp_bytes(f, d, p + i, k, ctx); denied(b)) return b;
      i += k;
      if (h.phase == Phase::ToClose) continue;
      h.left -= k;
      if (h.left > 0) continue;
      if (h.phase == Phase::ChunkData) {
        h.phase = Phase::ChunkCrlf;
        start_line(h);
        continue;
      }
      if (Decision m = message_done(f, d, ctx); denied(m)) return m;
      continue;
    }
    const uint8_t c = p[i++];
    if (d == Dir::ToServer && !f.started) {
      f.started = true;
      if (c == kTlsHandshake) {  // ipps: TLS from the first byte
        f.mode = Mode::Tls;
        return tls_bytes(f, d, p, n, i - 1, ctx);
      }
    }
    if (d == Dir::ToClient && !f.started)
      return deny(f, Reason::MalformedIpp, "printer spoke first");
    if (++h.line_len > kMaxLine) return deny(f, Reason::LineTooLong, "HTTP line");
    if (h.cr && c != '\n') return deny(f, Reason::MalformedIpp, "bare CR");
    h.cr = c == '\r';
    if (c == '\r') continue;
    if (c == '\n') {
      if (Decision r = line_done(f, d, ctx); denied(r)) return r;
      continue;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7F) return deny(f, Reason::MalformedIpp, "control byte in an HTTP line");
    if (h.phase == Phase::Fields || h.phase == Phase::Trailers) {
      if (Decision r = field_byte(f, h, d, c, ctx); denied(r)) return r;
    }
    if (h.kept < HttpSide::kKeep) h.line[h.kept++] = static_cast<char>(c);
  }
  return cont(n);
}

}  // namespace

FlowState* IppInspector::open(FlowArena& a) const {
  IppFlow* f = a.make<IppFlow>();
  if (!f) return nullptr;
  tls::start(f->tls);
  joblang::job_start(f->job);
  return f;
}

void IppInspector::close(FlowState* s, FlowArena& a, Context& ctx) const {
  if (s) tls::release(static_cast<IppFlow*>(s)->tls, ctx);
  a.release(s);
}

Decision IppInspector::on_data(FlowState& fs, Dir d, std::span<const std::byte> in, Context& ctx) const {
  IppFlow& f = static_cast<IppFlow&>(fs);
  if (f.denied != Reason::Forwarded) return {Verdict::Deny, 0, f.denied};  // a deny is final
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const Decision r = f.mode == Mode::Tls ? tls_bytes(f, d, p, in.size(), 0, ctx)
                                         : http_bytes(f, d, p, in.size(), ctx);
  if (denied(r)) f.denied = r.reason;
  return r;
}

// The client's FIN: a document still open is judged as the printer will read it.
Decision IppInspector::on_end(FlowState& fs, Dir d, Context& ctx) const {
  IppFlow& f = static_cast<IppFlow&>(fs);
  if (f.denied != Reason::Forwarded) return {Verdict::Deny, 0, f.denied};
  if (d != Dir::ToServer || f.mode == Mode::Tls || !f.in_job) return kGo;
  f.in_job = false;
  if (Decision j = joblang::job_end(f.job, job_rules(ctx)); denied(j))
    return deny(f, j.reason, joblang::job_detail(f.job));
  return kGo;
}

std::string_view IppInspector::detail(const FlowState& fs) const {
  const IppFlow& f = static_cast<const IppFlow&>(fs);
  return std::string_view(f.detail, f.detail_len);
}

// Streaming: lines up to kMaxLine, IPP attributes judged as they stream; the TLS handshake of
// ipps needs the message buffer.
const Requirements& IppInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {631};
  static constexpr Requirements kRequirements{Requirements::Transport::Stream, true, kMaxLine,
                                              kMessageBufferBytes, kPorts};
  return kRequirements;
}

}  // namespace pw::proto::ipp
