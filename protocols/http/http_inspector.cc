#include "protocols/http/http_inspector.h"

#include <algorithm>
#include <string_view>

#include "policy/compiled_policy.h"
#include "protocols/line/line.h"

namespace pw::proto::http {

namespace {

constexpr size_t kMaxLine = 8192;
constexpr size_t kKeep = 256;

Decision deny(Reason r) { return {Verdict::Deny, 0, r}; }
Decision cont(size_t n) { return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded}; }

struct State : FlowState {
  enum class Phase : uint8_t { RequestLine, Headers, Body, ChunkSize, ChunkData, ChunkCrlf,
                               Trailers, AwaitConnect, Tunnel };
  Phase phase;
  char line[kKeep];  // the start of the current line
  uint16_t kept;
  uint32_t line_len;
  // Header being read: its name ends at ':'; the Authorization scheme is judged as it completes.
  bool in_value;
  bool auth_header;
  uint8_t scheme_len;
  char scheme[8];
  bool scheme_done;
  bool chunked;
  bool has_length;
  bool connect;
  uint64_t length;
  uint64_t left;
  // Response side, only while a CONNECT waits for its answer.
  char rline[64];
  uint8_t rkept;
  bool rstatus_seen;
  bool rok;
  tls::TlsFlow tls;
};

bool is_tchar(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A password in the request target's authority: scheme "://" userinfo ":" password "@".
bool target_has_password(std::string_view t) {
  auto s = t.find("://");
  if (s == std::string_view::npos) return false;
  auto auth = t.substr(s + 3);
  auto end = auth.find_first_of("/?#");
  auth = auth.substr(0, end);
  auto at = auth.rfind('@');
  return at != std::string_view::npos && auth.substr(0, at).find(':') != std::string_view::npos;
}

Decision request_line(State& st) {
  std::string_view l(st.line, st.kept);
  if (st.line_len > kKeep) {
    // The target is longer than what is kept: check what we have (the authority comes first).
    if (target_has_password(l)) return deny(Reason::HttpBasicCleartext);
  }
  auto sp1 = l.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return deny(Reason::MalformedHttp);
  for (size_t i = 0; i < sp1; ++i)
    if (!is_tchar(static_cast<uint8_t>(l[i]))) return deny(Reason::MalformedHttp);
  auto rest = l.substr(sp1 + 1);
  auto sp2 = rest.find(' ');
  auto target = rest.substr(0, sp2);
  if (target_has_password(target)) return deny(Reason::HttpBasicCleartext);
  if (st.line_len <= kKeep &&
      (sp2 == std::string_view::npos || rest.substr(sp2 + 1).substr(0, 5) != "HTTP/"))
    return deny(Reason::MalformedHttp);
  st.connect = line::iequals(l.substr(0, sp1), "CONNECT");
  st.chunked = false;
  st.has_length = false;
  st.length = 0;
  return cont(0);
}

// A complete header line (without CRLF).
Decision header_line(State& st) {
  std::string_view l(st.line, st.kept);
  auto colon = l.find(':');
  if (colon == std::string_view::npos || colon == 0) return deny(Reason::MalformedHttp);
  auto name = l.substr(0, colon);
  auto value = l.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (line::iequals(name, "CONTENT-LENGTH")) {
    uint64_t v = 0;
    if (value.empty() || value.size() > 15) return deny(Reason::MalformedHttp);
    for (char c : value) {
      if (c < '0' || c > '9') return deny(Reason::MalformedHttp);
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (st.has_length && v != st.length) return deny(Reason::MalformedHttp);  // smuggling
    st.has_length = true;
    st.length = v;
  } else if (line::iequals(name, "TRANSFER-ENCODING")) {
    if (line::icontains(value, "CHUNKED")) st.chunked = true;
  }
  if (st.has_length && st.chunked) return deny(Reason::MalformedHttp);  // RFC 9112 6.3
  return cont(0);
}

// Judges the Authorization scheme as soon as it is complete.
Decision header_byte(State& st, uint8_t c) {
  if (!st.in_value) {
    if (c == ':') {
      std::string_view name(st.line, st.kept);
      st.in_value = true;
      st.auth_header = line::iequals(name, "AUTHORIZATION") ||
                       line::iequals(name, "PROXY-AUTHORIZATION");
      st.scheme_len = 0;
      st.scheme_done = false;
    } else if (!is_tchar(c) && c != '\r' && c != '\n') {
      return deny(Reason::MalformedHttp);
    }
    return cont(0);
  }
  if (!st.auth_header || st.scheme_done) return cont(0);
  if ((c == ' ' || c == '\t') && st.scheme_len == 0) return cont(0);  // leading whitespace
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
    st.scheme_done = true;
    if (line::iequals(std::string_view(st.scheme, st.scheme_len), "BASIC"))
      return deny(Reason::HttpBasicCleartext);
    return cont(0);
  }
  if (st.scheme_len < sizeof st.scheme) {
    st.scheme[st.scheme_len++] = static_cast<char>(c);
  } else {
    st.scheme_done = true;  // longer than "Basic": another scheme
  }
  return cont(0);
}

void start_line(State& st) {
  st.kept = 0;
  st.line_len = 0;
  st.in_value = false;
  st.auth_header = false;
  st.scheme_done = false;
  st.scheme_len = 0;
}

void after_message(State& st) {
  if (st.connect) {
    st.phase = State::Phase::AwaitConnect;
    st.rkept = 0;
    st.rstatus_seen = false;
  } else {
    st.phase = State::Phase::RequestLine;
  }
  start_line(st);
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
      case State::Phase::Body: {
        uint64_t k = std::min<uint64_t>(st.left, n - i);
        st.left -= k;
        i += static_cast<size_t>(k) - 1;
        if (st.left == 0) after_message(st);
        continue;
      }
      case State::Phase::ChunkData: {
        uint64_t k = std::min<uint64_t>(st.left, n - i);
        st.left -= k;
        i += static_cast<size_t>(k) - 1;
        if (st.left == 0) {
          st.phase = State::Phase::ChunkCrlf;
          start_line(st);
        }
        continue;
      }
      default:
        break;
    }
    // Line-oriented phases.
    ++st.line_len;
    if (st.line_len > kMaxLine) return deny(Reason::LineTooLong);
    if (c != '\n') {
      if (st.phase == State::Phase::Headers) {
        if (st.line_len == 1 && (c == ' ' || c == '\t')) return deny(Reason::MalformedHttp);
        Decision d = header_byte(st, c);
        if (d.verdict == Verdict::Deny) return d;
      }
      if (c != '\r' && st.kept < kKeep) st.line[st.kept++] = static_cast<char>(c);
      continue;
    }
    // End of a line.
    if (st.phase == State::Phase::Headers) {
      Decision d = header_byte(st, c);
      if (d.verdict == Verdict::Deny) return d;
    }
    switch (st.phase) {
      case State::Phase::RequestLine: {
        if (st.kept == 0) {  // stray CRLF between requests (RFC 9112 2.2)
          start_line(st);
          continue;
        }
        Decision d = request_line(st);
        if (d.verdict == Verdict::Deny) return d;
        st.phase = State::Phase::Headers;
        break;
      }
      case State::Phase::Headers: {
        if (st.kept == 0) {  // end of the header section
          if (st.chunked) {
            st.phase = State::Phase::ChunkSize;
          } else if (st.has_length && st.length > 0) {
            st.phase = State::Phase::Body;
            st.left = st.length;
          } else {
            after_message(st);
            continue;
          }
          break;
        }
        Decision d = header_line(st);
        if (d.verdict == Verdict::Deny) return d;
        break;
      }
      case State::Phase::ChunkSize: {
        uint64_t v = 0;
        size_t k = 0;
        for (; k < st.kept; ++k) {
          char h = st.line[k];
          int x = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
          if (x < 0) break;
          if (k >= 15) return deny(Reason::MalformedHttp);
          v = v * 16 + static_cast<uint64_t>(x);
        }
        if (k == 0 || (k < st.kept && st.line[k] != ';' && st.line[k] != ' '))
          return deny(Reason::MalformedHttp);
        if (v == 0) {
          st.phase = State::Phase::Trailers;
        } else {
          st.phase = State::Phase::ChunkData;
          st.left = v;
        }
        break;
      }
      case State::Phase::ChunkCrlf:
        if (st.kept != 0) return deny(Reason::MalformedHttp);
        st.phase = State::Phase::ChunkSize;
        break;
      case State::Phase::Trailers:
        if (st.kept == 0) {
          after_message(st);
          continue;
        }
        break;
      default:
        break;
    }
    start_line(st);
  }
  return cont(n);
}

