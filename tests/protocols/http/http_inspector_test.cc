#include "protocols/http/http_inspector.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/compiled_policy.h"

namespace pw::proto::http {
namespace {

class Flow {
 public:
  Flow() : arena_(1) {
    ctx_.service = &svc;
    ctx_.buffers = &pool_;
    st_ = insp_.open(arena_);
  }
  ~Flow() { insp_.close(st_, arena_, ctx_); }
  Decision send(Dir d, const std::string& s, size_t chunk = 0) {
    Decision last{};
    size_t step = chunk ? chunk : std::max<size_t>(s.size(), 1);
    for (size_t off = 0; off < s.size(); off += step) {
      auto part = std::string_view(s).substr(off, step);
      last = insp_.on_data(*st_, d, std::as_bytes(std::span(part.data(), part.size())), ctx_);
      at_ = off;
      if (last.verdict != Verdict::Continue) return last;
    }
    return last;
  }
  Decision c(const std::string& s, size_t chunk = 0) { return send(Dir::ToServer, s, chunk); }
  Decision s(const std::string& x) { return send(Dir::ToClient, x); }
  size_t at() const { return at_; }
  policy::CompiledService svc;

 private:
  HttpInspector insp_;
  FlowArena arena_;
  BufferPool pool_{1, 64 << 10};
  Context ctx_;
  FlowState* st_;
  size_t at_ = 0;
};

Reason why(const Decision& d) { return d.verdict == Verdict::Deny ? d.reason : Reason::Forwarded; }

TEST(Http, BasicIsDeniedBeforeTheCredential) {
  const std::string req = "PUT /scan/1.pdf HTTP/1.1\r\nHost: files\r\nAuthorization: Basic Ym9iOnNlY3JldA==\r\n\r\n";
  Flow f;
  EXPECT_EQ(why(f.c(req, 1)), Reason::HttpBasicCleartext);
  EXPECT_EQ(f.at(), req.find("Basic") + 5);  // the byte after the scheme: no token byte sent
  for (std::string h : {"authorization: basic x", "Proxy-Authorization: Basic x",
                        "AUTHORIZATION:\tBASIC x", "Authorization:Basic x"}) {
    Flow g;
    EXPECT_EQ(why(g.c("GET / HTTP/1.1\r\n" + h + "\r\n\r\n")), Reason::HttpBasicCleartext) << h;
  }
}

TEST(Http, OtherSchemesPass) {
  Flow f;
  EXPECT_EQ(why(f.c("GET / HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\n"
                    "GET /b HTTP/1.1\r\nAuthorization: Digest username=\"x\"\r\n\r\n"
                    "GET /c HTTP/1.1\r\nAuthorization: Basicish x\r\n\r\n")),
            Reason::Forwarded);
  EXPECT_EQ(why(f.s("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n")),
            Reason::Forwarded);
}

TEST(Http, PasswordInTheTarget) {
  Flow f;
  EXPECT_EQ(why(f.c("GET http://bob:secret@files.test/x HTTP/1.1\r\n\r\n")),
            Reason::HttpBasicCleartext);
  Flow g;
  EXPECT_EQ(why(g.c("GET http://bob@files.test/x HTTP/1.1\r\n\r\n")), Reason::Forwarded);
}

TEST(Http, BodiesAreSkippedAndTheNextRequestSeen) {
  Flow f;
  std::string body(5000, 'A');
  body.replace(100, 30, "Authorization: Basic in body ");
  EXPECT_EQ(why(f.c("PUT /a HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + body, 97)),
            Reason::Forwarded);
  EXPECT_EQ(why(f.c("POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n1a;ext=1\r\nAuthorization: Basic xxxxx\r\n0\r\n\r\n")),
            Reason::Forwarded);
  EXPECT_EQ(why(f.c("GET /c HTTP/1.1\r\nAuthorization: Basic Ym9i\r\n\r\n")),
            Reason::HttpBasicCleartext);
}

TEST(Http, AmbiguousFramingIsMalformed) {
  for (std::string r : {"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n",
                        "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
                        "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
                        "GET /\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
                        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    Flow f;
    EXPECT_EQ(why(f.c(r)), Reason::MalformedHttp) << r;
  }
  Flow f;
  EXPECT_EQ(why(f.c("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n")), Reason::LineTooLong);
}

TEST(Http, ConnectTunnelMustBeTls) {
  Flow f;
  EXPECT_EQ(why(f.c("CONNECT files.test:443 HTTP/1.1\r\nHost: files.test:443\r\n\r\n")),
            Reason::Forwarded);
  EXPECT_EQ(why(f.s("HTTP/1.1 200 Connection established\r\n\r\n")), Reason::Forwarded);
  EXPECT_EQ(why(f.c("GET / HTTP/1.1\r\nAuthorization: Basic x\r\n\r\n")), Reason::NonTlsOnTlsPort);
  Flow g;
  g.c("CONNECT files.test:443 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(why(g.c("early")), Reason::StarttlsInjection);
}

TEST(Http, PlaintextAllowedByTheAdmin) {
  Flow f;
  f.svc.plaintext_auth = true;
  EXPECT_EQ(why(f.c("GET / HTTP/1.1\r\nAuthorization: Basic x\r\n\r\n")), Reason::Forwarded);
}

}  // namespace
}  // namespace pw::proto::http
