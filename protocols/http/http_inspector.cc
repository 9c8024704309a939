#include "protocols/http/http_inspector.h"

#include <algorithm>
#include <string_view>

#include "common/ascii.h"
#include "protocols/http/http_syntax.h"

namespace pw::proto::http {

namespace {

constexpr size_t kMaxLine = 8192;  // request line, field line, chunk line (nginx's default bound)
constexpr size_t kKeep = 256;      // a field line kept whole: the framing fields' values
constexpr size_t kSchemeMax = 32;  // longer than every registered auth-scheme

Decision deny(Reason r) { return {Verdict::Deny, 0, r}; }
Decision cont(size_t n) { return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded}; }
constexpr Decision kGo{Verdict::Continue, 0, Reason::Forwarded};

struct State : FlowState {
  enum class Phase : uint8_t { RequestLine, Headers, Body, ChunkSize, ChunkData, ChunkCrlf,
                               Trailers, AwaitConnect, Tunnel };
  // Where the request line is (RFC 9112 3): method SP request-target SP HTTP-version CRLF.
  enum class Req : uint8_t { Method, TargetStart, SchemeOrHost, Slash1, Slash2, Authority, Literal,
                             Port, Path, Version, End };
  Phase phase;
  Req req;
  uint8_t port_digits;
  char method[8];  // enough to recognise CONNECT
  uint8_t method_len;
  char version[8];  // "HTTP/1.1"
  uint8_t version_len;
  bool cr;  // the previous byte was CR: only LF may follow
  // Field line being read: its name (kept with the line's start), then its value.
  char line[kKeep];
  uint16_t kept;
  uint32_t line_len;
  bool in_value;
  bool auth_header;     // Authorization / Proxy-Authorization: the scheme is judged as it ends
  bool framing_header;  // Content-Length / Transfer-Encoding: the value must be seen whole
  uint8_t scheme_len;
  char scheme[kSchemeMax];
  bool scheme_done;
  // Message framing (RFC 9112 6).
  bool chunked;
  bool has_te;
  bool has_length;
  bool connect;
  uint64_t length;
  uint64_t left;
  // Response side, only while a CONNECT waits for its answer.
  char rline[64];
  uint8_t rkept;
  uint32_t rline_len;
  bool rstatus_seen;
  bool rok;
  Reason denied;  // once denied, every later call is denied again (Forwarded: not denied)
  tls::TlsFlow tls;
};

bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

// Auth schemes whose credentials are not a reusable secret on the wire: challenge-response and
// key-exchange mechanisms (RFC 7616 Digest, RFC 4559 Negotiate and NTLM, RFC 7804 SCRAM, RFC
// 7486 HOBA, RFC 8120 Mutual). Basic is a password in base64; Bearer is a token anybody who reads
// it can replay; any other scheme is one the gateway cannot classify, and is refused as well.
Reason judge_scheme(std::string_view s) {
  if (iequals(s, "BASIC")) return Reason::HttpBasicCleartext;
  for (std::string_view ok : {"DIGEST", "NEGOTIATE", "NTLM", "SCRAM-SHA-1", "SCRAM-SHA-256",
                              "HOBA", "MUTUAL"})
    if (iequals(s, ok)) return Reason::Forwarded;
  return Reason::HttpCleartextCredential;
}

void start_line(State& st) {
  st.kept = 0;
  st.line_len = 0;
  st.in_value = false;
  st.auth_header = false;
  st.framing_header = false;
  st.scheme_done = false;
  st.scheme_len = 0;
}

void start_request(State& st) {
  st.phase = State::Phase::RequestLine;
  st.req = State::Req::Method;
  st.method_len = 0;
  st.version_len = 0;
  st.port_digits = 0;
  st.chunked = st.has_te = st.has_length = st.connect = false;
  st.length = 0;
  start_line(st);
}

void after_message(State& st) {
  if (st.connect) {
    st.phase = State::Phase::AwaitConnect;
    st.rkept = 0;
    st.rline_len = 0;
    st.rstatus_seen = false;
    start_line(st);
  } else {
    start_request(st);
  }
}

// Whether `c` ends an authority: the path (or the query, the fragment) begins, or the target
// ends at SP; the request-target moves on.
bool authority_ends(State& st, uint8_t c) {
  if (c == '/' || c == '?' || c == '#') {
    st.req = State::Req::Path;
    return true;
  }
  if (c == ' ') {
    st.req = State::Req::Version;
    return true;
  }
  return false;
}

// One byte of the request line other than CR/LF. The request target is judged as it streams,
// so that no part of it goes unseen whatever its length: an authority (absolute-form after
// "scheme://", or authority-form for CONNECT) may hold a host, an IP literal in brackets and a
// port of digits; userinfo ("user:password@", RFC 9110 4.2.4 forbids sending it) is refused at
// the first byte that cannot be a port, and at an "@".
Decision request_byte(State& st, uint8_t c) {
  using R = State::Req;
  const bool sp = c == ' ';
  switch (st.req) {
    case R::Method:
      if (sp) {
        if (st.method_len == 0) return deny(Reason::MalformedHttp);
        st.connect = st.method_len == 7 && iequals(std::string_view(st.method, 7), "CONNECT");
        st.req = R::TargetStart;
        return kGo;
      }
      if (!is_tchar(c)) return deny(Reason::MalformedHttp);
      if (st.method_len < sizeof st.method) st.method[st.method_len] = static_cast<char>(c);
      if (st.method_len < 255) ++st.method_len;
      return kGo;
    case R::TargetStart:
      if (c == '/' || c == '*') {  // origin-form, asterisk-form: no authority
        st.req = R::Path;
        return kGo;
      }
      if (sp) return deny(Reason::MalformedHttp);
      if (c == '@') return deny(Reason::HttpBasicCleartext);
      st.req = c == '[' ? R::Literal : R::SchemeOrHost;
      return kGo;
    case R::SchemeOrHost:  // a scheme before "://", or the host of an authority-form target
      if (c == ':') {
        st.req = R::Slash1;
        return kGo;
      }
      if (c == '@') return deny(Reason::HttpBasicCleartext);
      authority_ends(st, c);
      return kGo;
    case R::Slash1:  // after "word:": "//" (a scheme) or digits (a port)
      if (c == '/') {
        st.req = R::Slash2;
        return kGo;
      }
      if (is_digit(c)) {
        st.req = R::Port;
        st.port_digits = 1;
        return kGo;
      }
      return deny(Reason::HttpBasicCleartext);  // "user:pass..." cannot be a port
    case R::Slash2:
      if (c != '/') return deny(Reason::MalformedHttp);
      st.req = R::Authority;
      return kGo;
    case R::Authority:
      if (c == '@') return deny(Reason::HttpBasicCleartext);
      if (c == '[') {
        st.req = R::Literal;
        return kGo;
      }
      if (c == ':') {
        st.req = R::Port;
        st.port_digits = 0;
        return kGo;
      }
      authority_ends(st, c);
      return kGo;
    case R::Literal:  // an IPv6 literal: colons inside brackets are not a port
      if (c == '@') return deny(Reason::HttpBasicCleartext);
      if (sp) return deny(Reason::MalformedHttp);
      if (c == ']') st.req = R::Authority;
      return kGo;
    case R::Port:
      if (is_digit(c)) {
        if (++st.port_digits > 5) return deny(Reason::HttpBasicCleartext);
        return kGo;
      }
      if (authority_ends(st, c)) return kGo;
      return deny(Reason::HttpBasicCleartext);  // ":digits" followed by more: userinfo
    case R::Path:
      if (sp) st.req = R::Version;
      return kGo;
    case R::Version:
      if (st.version_len == sizeof st.version) return deny(Reason::MalformedHttp);
      st.version[st.version_len++] = static_cast<char>(c);
      return kGo;
    case R::End:
      return deny(Reason::MalformedHttp);
  }
  return kGo;
}

// The request line ended (LF).
Decision request_done(State& st) {
  if (st.req != State::Req::Version) return deny(Reason::MalformedHttp);
  std::string_view v(st.version, st.version_len);
  // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3)
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(static_cast<uint8_t>(v[5])) ||
      v[6] != '.' || !is_digit(static_cast<uint8_t>(v[7])))
    return deny(Reason::MalformedHttp);
  return kGo;
}

