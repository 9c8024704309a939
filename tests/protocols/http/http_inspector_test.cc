#include "protocols/http/http_inspector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/inspector_config.h"
#include "tests/support/inspector_driver.h"

namespace pw::proto::http {
namespace {

using testing::why;

const HttpInspector kHttp;

// One HTTP flow (tests/support/inspector_driver.h).
class Flow : public testing::InspectorDriver {
 public:
  Flow() : InspectorDriver(kHttp, 1, 64 << 10) {}
};


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

TEST(Http, ChallengeResponseSchemesPass) {
  Flow f;
  EXPECT_EQ(why(f.c("GET / HTTP/1.1\r\nAuthorization: Digest username=\"x\", nonce=\"y\"\r\n\r\n"
                    "GET /b HTTP/1.1\r\nProxy-Authorization: NTLM TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAA\r\n\r\n"
                    "GET /c HTTP/1.1\r\nAuthorization: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag\r\n\r\n"
                    "GET /d HTTP/1.1\r\nauthorization: scram-sha-256 data=biwsbj11c2VyLHI9\r\n\r\n"
                    "GET /e HTTP/1.1\r\nAuthorization:\r\n\r\n")),
            Reason::Forwarded);
  EXPECT_EQ(why(f.s("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n")),
            Reason::Forwarded);
}

// RFC 9110 11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]. A bearer token is
// a credential in clear text; a scheme the gateway does not know, or one split or wrapped by a
// byte that is not a token character, is something a lax server might read as Basic: refused.
TEST(Http, SchemesThatCannotBeClassifiedAreRefused) {
  struct Case {
    std::string header;
    Reason want;
  };
  for (const Case& c : std::vector<Case>{
           {"Authorization: Bearer eyJhbGciOi", Reason::HttpCleartextCredential},
           {"Authorization: Basicish x", Reason::HttpCleartextCredential},
           {"Authorization: \vBasic Ym9iOnNlY3JldA==", Reason::HttpCleartextCredential},
           {"Authorization: \fBasic Ym9iOnNlY3JldA==", Reason::HttpCleartextCredential},
           {"Authorization: Ba\vsic Ym9iOnNlY3JldA==", Reason::HttpCleartextCredential},
           {"Authorization: Basic\vYm9iOnNlY3JldA==", Reason::HttpCleartextCredential},
           {"Authorization: Basic\fYm9iOnNlY3JldA==", Reason::HttpCleartextCredential},
           {std::string("Authorization: Ba\0sic Ym9i", 26), Reason::HttpCleartextCredential},
           {"Authorization: \xa0" "Basic Ym9i", Reason::HttpCleartextCredential},
           {"Authorization: ,Basic Ym9i", Reason::HttpCleartextCredential},
           {"Authorization: " + std::string(40, 'B') + " x", Reason::HttpCleartextCredential},
           {"Authorization: Basic\tYm9iOnNlY3JldA==", Reason::HttpBasicCleartext},
           {"Authorization: Basic", Reason::HttpBasicCleartext},  // scheme alone, ends at CRLF
           {"Authorization : Basic Ym9i", Reason::MalformedHttp},  // space before the colon
           {"Authorization\v: Basic Ym9i", Reason::MalformedHttp},
       }) {
    for (size_t chunk : {0, 1, 3}) {
      Flow f;
      EXPECT_EQ(why(f.c("GET / HTTP/1.1\r\nHost: p\r\n" + c.header + "\r\n\r\n", chunk)), c.want)
          << c.header << " / " << chunk;
    }
  }
}

TEST(Http, CredentialsInTrailersAreJudgedToo) {
  Flow f;
  EXPECT_EQ(why(f.c("POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n0\r\nAuthorization: Basic Ym9iOnNlY3JldA==\r\n\r\n")),
            Reason::HttpBasicCleartext);
}

TEST(Http, PasswordInTheTarget) {
  Flow f;
  EXPECT_EQ(why(f.c("GET http://bob:secret@files.test/x HTTP/1.1\r\n\r\n")),
            Reason::HttpBasicCleartext);
  // Refused at the first byte that cannot be a port: "s", before the rest of the password.
  Flow one;
  const std::string req = "GET http://bob:secret@files.test/x HTTP/1.1\r\n\r\n";
  EXPECT_EQ(why(one.c(req, 1)), Reason::HttpBasicCleartext);
  EXPECT_EQ(one.at(), req.find("secret"));
  // Userinfo without a password is refused too (RFC 9110 4.2.4: never sent in a target).
  Flow g;
  EXPECT_EQ(why(g.c("GET http://bob@files.test/x HTTP/1.1\r\n\r\n")), Reason::HttpBasicCleartext);
  // Authority-form (CONNECT) and IPv6 literals.
  for (std::string t : {"CONNECT bob:pw@files.test:443 HTTP/1.1", "GET http://[2001:db8::1]@x/ HTTP/1.1",
                        "GET http://files.test:8080x@y/ HTTP/1.1",
                        "GET http://files.test:1234567/ HTTP/1.1", "GET http://a%3Ab@c/ HTTP/1.1"}) {
    Flow h;
    EXPECT_EQ(why(h.c(t + "\r\n\r\n")), Reason::HttpBasicCleartext) << t;
  }
  for (std::string t : {"GET http://[2001:db8::1]:631/ipp HTTP/1.1", "GET http://files.test:8080/a@b HTTP/1.1",
                        "CONNECT files.test:443 HTTP/1.1", "CONNECT [2001:db8::5]:443 HTTP/1.1",
                        "OPTIONS * HTTP/1.1", "GET /mail/bob@example.org HTTP/1.1",
                        "GET http://ocsp.test/MEwwSjBIMEYwRDAJBgUrDgMCGgUABBQ= HTTP/1.1"}) {
    Flow h;
    EXPECT_EQ(why(h.c(t + "\r\nHost: x\r\n\r\n")), Reason::Forwarded) << t;
  }
}

// Units the inspector keeps only in part are judged as they stream, or refused: nothing beyond
// the kept bytes is forwarded unjudged.
TEST(Http, LongUnitsAreJudgedWholeOrRefused) {
  // Userinfo pushed past the first 256 bytes of the target (and past a long host name).
  for (size_t pad : {200, 300, 3000}) {
    Flow f;
    EXPECT_EQ(why(f.c("GET http://" + std::string(pad, 'h') + ":pw@files.test/ HTTP/1.1\r\n\r\n")),
              Reason::HttpBasicCleartext)
        << pad;
    Flow g;
    EXPECT_EQ(why(g.c("GET http://" + std::string(pad, 'h') + "@files.test/ HTTP/1.1\r\n\r\n", 7)),
              Reason::HttpBasicCleartext)
        << pad;
  }
  // A long target is fine (SCEP GETs carry a PKCS#7 message in the query).
  Flow ok;
  EXPECT_EQ(why(ok.c("GET /cgi-bin/pkiclient.exe?operation=PKIOperation&message=" +
                     std::string(6000, 'M') + " HTTP/1.1\r\nHost: ndes\r\n\r\n")),
            Reason::Forwarded);
  // An Authorization field with long whitespace before its scheme is still judged at the scheme.
  Flow a;
  EXPECT_EQ(why(a.c("GET / HTTP/1.1\r\nAuthorization:" + std::string(500, ' ') + "Basic Ym9i\r\n\r\n")),
            Reason::HttpBasicCleartext);
  // A framing field whose value is longer than what is kept: refused, since the gateway could
  // not know where the next request starts (chunked hidden after padding).
  Flow te;
  EXPECT_EQ(why(te.c("POST / HTTP/1.1\r\nTransfer-Encoding: gzip," + std::string(300, ' ') +
                     "chunked\r\n\r\n")),
            Reason::UnitTooLong);
  Flow cl;
  EXPECT_EQ(why(cl.c("POST / HTTP/1.1\r\nContent-Length: " + std::string(300, '0') + "5\r\n\r\n")),
            Reason::UnitTooLong);
  // Other long fields are fine (cookies).
  Flow ck;
  EXPECT_EQ(why(ck.c("GET / HTTP/1.1\r\nCookie: " + std::string(4000, 'c') + "\r\n\r\n")),
            Reason::Forwarded);
  Flow big;
  EXPECT_EQ(why(big.c("GET / HTTP/1.1\r\nX: " + std::string(9000, 'x') + "\r\n")), Reason::LineTooLong);
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
                        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n",
                        "GET / HTTP/1.1\rX: y\r\n\r\n", "GET / HTTP/1.1\r\nX: y\rZ: w\r\n\r\n",
                        "GET / HTTP/1.1 extra\r\n\r\n", "GET / HTTP/x.y\r\n\r\n",
                        " GET / HTTP/1.1\r\n\r\n", "GET http:/x HTTP/1.1\r\n\r\n",
                        "GET / HTTP/1.1\r\n: novalue\r\n\r\n", "GET / HTTP/1.1\r\nnocolon\r\n\r\n"}) {
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
  f.service.plaintext_auth = true;
  EXPECT_EQ(why(f.c("GET / HTTP/1.1\r\nAuthorization: Basic x\r\n\r\n"
                    "GET http://bob:secret@files/ HTTP/1.1\r\n\r\n")),
            Reason::Forwarded);
  // The messages are still read: a wrong Basic password is a failed login, and the framing
  // still holds (smuggling is no credential question).
  EXPECT_EQ(why(f.s("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")), Reason::Forwarded);
  EXPECT_EQ(f.count(Reason::AuthFailed), 1u);
  EXPECT_EQ(why(f.c("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")),
            Reason::MalformedHttp);
}

// Failed logins on a plain HTTP service: a 401 answering a request that carried Authorization
// (407: Proxy-Authorization), matched to its request across pipelining, bodies of every framing,
// interim answers and HEAD. A 401 to a request without credentials is the challenge every
// login starts with: not a failure.
TEST(Http, UnauthorizedAnswersToCredentialsAreFailedLogins) {
  const std::string digest = "Authorization: Digest username=\"bob\", nonce=\"n\"\r\n";
  const std::string client =
      "GET /a HTTP/1.1\r\nHost: p\r\n\r\n"                               // the challenge
      "GET /b HTTP/1.1\r\nHost: p\r\n" + digest + "\r\n"                   // wrong: 401
      "HEAD /c HTTP/1.1\r\nHost: p\r\n" + digest + "\r\n"                  // wrong, HEAD
      "POST /d HTTP/1.1\r\nHost: p\r\nExpect: 100-continue\r\n" + digest +
      "Content-Length: 4\r\n\r\nbody"                                       // 100, then 401
      "GET /e HTTP/1.1\r\nHost: p\r\n" + digest + "\r\n"                   // right: 200
      "GET /f HTTP/1.1\r\nHost: p\r\nProxy-Authorization: NTLM TlRMTVNTUAAB\r\n\r\n"  // 407
      "GET /g HTTP/1.1\r\nHost: p\r\n" + digest + "\r\n";                  // 407: not a login
  // The first answer's body spells a 401 status line: it must be skipped as a body.
  const std::string fake = "HTTP/1.1 401 Unauthorized\r\n\r\n";
  const std::string server =
      "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest nonce=\"n\"\r\nContent-Length: " +
      std::to_string(fake.size()) + "\r\n\r\n" + fake +
      "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nHTTP/\r\n18;x=y\r\n1.1 401 Unauthorized\r\n\r\n\r\n0\r\nTrailer: v\r\n\r\n"
      "HTTP/1.1 401 Unauthorized\r\nContent-Length: 1234\r\n\r\n"  // HEAD: no body follows
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
      "HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n"
      "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n";
  for (size_t chunk : {0, 1, 2, 3, 7}) {
    Flow f;
    ASSERT_EQ(why(f.c(client, chunk)), Reason::Forwarded) << chunk;
    ASSERT_EQ(why(f.s(server, chunk)), Reason::Forwarded) << chunk;
    EXPECT_EQ(f.count(Reason::AuthFailed), 4u) << chunk;  // /b, /c, /d and /f
    // Nothing is pending any more: an unsolicited answer (a 408 before closing) counts nothing.
    EXPECT_EQ(why(f.s("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n")), Reason::Forwarded);
    EXPECT_EQ(f.count(Reason::AuthFailed), 4u) << chunk;
  }
  // An answer framed by the end of the connection: whatever follows is its body.
  Flow g;
  g.c("GET / HTTP/1.1\r\n" + digest + "\r\n");
  EXPECT_EQ(why(g.s("HTTP/1.0 200 OK\r\n\r\nHTTP/1.1 401 Unauthorized\r\n\r\n")), Reason::Forwarded);
  EXPECT_EQ(g.count(Reason::AuthFailed), 0u);
}

// The answers are read as strictly as the requests: what a lax client could frame differently
// from the gateway is refused.
TEST(Http, MalformedAnswersAreDenied) {
  for (std::string r : {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/11 200 OK\r\n\r\n",
                        "ICY 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY\r\n",
                        "HTTP/1.1 200 OK\rX: y\r\n\r\n", "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n"}) {
    Flow f;
    f.c("GET / HTTP/1.1\r\n\r\n");
    EXPECT_EQ(why(f.s(r)), Reason::MalformedHttp) << r;
  }
  Flow f;
  f.c("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(why(f.s("HTTP/1.1 200 " + std::string(9000, 'a') + "\r\n")), Reason::LineTooLong);
  // A framing field too long to be seen whole.
  Flow g;
  g.c("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(why(g.s("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + std::string(200, ' ') + "chunked\r\n\r\n")),
            Reason::UnitTooLong);
  // More requests awaiting answers than the gateway follows.
  Flow h;
  std::string many;
  for (int i = 0; i < 64; ++i) many += "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(why(h.c(many)), Reason::Forwarded);
  EXPECT_EQ(why(h.c("GET / HTTP/1.1\r\n\r\n")), Reason::MalformedHttp);
}

}  // namespace
}  // namespace pw::proto::http
