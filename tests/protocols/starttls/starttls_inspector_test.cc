// FTP, SMTP, POP3 and IMAP before, during and after the TLS upgrade: the allow-lists, plaintext
// logins, STARTTLS injection (both sides), stripping, refusal, case and segmentation evasions.
#include "protocols/starttls/starttls_inspector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/inspector_config.h"
#include "tests/support/inspector_driver.h"
#include "protocols/ftp/ftp_inspector.h"
#include "protocols/imap/imap_inspector.h"
#include "protocols/pop3/pop3_inspector.h"
#include "protocols/smtp/smtp_inspector.h"

namespace pw::proto {
namespace {

using testing::ok;
using testing::why;

// A strong TLS 1.2 ClientHello record (one suite, no extensions).
std::string client_hello() {
  std::string b = "\x03\x03";
  b += std::string(32, '\x11');
  b += std::string("\x00\x00\x02\xc0\x2f\x01\x00", 7);
  std::string m = std::string("\x01\x00\x00", 3) + static_cast<char>(b.size()) + b;
  return std::string("\x16\x03\x01\x00", 4) + static_cast<char>(m.size()) + m;
}

// One flow of a line protocol (tests/support/inspector_driver.h).
class Flow : public testing::InspectorDriver {
 public:
  explicit Flow(const Inspector& i, policy::TlsMode tls = policy::TlsMode::Required)
      : InspectorDriver(i) {
    service.tls = tls;
    ctx.client = *parse_ip("198.18.0.7");
  }
  size_t denied_at() const { return at(); }
};


const ftp::FtpInspector kFtp;
const smtp::SmtpInspector kSmtp;
const pop3::Pop3Inspector kPop3;
const imap::ImapInspector kImap;

TEST(Ftp, AuthTlsThenTls) {
  Flow f(kFtp);
  EXPECT_TRUE(ok(f.s("220 (vsFTPd 3.0.3)\r\n")));
  EXPECT_TRUE(ok(f.c("FEAT\r\n")));
  EXPECT_TRUE(ok(f.s("211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n")));
  EXPECT_TRUE(ok(f.c("AUTH TLS\r\n")));
  EXPECT_TRUE(ok(f.s("234 Proceed with negotiation.\r\n")));
  EXPECT_TRUE(ok(f.c(client_hello())));
}

TEST(Ftp, PlaintextLoginsAreDeniedBeforeTheCredential) {
  for (std::string cmd : {"USER bob\r\n", "user bob\r\n", "UsEr bob\r\n", "PASS secret\r\n",
                          "ACCT x\r\n"}) {
    Flow f(kFtp);
    f.s("220 ready\r\n");
    Decision d = f.c(cmd, 1);  // one byte at a time
    EXPECT_EQ(why(d), Reason::PlaintextAuth) << cmd;
    EXPECT_EQ(f.denied_at(), 4u) << cmd;  // at the space after the verb: nothing of the argument
  }
}

TEST(Ftp, AllowListAndOddVerbs) {
  for (std::string cmd : {"STOR a\r\n", "PASV\r\n", "PORT 1,2,3,4,5,6\r\n", "AUTH GSSAPI\r\n",
                          "US\xff\xf1" "ER bob\r\n", " USER bob\r\n", "\r\n", "CCC\r\n"}) {
    Flow f(kFtp);
    f.s("220 ready\r\n");
    EXPECT_EQ(why(f.c(cmd)), Reason::CommandBeforeTls) << cmd;
  }
  Flow f(kFtp);
  EXPECT_EQ(why(f.c(std::string(600, 'A'))), Reason::CommandBeforeTls);  // verb > 16 bytes
  Flow g(kFtp);
  EXPECT_EQ(why(g.c("NOOP " + std::string(600, 'x'))), Reason::LineTooLong);
}

TEST(Ftp, InjectionAfterAuthTls) {
  Flow f(kFtp);
  f.s("220 ready\r\n");
  EXPECT_EQ(why(f.c("AUTH TLS\r\nUSER bob\r\n")), Reason::StarttlsInjection);
  Flow g(kFtp);
  g.s("220 ready\r\n");
  g.c("AUTH TLS\r\n");
  EXPECT_EQ(why(g.s("234 go\r\n220 fake greeting\r\n")), Reason::StarttlsInjection);
}

TEST(Ftp, RefusedAuthStaysInClear) {
  Flow f(kFtp);
  f.s("220 ready\r\n");
  EXPECT_TRUE(ok(f.c("AUTH TLS\r\n")));
  EXPECT_TRUE(ok(f.s("534 Policy requires SSL.\r\n")));
  EXPECT_EQ(why(f.c("USER bob\r\n")), Reason::PlaintextAuth);
}

TEST(Ftp, NotTlsAfter234AndClearTextAfterTls) {
  Flow f(kFtp);
  f.s("220 ready\r\n");
  f.c("AUTH TLS\r\n");
  f.s("234 go\r\n");
  EXPECT_EQ(why(f.c("USER bob\r\n")), Reason::NonTlsOnTlsPort);
}

TEST(Ftp, BounceWhenPlaintextIsAllowed) {
  Flow f(kFtp);
  f.service.plaintext_auth = true;
  f.s("220 ready\r\n");
  EXPECT_TRUE(ok(f.c("USER bob\r\nPASS x\r\n")));
  EXPECT_TRUE(ok(f.c("PORT 198,18,0,7,200,10\r\n")));
  EXPECT_EQ(why(f.c("PORT 198,18,0,99,200,10\r\n")), Reason::FtpBounce);
  Flow g(kFtp);
  g.service.plaintext_auth = true;
  EXPECT_EQ(why(g.c("PORT 198,18,0,7,0,25\r\n")), Reason::FtpBounce);  // privileged port
  Flow h(kFtp);
  h.service.plaintext_auth = true;
  EXPECT_TRUE(ok(h.c("EPRT |1|198.18.0.7|50000|\r\n")));
  EXPECT_EQ(why(h.c("EPRT |2|2001:db8::66|50000|\r\n")), Reason::FtpBounce);
  EXPECT_TRUE(starttls::ftp_port_ok("PORT", "198,18,0,7,4,1", *parse_ip("198.18.0.7")));
  EXPECT_FALSE(starttls::ftp_port_ok("PORT", "198,18,0,7,4", *parse_ip("198.18.0.7")));
  EXPECT_FALSE(starttls::ftp_port_ok("PORT", "198,18,0,7,4,1,9", *parse_ip("198.18.0.7")));
  EXPECT_FALSE(starttls::ftp_port_ok("PORT", "198,18,0,700,4,1", *parse_ip("198.18.0.7")));
}

// Arguments the decision rests on (AUTH's mechanism, PORT/EPRT's address) are judged whole:
// longer than what is kept, the command is refused instead of judged on a prefix.
TEST(Ftp, ArgumentsLongerThanKeptAreUnitTooLong) {
  Flow f(kFtp);
  f.service.plaintext_auth = true;
  f.s("220 ready\r\n");
  EXPECT_EQ(why(f.c("PORT 198,18,0,7,200,10" + std::string(200, ' ') + "\r\n")), Reason::UnitTooLong);
  Flow g(kFtp, policy::TlsMode::Optional);
  g.s("220 ready\r\n");
  EXPECT_EQ(why(g.c("AUTH TLS" + std::string(200, ' ') + "\r\n", 7)), Reason::UnitTooLong);
  // Other commands may carry long arguments (a long path in a plaintext-allowed session).
  Flow h(kFtp);
  h.service.plaintext_auth = true;
  h.s("220 ready\r\n");
  EXPECT_TRUE(ok(h.c("STOR " + std::string(300, 'p') + "\r\n")));
}

TEST(Smtp, StarttlsPath) {
  Flow f(kSmtp);
  EXPECT_TRUE(ok(f.s("220 mail.test ESMTP\r\n")));
  EXPECT_TRUE(ok(f.c("EHLO printer\r\n")));
  EXPECT_TRUE(ok(f.s("250-mail.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n")));
  EXPECT_TRUE(ok(f.c("STARTTLS\r\n")));
  EXPECT_TRUE(ok(f.s("220 2.0.0 Ready to start TLS\r\n")));
  EXPECT_TRUE(ok(f.c(client_hello())));
}

TEST(Smtp, Denials) {
  struct Case {
    const char* cmd;
    Reason r;
  };
  for (const Case& c : {Case{"AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n", Reason::PlaintextAuth},
                        Case{"auth login\r\n", Reason::PlaintextAuth},
                        Case{"MAIL FROM:<a@b>\r\n", Reason::CommandBeforeTls},
                        Case{"VRFY root\r\n", Reason::CommandBeforeTls}}) {
    Flow f(kSmtp);
    f.s("220 mail.test ESMTP\r\n");
    EXPECT_EQ(why(f.c(c.cmd, 1)), c.r) << c.cmd;
  }
}

TEST(Smtp, StrippedEhloAndRefusedStarttls) {
  Flow f(kSmtp);
  f.s("220 mail.test ESMTP\r\n");
  f.c("EHLO printer\r\n");
  EXPECT_EQ(why(f.s("250-mail.test\r\n250 AUTH PLAIN LOGIN\r\n")), Reason::StarttlsStripped);
  Flow g(kSmtp);
  g.s("220 mail.test ESMTP\r\n");
  g.c("EHLO printer\r\n");
  g.s("250-mail.test\r\n250 STARTTLS\r\n");
  g.c("STARTTLS\r\n");
  EXPECT_TRUE(ok(g.s("454 4.7.0 TLS not available\r\n")));
  EXPECT_EQ(why(g.c("AUTH PLAIN xx\r\n")), Reason::PlaintextAuth);
}

TEST(Smtp, InjectionBothWays) {
  Flow f(kSmtp);
  f.s("220 mail.test ESMTP\r\n");
  f.c("EHLO p\r\n");
  f.s("250 STARTTLS\r\n");
  EXPECT_EQ(why(f.c("STARTTLS\r\nRSET\r\n")), Reason::StarttlsInjection);
  Flow g(kSmtp);
  g.s("220 mail.test ESMTP\r\n");
  g.c("EHLO p\r\n");
  g.s("250 STARTTLS\r\n");
  g.c("STARTTLS\r\n");
  EXPECT_EQ(why(g.s("220 go ahead\r\n250-evil\r\n")), Reason::StarttlsInjection);
}

TEST(Smtp, PipelinedEhloAndStarttls) {
  Flow f(kSmtp);
  f.s("220 mail.test ESMTP\r\n");
  EXPECT_TRUE(ok(f.c("EHLO p\r\nSTARTTLS\r\n")));  // STARTTLS is the last: no injection
  EXPECT_TRUE(ok(f.s("250-x\r\n250 STARTTLS\r\n220 ready\r\n")));
  EXPECT_TRUE(ok(f.c(client_hello())));
}

TEST(Pop3, StlsPath) {
  Flow f(kPop3);
  EXPECT_TRUE(ok(f.s("+OK POP3 ready\r\n")));
  EXPECT_TRUE(ok(f.c("CAPA\r\n")));
  EXPECT_TRUE(ok(f.s("+OK\r\nUSER\r\nSTLS\r\n.\r\n")));
  EXPECT_TRUE(ok(f.c("STLS\r\n")));
  EXPECT_TRUE(ok(f.s("+OK Begin TLS\r\n")));
  EXPECT_TRUE(ok(f.c(client_hello())));
}

TEST(Pop3, Denials) {
  for (std::string cmd : {"USER bob\r\n", "PASS x\r\n", "APOP bob 1234\r\n", "AUTH PLAIN\r\n",
                          "apop bob x\r\n"}) {
    Flow f(kPop3);
    f.s("+OK ready\r\n");
    EXPECT_EQ(why(f.c(cmd, 2)), Reason::PlaintextAuth) << cmd;
  }
  Flow f(kPop3);
  f.s("+OK ready\r\n");
  EXPECT_EQ(why(f.c("RETR 1\r\n")), Reason::CommandBeforeTls);
  Flow g(kPop3);
  g.s("+OK ready\r\n");
  g.c("STLS\r\n");
  g.s("-ERR not now\r\n");
  EXPECT_EQ(why(g.c("USER bob\r\n")), Reason::PlaintextAuth);
  Flow h(kPop3);
  h.s("+OK ready\r\n");
  EXPECT_EQ(why(h.c("STLS\r\nUSER bob\r\n")), Reason::StarttlsInjection);
}

TEST(Imap, StarttlsPath) {
  Flow f(kImap);
  EXPECT_TRUE(ok(f.s("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n")));
  EXPECT_TRUE(ok(f.c("a1 CAPABILITY\r\n")));
  EXPECT_TRUE(ok(f.s("* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n")));
  EXPECT_TRUE(ok(f.c("a2 STARTTLS\r\n")));
  EXPECT_TRUE(ok(f.s("a2 OK Begin TLS negotiation now\r\n")));
  EXPECT_TRUE(ok(f.c(client_hello())));
}

TEST(Imap, Denials) {
  for (std::string cmd : {"a1 LOGIN bob secret\r\n", "a1 login bob secret\r\n",
                          "x AUTHENTICATE PLAIN\r\n", "a1 LOGIN {3}\r\n"}) {
    Flow f(kImap);
    f.s("* OK ready\r\n");
    EXPECT_EQ(why(f.c(cmd, 1)), Reason::PlaintextAuth) << cmd;
  }
  Flow f(kImap);
  f.s("* OK ready\r\n");
  EXPECT_EQ(why(f.c("a1 SELECT INBOX\r\n")), Reason::CommandBeforeTls);
  Flow g(kImap);
  g.s("* OK ready\r\n");
  EXPECT_EQ(why(g.c("a2 STARTTLS\r\na3 LOGIN bob x\r\n")), Reason::StarttlsInjection);
  Flow h(kImap);
  h.s("* OK ready\r\n");
  h.c("a2 STARTTLS\r\n");
  EXPECT_TRUE(ok(h.s("a2 NO not now\r\n")));
  EXPECT_EQ(why(h.c("a3 LOGIN bob x\r\n")), Reason::PlaintextAuth);
}

TEST(StartTls, OptionalTlsStillDeniesCredentials) {
  Flow f(kSmtp, policy::TlsMode::Optional);
  f.s("220 mail.test ESMTP\r\n");
  f.c("EHLO p\r\n");
  EXPECT_TRUE(ok(f.s("250 8BITMIME\r\n")));  // no STARTTLS offered: not required here
  EXPECT_TRUE(ok(f.c("MAIL FROM:<a@b>\r\n")));
  EXPECT_EQ(why(f.c("AUTH LOGIN\r\n")), Reason::PlaintextAuth);
}

// Where clear-text logins are allowed (plaintext-auth allow), the reply to a credential is
// read: a refused login is a failed authentication (failed-auth detection); a successful one,
// or a refusal of another command, is not.
TEST(StartTls, RefusedLoginsAreCountedWhereTheyCrossInClear) {
  Flow ftp(kFtp, policy::TlsMode::Optional);
  ftp.service.plaintext_auth = true;
  ftp.s("220 ready\r\n");
  ftp.c("USER bob\r\n");
  ftp.s("331 Please specify the password.\r\n");
  ftp.c("PASS wrong\r\n");
  EXPECT_TRUE(ok(ftp.s("530 Login incorrect.\r\n")));
  EXPECT_EQ(ftp.count(Reason::AuthFailed), 1u);
  ftp.c("CWD /\r\n");
  ftp.s("530 Please login with USER and PASS.\r\n");  // not a login: not counted
  ftp.c("USER bob\r\n");
  ftp.s("331 Please specify the password.\r\n");
  ftp.c("PASS right\r\n");
  ftp.s("230 Login successful.\r\n");
  EXPECT_EQ(ftp.count(Reason::AuthFailed), 1u);

  Flow smtp(kSmtp, policy::TlsMode::Optional);
  smtp.service.plaintext_auth = true;
  smtp.s("220 mail.test ESMTP\r\n");
  smtp.c("EHLO p\r\n");
  smtp.s("250-mail.test\r\n250 AUTH LOGIN PLAIN\r\n");
  smtp.c("AUTH PLAIN AGJvYgB3cm9uZw==\r\n");
  smtp.s("535 5.7.8 Authentication credentials invalid\r\n");
  smtp.c("AUTH LOGIN\r\n");       // 334 asks for the user, then the password: one login
  smtp.s("334 VXNlcm5hbWU6\r\n");
  smtp.c("Ym9i\r\n");
  smtp.s("334 UGFzc3dvcmQ6\r\n");
  smtp.c("d3Jvbmc=\r\n");
  smtp.s("535 5.7.8 Authentication credentials invalid\r\n");
  smtp.c("MAIL FROM:<a@b>\r\n");
  smtp.s("530 5.7.0 Authentication required\r\n");  // not a login reply
  EXPECT_EQ(smtp.count(Reason::AuthFailed), 2u);

  Flow pop(kPop3, policy::TlsMode::Optional);
  pop.service.plaintext_auth = true;
  pop.s("+OK ready\r\n");
  pop.c("USER bob\r\n");
  pop.s("+OK\r\n");
  pop.c("PASS wrong\r\n");
  pop.s("-ERR [AUTH] Authentication failed.\r\n");
  pop.c("STAT\r\n");
  pop.s("-ERR Unknown command.\r\n");  // not a login reply
  EXPECT_EQ(pop.count(Reason::AuthFailed), 1u);

  Flow imap(kImap, policy::TlsMode::Optional);
  imap.service.plaintext_auth = true;
  imap.s("* OK ready\r\n");
  imap.c("a1 LOGIN bob wrong\r\n");
  imap.s("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  imap.c("a2 SELECT INBOX\r\n");
  imap.s("a2 NO not logged in\r\n");  // not a login reply
  imap.c("a3 login bob right\r\n");
  imap.s("a3 OK Logged in\r\n");
  EXPECT_EQ(imap.count(Reason::AuthFailed), 1u);
}

}  // namespace
}  // namespace pw::proto
