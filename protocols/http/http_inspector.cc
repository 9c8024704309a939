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
  bool clear_ok;  // the service allows clear-text credentials (plaintext-auth allow)
  // Requests whose answers are still to come, oldest at bit 0: whether each carried
  // Authorization, Proxy-Authorization, was a HEAD (no body in its answer) or a CONNECT.
  uint8_t pending;
  bool req_auth, req_proxy_auth;  // the request being read carries them
  uint64_t pend_auth, pend_proxy, pend_head, pend_connect;
  // Response side (RFC 9112 4, 6.3): where the next status line starts, and its status. A 401
  // answering a request with Authorization (407: Proxy-Authorization) is a failed login.
  enum class RPhase : uint8_t { Status, Headers, Body, ChunkSize, ChunkData, ChunkCrlf, Trailers,
                                UntilClose };
  RPhase rphase;
  char rline[96];  // a status line's start, a framing field line whole
  uint8_t rkept;
  uint32_t rline_len;
  bool rcr;
  bool rframing;  // the field line is Content-Length or Transfer-Encoding
  uint16_t rstatus;
  bool rchunked, rhas_te, rhas_length;
  uint64_t rlength, rleft;
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
  st.req_auth = st.req_proxy_auth = false;
  st.length = 0;
  start_line(st);
}

void start_response_line(State& st) {
  st.rkept = 0;
  st.rline_len = 0;
  st.rframing = false;
}

void start_response(State& st) {
  st.rphase = State::RPhase::Status;
  st.rchunked = st.rhas_te = st.rhas_length = false;
  st.rlength = 0;
  start_response_line(st);
}

constexpr uint8_t kMaxPending = 64;  // the bit queues' width

// The request's header section ended: its answer is awaited (pipelined requests queue up).
Decision push_request(State& st) {
  if (st.pending == kMaxPending) return deny(Reason::MalformedHttp);  // as IPP: no client waits so
  const uint64_t bit = uint64_t{1} << st.pending;
  const bool head = st.method_len == 4 && iequals(std::string_view(st.method, 4), "HEAD");
  if (st.req_auth) st.pend_auth |= bit;
  if (st.req_proxy_auth) st.pend_proxy |= bit;
  if (head) st.pend_head |= bit;
  if (st.connect) st.pend_connect |= bit;
  ++st.pending;
  return kGo;
}

struct Answered {
  bool auth, proxy, head, connect;
};

// A final answer: the oldest request leaves the queue. An answer without a request (a server's
// 408 before it closes) answers nothing.
Answered pop_request(State& st) {
  if (st.pending == 0) return {};
  Answered a{(st.pend_auth & 1) != 0, (st.pend_proxy & 1) != 0, (st.pend_head & 1) != 0,
             (st.pend_connect & 1) != 0};
  st.pend_auth >>= 1;
  st.pend_proxy >>= 1;
  st.pend_head >>= 1;
  st.pend_connect >>= 1;
  --st.pending;
  return a;
}