// A complete framing field line (without CRLF), kept whole. Transfer-Encoding (RFC 9112 6.1,
// 6.3): the final coding must be chunked, or the length of a request cannot be known; the list
// may span several field lines.
Decision framing_line(State& st) {
  std::string_view l(st.line, st.kept);
  auto colon = l.find(':');
  auto name = l.substr(0, colon);
  auto value = trim_ows(l.substr(colon + 1));
  if (iequals(name, "CONTENT-LENGTH")) {
    const std::optional<uint64_t> v = content_length(value);
    if (!v) return deny(Reason::MalformedHttp);
    if (st.has_length && *v != st.length) return deny(Reason::MalformedHttp);  // smuggling
    st.has_length = true;
    st.length = *v;
    return kGo;
  }
  st.has_te = true;
  const std::optional<bool> chunked = final_coding_is_chunked(value);
  if (!chunked) return deny(Reason::MalformedHttp);
  st.chunked = *chunked;
  return kGo;
}

// One byte of a field line other than CR/LF (header or trailer section, RFC 9112 5).
Decision field_byte(State& st, uint8_t c) {
  if (!st.in_value) {
    if (c == ':') {
      if (st.kept == 0) return deny(Reason::MalformedHttp);  // empty field name
      std::string_view name(st.line, st.kept);
      st.in_value = true;
      st.auth_header = iequals(name, "AUTHORIZATION") ||
                       iequals(name, "PROXY-AUTHORIZATION");
      // Framing fields decide where the next request starts: only in the header section.
      st.framing_header = st.phase == State::Phase::Headers &&
                          (iequals(name, "CONTENT-LENGTH") ||
                           iequals(name, "TRANSFER-ENCODING"));
      return kGo;
    }
    // Field names are tokens; whitespace before the colon is an error (RFC 9112 5.1), and a
    // line that starts with whitespace is obsolete line folding (5.2).
    if (!is_tchar(c)) return deny(Reason::MalformedHttp);
    return kGo;
  }
  if (!st.auth_header || st.scheme_done) return kGo;
  // credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ] after OWS (RFC 9110 11.4, 5.6.3).
  if ((c == ' ' || c == '\t') && st.scheme_len == 0) return kGo;
  if (c == ' ' || c == '\t') {
    st.scheme_done = true;
    Reason r = judge_scheme(std::string_view(st.scheme, st.scheme_len));
    return r == Reason::Forwarded ? kGo : deny(r);
  }
  // A byte a lax server might skip or split on (VT, FF, NUL, obs-text, ','...): the scheme
  // cannot be classified, so the field is refused.
  if (!is_tchar(c) || st.scheme_len == kSchemeMax) return deny(Reason::HttpCleartextCredential);
  st.scheme[st.scheme_len++] = static_cast<char>(c);
  return kGo;
}