Decision server_bytes(State& st, const uint8_t* p, size_t n, Context& ctx) {
  if (st.phase == State::Phase::Tunnel)
    return tls::on_data(st.tls, Dir::ToClient, std::as_bytes(std::span(p, n)), ctx);
  if (st.phase != State::Phase::AwaitConnect) return cont(n);  // responses carry no credential
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    if (c != '\n') {
      if (c != '\r' && st.rkept < sizeof st.rline) st.rline[st.rkept++] = static_cast<char>(c);
      continue;
    }
    std::string_view l(st.rline, st.rkept);
    if (!st.rstatus_seen) {
      st.rstatus_seen = true;
      st.rok = l.size() >= 12 && l.substr(0, 5) == "HTTP/" && l[9] == '2';
    } else if (l.empty()) {
      if (!st.rok) {
        after_message(st);
        st.phase = State::Phase::RequestLine;
      } else {
        // The tunnel must carry TLS: the proxy's bytes after its answer come from the target.
        st.phase = State::Phase::Tunnel;
        tls::start(st.tls);
        if (i + 1 < n)
          return tls::on_data(st.tls, Dir::ToClient, std::as_bytes(std::span(p + i + 1, n - i - 1)), ctx);
      }
      return cont(n);
    }
    st.rkept = 0;
  }
  return cont(n);
}

}  // namespace

FlowState* HttpInspector::open(FlowArena& a) const {
  static_assert(sizeof(State) <= FlowArena::kBlockSize);
  State* s = a.make<State>();
  if (s) tls::start(s->tls);
  return s;
}

void HttpInspector::close(FlowState* s, FlowArena& a, Context& ctx) const {
  if (s) tls::release(static_cast<State*>(s)->tls, ctx);
  a.release(s);
}

Decision HttpInspector::on_data(FlowState& fs, Dir d, std::span<const std::byte> in,
                                Context& ctx) const {
  State& st = static_cast<State&>(fs);
  if (ctx.service && ctx.service->plaintext_auth && st.phase != State::Phase::Tunnel)
    return cont(in.size());  // the admin allowed clear-text credentials on this service
  auto* p = reinterpret_cast<const uint8_t*>(in.data());
  return d == Dir::ToServer ? client_bytes(st, p, in.size(), ctx)
                            : server_bytes(st, p, in.size(), ctx);
}

}  // namespace pw::proto::http