void after_message(State& st) {
  if (st.connect) {
    st.phase = State::Phase::AwaitConnect;
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

// A userinfo ("user:password@") in the request target: refused, unless the service allows
// clear-text credentials; then the rest of the target is read without judging it.
Decision userinfo(State& st) {
  if (!st.clear_ok) return deny(Reason::HttpBasicCleartext);
  st.req = State::Req::Path;
  return kGo;
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
      if (c == '@') return userinfo(st);
      st.req = c == '[' ? R::Literal : R::SchemeOrHost;
      return kGo;
    case R::SchemeOrHost:  // a scheme before "://", or the host of an authority-form target
      if (c == ':') {
        st.req = R::Slash1;
        return kGo;
      }
      if (c == '@') return userinfo(st);
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
      return userinfo(st);  // "user:pass..." cannot be a port
    case R::Slash2:
      if (c != '/') return deny(Reason::MalformedHttp);
      st.req = R::Authority;
      return kGo;
    case R::Authority:
      if (c == '@') return userinfo(st);
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
      if (c == '@') return userinfo(st);
      if (sp) return deny(Reason::MalformedHttp);
      if (c == ']') st.req = R::Authority;
      return kGo;
    case R::Port:
      if (is_digit(c)) {
        if (++st.port_digits > 5) return userinfo(st);
        return kGo;
      }
      if (authority_ends(st, c)) return kGo;
      return userinfo(st);  // ":digits" followed by more: userinfo
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
      const bool auth = iequals(name, "AUTHORIZATION");
      const bool proxy_auth = iequals(name, "PROXY-AUTHORIZATION");
      if (st.phase == State::Phase::Headers) {
        st.req_auth |= auth;
        st.req_proxy_auth |= proxy_auth;
      }
      // With clear-text credentials allowed, the scheme is not judged (the framing still is).
      st.auth_header = (auth || proxy_auth) && !st.clear_ok;
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
  if (st.connect) {  // its body, if any, would be tunnel bytes: the answer comes first
    after_message(st);
    return;
  }
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
        Decision d = push_request(st);
        if (d.verdict == Verdict::Deny) return d;
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

// The status line (RFC 9112 4): HTTP-version SP 3DIGIT SP [reason-phrase].
bool status_line(State& st) {
  const std::string_view l(st.rline, st.rkept);
  auto digit = [&](size_t k) { return is_digit(static_cast<uint8_t>(l[k])); };
  if (l.size() < 12 || l.substr(0, 5) != "HTTP/" || !digit(5) || l[6] != '.' || !digit(7) ||
      l[8] != ' ' || !digit(9) || !digit(10) || !digit(11) || (l.size() > 12 && l[12] != ' '))
    return false;
  st.rstatus = static_cast<uint16_t>((l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0'));
  return true;
}

// A response field line, ended (without CRLF): only the framing fields matter.
Decision response_field(State& st, bool truncated) {
  const std::string_view l(st.rline, st.rkept);
  const size_t colon = l.find(':');
  if (colon == std::string_view::npos) {
    if (truncated) return kGo;  // a name longer than the kept part: not a framing field
    return deny(Reason::MalformedHttp);
  }
  const std::string_view name = l.substr(0, colon);
  const bool length = iequals(name, "CONTENT-LENGTH");
  if (!length && !iequals(name, "TRANSFER-ENCODING")) return kGo;
  if (st.rphase != State::RPhase::Headers) return kGo;  // trailers frame nothing
  if (truncated) return deny(Reason::UnitTooLong);  // its value was not seen whole
  const std::string_view value = trim_ows(l.substr(colon + 1));
  if (length) {
    const std::optional<uint64_t> v = content_length(value);
    if (!v || (st.rhas_length && *v != st.rlength)) return deny(Reason::MalformedHttp);
    st.rhas_length = true;
    st.rlength = *v;
    return kGo;
  }
  st.rhas_te = true;
  const std::optional<bool> chunked = final_coding_is_chunked(value);
  if (!chunked) return deny(Reason::MalformedHttp);
  st.rchunked = *chunked;
  return kGo;
}

// The end of a response's header section: a failed login is counted, the answered request
// leaves the queue, and the body's end is found (RFC 9112 6.3).
Decision response_headers_done(State& st, Context& ctx) {
  if (st.rhas_length && st.rhas_te) return deny(Reason::MalformedHttp);
  if (st.rstatus < 200 && st.rstatus != 101) {  // interim (100 Continue): the final one follows
    start_response(st);
    return kGo;
  }
  const Answered a = pop_request(st);
  if ((st.rstatus == 401 && a.auth) || (st.rstatus == 407 && a.proxy)) ctx.count(Reason::AuthFailed);
  if (st.rstatus == 101) {  // the connection leaves HTTP/1.1 (RFC 9110 15.2.2)
    st.rphase = State::RPhase::UntilClose;
    return kGo;
  }
  if (a.connect) {
    if (st.rstatus < 300) {
      // The tunnel must carry TLS: the proxy's bytes after its answer come from the target.
      st.phase = State::Phase::Tunnel;
      tls::start(st.tls);
      st.tls.server_first = Reason::StarttlsInjection;
      return kGo;
    }
    start_request(st);  // refused: the client may try again
  }
  if (a.head || st.rstatus == 204 || st.rstatus == 304 || (st.rhas_length && st.rlength == 0 && !st.rhas_te)) {
    start_response(st);
  } else if (st.rchunked) {
    st.rphase = State::RPhase::ChunkSize;
    start_response_line(st);
  } else if (st.rhas_length) {
    st.rphase = State::RPhase::Body;
    st.rleft = st.rlength;
  } else {
    st.rphase = State::RPhase::UntilClose;  // framed by the end of the connection
  }
  return kGo;
}

// A complete response line (LF seen).
Decision response_line_done(State& st, Context& ctx) {
  const bool truncated = st.rline_len > st.rkept + 2u;  // more than the kept part and CRLF
  using R = State::RPhase;
  Decision d = kGo;
  switch (st.rphase) {
    case R::Status:
      if (st.rkept == 0 && st.rline_len <= 2) break;  // stray CRLF between responses
      if (!status_line(st)) return deny(Reason::MalformedHttp);
      st.rphase = R::Headers;
      break;
    case R::Headers:
      if (st.rkept == 0) {
        d = response_headers_done(st, ctx);
        if (d.verdict == Verdict::Deny || st.phase == State::Phase::Tunnel) return d;
        break;
      }
      d = response_field(st, truncated);
      break;
    case R::Trailers:
      if (st.rkept == 0) {
        start_response(st);
        return kGo;
      }
      d = response_field(st, truncated);
      break;
    case R::ChunkSize: {
      const std::optional<uint64_t> v = truncated ? std::nullopt : chunk_size(std::string_view(st.rline, st.rkept));
      if (!v) return deny(Reason::MalformedHttp);
      st.rphase = *v == 0 ? R::Trailers : R::ChunkData;
      st.rleft = *v;
      break;
    }
    case R::ChunkCrlf:
      if (st.rkept != 0) return deny(Reason::MalformedHttp);
      st.rphase = R::ChunkSize;
      break;
    default:
      return deny(Reason::MalformedHttp);
  }
  if (d.verdict == Verdict::Deny) return d;
  start_response_line(st);
  return kGo;
}

// The server's bytes: responses read for their framing and status (credentials travel the
// other way), then, after a CONNECT's 2xx, the tunnel's TLS.
Decision server_bytes(State& st, const uint8_t* p, size_t n, Context& ctx) {
  using R = State::RPhase;
  for (size_t i = 0; i < n; ++i) {
    if (st.phase == State::Phase::Tunnel)
      return tls::on_data(st.tls, Dir::ToClient, std::as_bytes(std::span(p + i, n - i)), ctx);
    if (st.rphase == R::UntilClose) return cont(n);
    if (st.rphase == R::Body || st.rphase == R::ChunkData) {
      const uint64_t k = std::min<uint64_t>(st.rleft, n - i);
      st.rleft -= k;
      i += static_cast<size_t>(k) - 1;
      if (st.rleft == 0) {
        if (st.rphase == R::Body) {
          start_response(st);
        } else {
          st.rphase = R::ChunkCrlf;
          start_response_line(st);
        }
      }
      continue;
    }
    const uint8_t c = p[i];
    if (++st.rline_len > kMaxLine) return deny(Reason::LineTooLong);
    if (st.rcr && c != '\n') return deny(Reason::MalformedHttp);  // a bare CR (RFC 9112 2.2)
    st.rcr = c == '\r';
    if (c == '\r') continue;
    if (c == '\n') {
      const Decision d = response_line_done(st, ctx);
      if (d.verdict == Verdict::Deny) return d;
      if (st.phase == State::Phase::Tunnel && i + 1 < n)
        return tls::on_data(st.tls, Dir::ToClient, std::as_bytes(std::span(p + i + 1, n - i - 1)), ctx);
      if (st.phase == State::Phase::Tunnel) return cont(n);
      continue;
    }
    if (st.rkept < sizeof st.rline) st.rline[st.rkept++] = static_cast<char>(c);
  }
  return cont(n);
}

}  // namespace

FlowState* HttpInspector::open(FlowArena& a) const {
  static_assert(sizeof(State) <= FlowArena::kBlockSize);
  State* s = a.make<State>();
  if (!s) return nullptr;
  start_request(*s);
  start_response(*s);
  s->cr = s->rcr = false;
  s->clear_ok = false;
  s->pending = 0;
  s->pend_auth = s->pend_proxy = s->pend_head = s->pend_connect = 0;
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
  // The admin allowed clear-text credentials on this service: schemes and userinfo are not
  // judged; the messages are still read (framing, failed logins).
  st.clear_ok = ctx.service && ctx.service->plaintext_auth;
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