// The end of a field line (LF).
Decision field_done(State& st) {
  if (!st.in_value) return deny(Reason::MalformedHttp);  // no colon
  if (st.auth_header && !st.scheme_done && st.scheme_len > 0) {
    Reason r = judge_scheme(std::string_view(st.scheme, st.scheme_len));
    if (r != Reason::Forwarded) return deny(r);
  }
  if (st.framing_header) {
    if (st.line_len > kKeep) return deny(Reason::UnitTooLong);  // its value was not seen whole
    return framing_line(st);
  }
  return kGo;
}

// The end of the header section: where the body ends (RFC 9112 6.3).
void headers_done(State& st) {
  if (st.chunked) {
    st.phase = State::Phase::ChunkSize;
  } else if (st.has_length && st.length > 0) {
    st.phase = State::Phase::Body;
    st.left = st.length;
  } else {
    after_message(st);
    return;
  }
  start_line(st);
}

Decision chunk_size_done(State& st) {
  const std::optional<uint64_t> v = chunk_size(std::string_view(st.line, st.kept));
  if (!v) return deny(Reason::MalformedHttp);
  if (*v == 0) {
    st.phase = State::Phase::Trailers;
  } else {
    st.phase = State::Phase::ChunkData;
    st.left = *v;
  }
  start_line(st);
  return kGo;
}

// A complete line (LF seen) of a line-oriented phase.
Decision line_done(State& st) {
  switch (st.phase) {
    case State::Phase::RequestLine: {
      if (st.kept == 0 && st.req == State::Req::Method) {  // stray CRLF between requests
        start_line(st);
        return kGo;
      }
      Decision d = request_done(st);
      if (d.verdict == Verdict::Deny) return d;
      st.phase = State::Phase::Headers;
      start_line(st);
      return kGo;
    }
    case State::Phase::Headers:
    case State::Phase::Trailers: {
      if (st.kept == 0) {  // the empty line
        if (st.phase == State::Phase::Trailers) {
          after_message(st);
          return kGo;
        }
        if (st.has_te && !st.chunked) return deny(Reason::MalformedHttp);  // length unknowable
        if (st.has_length && st.has_te) return deny(Reason::MalformedHttp);  // RFC 9112 6.3
        headers_done(st);
        return kGo;
      }
      Decision d = field_done(st);
      if (d.verdict == Verdict::Deny) return d;
      start_line(st);
      return kGo;
    }
    case State::Phase::ChunkSize:
      return chunk_size_done(st);
    case State::Phase::ChunkCrlf:
      if (st.kept != 0) return deny(Reason::MalformedHttp);
      st.phase = State::Phase::ChunkSize;
      start_line(st);
      return kGo;
    default:
      return deny(Reason::MalformedHttp);
  }
}

Decision client_bytes(State& st, const uint8_t* p, size_t n, Context& ctx) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    switch (st.phase) {
      case State::Phase::AwaitConnect:
        // Bytes before the proxy's answer to CONNECT: pipelined into the tunnel unseen.
        return deny(Reason::StarttlsInjection);
      case State::Phase::Tunnel:
        return tls::on_data(st.tls, Dir::ToServer, std::as_bytes(std::span(p + i, n - i)), ctx);
      case State::Phase::Body:
      case State::Phase::ChunkData: {
        uint64_t k = std::min<uint64_t>(st.left, n - i);
        st.left -= k;
        i += static_cast<size_t>(k) - 1;
        if (st.left == 0) {
          if (st.phase == State::Phase::Body) {
            after_message(st);
          } else {
            st.phase = State::Phase::ChunkCrlf;
            start_line(st);
          }
        }
        continue;
      }
      default:
        break;
    }
    // Line-oriented phases: every byte is judged as it comes, whatever the line's length.
    if (++st.line_len > kMaxLine) return deny(Reason::LineTooLong);
    if (st.cr && c != '\n') return deny(Reason::MalformedHttp);  // a bare CR (RFC 9112 2.2)
    st.cr = c == '\r';
    if (c == '\r') continue;
    if (c == '\n') {
      Decision d = line_done(st);
      if (d.verdict == Verdict::Deny) return d;
      continue;
    }
    Decision d = kGo;
    if (st.phase == State::Phase::RequestLine) {
      d = request_byte(st, c);
    } else if (st.phase == State::Phase::Headers || st.phase == State::Phase::Trailers) {
      if (st.line_len == 1 && (c == ' ' || c == '\t')) return deny(Reason::MalformedHttp);
      d = field_byte(st, c);
    }
    if (d.verdict == Verdict::Deny) return d;
    if (st.kept < kKeep) st.line[st.kept++] = static_cast<char>(c);
  }
  return cont(n);
}

Decision server_bytes(State& st, const uint8_t* p, size_t n, Context& ctx) {
  if (st.phase == State::Phase::Tunnel)
    return tls::on_data(st.tls, Dir::ToClient, std::as_bytes(std::span(p, n)), ctx);
  if (st.phase != State::Phase::AwaitConnect) return cont(n);  // responses carry no credential
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    if (++st.rline_len > kMaxLine) return deny(Reason::LineTooLong);
    if (c != '\n') {
      if (c != '\r' && st.rkept < sizeof st.rline) st.rline[st.rkept++] = static_cast<char>(c);
      continue;
    }
    std::string_view l(st.rline, st.rkept);
    st.rkept = 0;
    st.rline_len = 0;
    if (!st.rstatus_seen) {
      st.rstatus_seen = true;
      st.rok = l.size() >= 12 && l.substr(0, 5) == "HTTP/" && l[9] == '2';
      continue;
    }
    if (!l.empty()) continue;
    if (!st.rok) {
      start_request(st);  // refused: the client may try again in clear HTTP
      return cont(n);
    }
    // The tunnel must carry TLS: the proxy's bytes after its answer come from the target.
    st.phase = State::Phase::Tunnel;
    tls::start(st.tls);
    st.tls.server_first = Reason::StarttlsInjection;
    if (i + 1 < n)
      return tls::on_data(st.tls, Dir::ToClient, std::as_bytes(std::span(p + i + 1, n - i - 1)), ctx);
    return cont(n);
  }
  return cont(n);
}

}  // namespace

FlowState* HttpInspector::open(FlowArena& a) const {
  static_assert(sizeof(State) <= FlowArena::kBlockSize);
  State* s = a.make<State>();
  if (!s) return nullptr;
  start_request(*s);
  s->cr = false;
  s->denied = Reason::Forwarded;
  tls::start(s->tls);
  return s;
}

void HttpInspector::close(FlowState* s, FlowArena& a, Context& ctx) const {
  if (s) tls::release(static_cast<State*>(s)->tls, ctx);
  a.release(s);
}

Decision HttpInspector::on_data(FlowState& fs, Dir d, std::span<const std::byte> in,
                                Context& ctx) const {
  State& st = static_cast<State&>(fs);
  if (st.denied != Reason::Forwarded) return deny(st.denied);  // a deny is final
  if (ctx.service && ctx.service->plaintext_auth && st.phase != State::Phase::Tunnel)
    return cont(in.size());  // the admin allowed clear-text credentials on this service
  auto* p = reinterpret_cast<const uint8_t*>(in.data());
  Decision dec = d == Dir::ToServer ? client_bytes(st, p, in.size(), ctx)
                                    : server_bytes(st, p, in.size(), ctx);
  if (dec.verdict == Verdict::Deny) st.denied = dec.reason;
  return dec;
}

// Streaming: request and field lines up to kMaxLine, no message buffer.
const Requirements& HttpInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {80, 8080};
  static constexpr Requirements kRequirements{Requirements::Transport::Stream, false, kMaxLine, 0, kPorts};
  return kRequirements;
}

}  // namespace pw::proto::http
