// LDAP verdicts: binds before StartTLS (simple, SASL, anonymous, unauthenticated), the
// TLS-required allow-list, plaintext-auth allow, StartTLS (success, refusal, injection on both
// sides, hand-off to TLS), counters, malformed framing, segmentation at every octet, several
// messages per segment, and BufferPool use.
#include "protocols/ldap/ldap_inspector.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/inspector_config.h"
#include "tests/support/inspector_driver.h"
#include "tests/protocols/ldap/ldap_messages.h"

namespace pw::proto::ldap {
namespace {

using namespace test;
using testing::ok;
using testing::why;
using policy::TlsMode;

const LdapInspector kLdap;

// One LDAP flow (tests/support/inspector_driver.h) with 16 KiB pool buffers.
class Flow : public testing::InspectorDriver {
 public:
  explicit Flow(TlsMode tls = TlsMode::Optional, size_t buffers = 2)
      : InspectorDriver(kLdap, buffers, 16 << 10) {
    service.tls = tls;
  }
  const LdapState& state() const { return state_as<LdapState>(); }
};


// ---------------------------------------------------------------------------------------------
// Binds before TLS

TEST(Ldap, AnonymousSessionPasses) {
  Flow f;
  auto d = f.c(kAnonymousBind);
  EXPECT_TRUE(ok(d));
  EXPECT_EQ(d.allowed_bytes, kAnonymousBind.size());
  EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 1u);
  EXPECT_TRUE(ok(f.s(kBindOk)));
  EXPECT_TRUE(ok(f.c(kSearch)));
  EXPECT_TRUE(ok(f.s(cat({kSearchEntry, kSearchDone}))));
  EXPECT_TRUE(ok(f.c(kUnbind)));
}

TEST(Ldap, UnauthenticatedBindCountsAsAnonymous) {
  Flow f;
  EXPECT_TRUE(ok(f.c(kUnauthenticatedBind)));  // RFC 4513 5.1.2
  EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 1u);
}

TEST(Ldap, SimpleBindWithPasswordDenied) {
  Flow f;
  auto d = f.c(kSimpleBind);
  EXPECT_EQ(why(d), Reason::LdapCleartextBind);
  EXPECT_EQ(d.allowed_bytes, 0u);
  EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 0u);
  // The flow stays denied.
  EXPECT_EQ(why(f.c(kAnonymousBind)), Reason::LdapCleartextBind);
}

TEST(Ldap, OneOctetAtATimeNoPasswordOctetCrosses) {
  Flow f;
  size_t at = 0, forwarded = 0;
  auto d = f.chunks(Dir::ToServer, kSimpleBind, 1, &at, &forwarded);
  EXPECT_EQ(why(d), Reason::LdapCleartextBind);
  EXPECT_EQ(at, kSimpleBindAuthLength);  // the octet that completes the credential's header
  EXPECT_LE(forwarded, kSimpleBindPassword);
}

TEST(Ldap, EverySegmentationOfAPasswordBind) {
  // Behind an allowed message, so the bind starts anywhere in a segment.
  Bytes stream = cat({kAbandon, kSimpleBind});
  const size_t password = kAbandon.size() + kSimpleBindPassword;
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    Flow f;
    size_t at = 0, forwarded = 0;
    auto d = f.chunks(Dir::ToServer, stream, chunk, &at, &forwarded);
    EXPECT_EQ(why(d), Reason::LdapCleartextBind) << chunk;
    EXPECT_LE(forwarded, password) << chunk;
    EXPECT_LE(at, kAbandon.size() + kSimpleBindAuthLength) << chunk;
  }
}

TEST(Ldap, SaslPlainDeniedBeforeItsCredentials) {
  Flow f;
  size_t at = 0, forwarded = 0;
  auto d = f.chunks(Dir::ToServer, kSaslPlainBind, 1, &at, &forwarded);
  EXPECT_EQ(why(d), Reason::LdapCleartextBind);
  EXPECT_EQ(at, kSaslCredentials - 1);  // the last octet of "PLAIN"
  EXPECT_LT(forwarded, kSaslCredentials);
  Flow g;
  EXPECT_EQ(why(g.c(kSaslPlainBind)), Reason::LdapCleartextBind);
}

TEST(Ldap, SaslMechanismCaseAndTricks) {
  Bytes creds = {0x00, 'a', 0x00, 'p'};
  for (std::string m : {"plain", "Plain", "pLAIN", "PLAIN", "LOGIN", "Login", "login"}) {
    Flow f;
    EXPECT_EQ(why(f.c(sasl_bind(m, &creds))), Reason::LdapCleartextBind) << m;
    Flow g;  // without the initial response: the mechanism alone decides
    EXPECT_EQ(why(g.c(sasl_bind(m))), Reason::LdapCleartextBind) << m;
  }
  Flow nul;
  EXPECT_EQ(why(nul.c(sasl_bind(std::string("PLAIN\0x", 7), &creds))), Reason::LdapCleartextBind);
  for (std::string m : {"GSSAPI", "EXTERNAL", "DIGEST-MD5", "SCRAM-SHA-256", "PLAINX"}) {
    Flow f;
    EXPECT_TRUE(ok(f.c(sasl_bind(m, &creds)))) << m;
    EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 0u);
  }
}

TEST(Ldap, PlaintextAuthAllowedByTheAdmin) {
  Flow f;
  f.service.plaintext_auth = true;
  EXPECT_TRUE(ok(f.c(kSimpleBind)));
  EXPECT_TRUE(ok(f.c(simple_bind("cn=x", "y", 2))));
  EXPECT_TRUE(ok(f.c(kSaslPlainBind)));
  EXPECT_TRUE(ok(f.c(kAnonymousBind)));
  EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 1u);
  // Also on a TLS-required service: the admin's explicit word lifts the allow-list.
  Flow g(TlsMode::Required);
  g.service.plaintext_auth = true;
  EXPECT_TRUE(ok(g.c(kSimpleBind)));
  EXPECT_TRUE(ok(g.c(kSearch)));
}

TEST(Ldap, FailedBindsAreCounted) {
  Flow f;
  f.service.plaintext_auth = true;
  EXPECT_TRUE(ok(f.c(kSimpleBind)));
  EXPECT_TRUE(ok(f.s(kBindInvalid)));
  EXPECT_TRUE(ok(f.s(kBindOk)));
  EXPECT_EQ(f.count(Reason::AuthFailed), 1u);
  // Split at every octet, still counted once.
  Flow g;
  EXPECT_TRUE(ok(g.chunks(Dir::ToClient, kBindInvalid, 1)));
  EXPECT_EQ(g.count(Reason::AuthFailed), 1u);
}

// ---------------------------------------------------------------------------------------------
// tls required: the pre-TLS allow-list (design.md invariant 3)

TEST(Ldap, RequiredAllowsOnlyTheWayToTls) {
  {
    Flow f(TlsMode::Required);
    EXPECT_TRUE(ok(f.c(kRootDse)));  // the capability query
    EXPECT_TRUE(ok(f.s(kSearchDone)));
    EXPECT_TRUE(ok(f.c(kAbandon)));
    EXPECT_TRUE(ok(f.c(kStartTls)));
  }
  {
    Flow f(TlsMode::Required);
    EXPECT_EQ(why(f.c(kAnonymousBind)), Reason::CommandBeforeTls);
    EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 0u);
  }
  {
    Flow f(TlsMode::Required);
    EXPECT_EQ(why(f.c(kSimpleBind)), Reason::LdapCleartextBind);  // the precise reason first
  }
  {
    Flow f(TlsMode::Required);
    EXPECT_EQ(why(f.c(kSearch)), Reason::CommandBeforeTls);
  }
  {
    Flow f(TlsMode::Required);
    EXPECT_EQ(why(f.c(kWhoAmI)), Reason::CommandBeforeTls);
  }
  {
    Flow f(TlsMode::Required);
    EXPECT_EQ(why(f.c(sasl_bind("GSSAPI"))), Reason::CommandBeforeTls);
  }
  {
    Flow f(TlsMode::Required);
    EXPECT_TRUE(ok(f.c(kUnbind)));
  }
  {
    // Without a service: the strict reading.
    Flow f(TlsMode::None);
    f.ctx.service = nullptr;
    EXPECT_EQ(why(f.c(kSearch)), Reason::CommandBeforeTls);
  }
}

TEST(Ldap, RequiredRootDseSplitAtEveryOctet) {
  for (size_t chunk = 1; chunk <= kRootDse.size(); ++chunk) {
    Flow f(TlsMode::Required);
    EXPECT_TRUE(ok(f.chunks(Dir::ToServer, kRootDse, chunk))) << chunk;
    Flow g(TlsMode::Required);
    EXPECT_EQ(why(g.chunks(Dir::ToServer, kSearch, chunk)), Reason::CommandBeforeTls) << chunk;
  }
}

// ---------------------------------------------------------------------------------------------
// StartTLS

TEST(Ldap, StartTlsHandsTheFlowToTls) {
  Flow f(TlsMode::Required);
  EXPECT_TRUE(ok(f.c(kStartTls)));
  EXPECT_EQ(f.state().phase, LdapState::Phase::AwaitStartTls);
  EXPECT_TRUE(ok(f.s(kStartTlsOk)));
  EXPECT_EQ(f.state().phase, LdapState::Phase::Tls);
  // From here LDAP is no longer parsed: a bind-looking sequence is the TLS inspector's to judge
  // (and it is not a TLS record), never an LDAP cleartext bind.
  auto d = f.c(kSimpleBind);
  EXPECT_NE(d.reason, Reason::LdapCleartextBind);
  EXPECT_NE(d.reason, Reason::MalformedLdap);
}

TEST(Ldap, StartTlsClientHelloIsNotLdap) {
  Flow f;
  EXPECT_TRUE(ok(f.c(kStartTls)));
  EXPECT_TRUE(ok(f.s(kStartTlsOk)));
  auto d = f.c(client_hello());
  EXPECT_NE(d.reason, Reason::MalformedLdap);
  EXPECT_NE(d.reason, Reason::LdapCleartextBind);
}

TEST(Ldap, StartTlsSplitAtEveryOctet) {
  for (size_t chunk = 1; chunk <= kStartTlsOk.size(); ++chunk) {
    Flow f(TlsMode::Required);
    EXPECT_TRUE(ok(f.chunks(Dir::ToServer, kStartTls, chunk))) << chunk;
    EXPECT_TRUE(ok(f.chunks(Dir::ToClient, kStartTlsOk, chunk))) << chunk;
    EXPECT_EQ(f.state().phase, LdapState::Phase::Tls) << chunk;
    EXPECT_NE(f.c(kSimpleBind).reason, Reason::LdapCleartextBind);
  }
}

TEST(Ldap, ImplicitTlsServiceIsTlsFromTheFirstOctet) {
  // The registry gives LDAPS services the TLS inspector; an `inspect ldap` one is safe too.
  Flow f(TlsMode::Implicit);
  auto d = f.c(kSimpleBind);
  EXPECT_NE(d.reason, Reason::LdapCleartextBind);
  EXPECT_EQ(f.state().phase, LdapState::Phase::Tls);
  Flow g(TlsMode::Implicit);
  EXPECT_NE(g.c(client_hello()).reason, Reason::MalformedLdap);
}

TEST(Ldap, ClientInjectionAfterStartTls) {
  {
    // Pipelined in the same segment.
    Flow f;
    auto d = f.c(cat({kStartTls, kSimpleBind}));
    EXPECT_EQ(why(d), Reason::StarttlsInjection);
    EXPECT_EQ(d.allowed_bytes, kStartTls.size());
  }
  {
    // In a later segment, before the answer: even an innocent message.
    Flow f;
    EXPECT_TRUE(ok(f.c(kStartTls)));
    EXPECT_EQ(why(f.c(kUnbind)), Reason::StarttlsInjection);
  }
  {
    // One octet after the request is enough.
    Flow f;
    Bytes b = kStartTls;
    b.push_back(0x30);
    EXPECT_EQ(why(f.chunks(Dir::ToServer, b, 1)), Reason::StarttlsInjection);
  }
}

TEST(Ldap, ServerInjectionBehindTheAnswer) {
  Flow f;
  EXPECT_TRUE(ok(f.c(kStartTls)));
  auto d = f.s(cat({kStartTlsOk, kSearchDone}));
  EXPECT_EQ(why(d), Reason::StarttlsInjection);
  EXPECT_EQ(d.allowed_bytes, kStartTlsOk.size());
}

TEST(Ldap, OtherAnswersBeforeTheStartTlsAnswer) {
  Flow f;
  EXPECT_TRUE(ok(f.c(cat({kSearch, kStartTls}))));  // search (id 2) then StartTLS (id 1)
  EXPECT_TRUE(ok(f.s(cat({kSearchEntry, kSearchDone}))));
  EXPECT_EQ(f.state().phase, LdapState::Phase::AwaitStartTls);
  EXPECT_TRUE(ok(f.s(kStartTlsOk)));
  EXPECT_EQ(f.state().phase, LdapState::Phase::Tls);
}

TEST(Ldap, RefusedStartTlsStaysInClear) {
  Flow f;
  EXPECT_TRUE(ok(f.c(kStartTls)));
  EXPECT_TRUE(ok(f.s(kStartTlsRefused)));
  EXPECT_EQ(f.state().phase, LdapState::Phase::Clear);
  EXPECT_TRUE(ok(f.c(kAnonymousBind)));  // no longer an injection
  EXPECT_EQ(why(f.c(simple_bind("cn=admin", "secret", 2))), Reason::LdapCleartextBind);
}

TEST(Ldap, RefusedStartTlsOnRequiredKeepsTheAllowList) {
  Flow f(TlsMode::Required);
  EXPECT_TRUE(ok(f.c(kStartTls)));
  EXPECT_TRUE(ok(f.s(kStartTlsRefused)));
  EXPECT_EQ(why(f.c(kSearch)), Reason::CommandBeforeTls);
}

TEST(Ldap, StartTlsAnswerForAnotherMessageIdDoesNotSwitch) {
  Flow f;
  EXPECT_TRUE(ok(f.c(kStartTls)));
  EXPECT_TRUE(ok(f.s(patched(kStartTlsOk, 4, 0x07))));  // messageID 7
  EXPECT_EQ(f.state().phase, LdapState::Phase::AwaitStartTls);
}

// ---------------------------------------------------------------------------------------------
// Several messages per segment, directions

TEST(Ldap, SeveralMessagesInOneSegment) {
  Flow f;
  Bytes all = cat({kAnonymousBind, kSearch, kAbandon, kUnbind});
  auto d = f.c(all);
  EXPECT_TRUE(ok(d));
  EXPECT_EQ(d.allowed_bytes, all.size());
  EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 1u);
  Flow g;
  d = g.c(cat({kAnonymousBind, kSearch, simple_bind("cn=a", "b", 3)}));
  EXPECT_EQ(why(d), Reason::LdapCleartextBind);
  EXPECT_EQ(d.allowed_bytes, kAnonymousBind.size() + kSearch.size());
}

TEST(Ldap, WrongDirection) {
  Flow f;
  EXPECT_EQ(why(f.c(kBindOk)), Reason::MalformedLdap);  // a response from the client
  Flow g;
  EXPECT_EQ(why(g.s(kAnonymousBind)), Reason::MalformedLdap);  // a request from the server
}

TEST(Ldap, NoticeOfDisconnectionIsAResponse) {
  // extendedResp with messageID 0 (RFC 4511 4.4.1), from the server.
  Bytes notice = {0x30, 0x0c, 0x02, 0x01, 0x00, 0x78, 0x07,
                  0x0a, 0x01, 0x34, 0x04, 0x00, 0x04, 0x00};
  Flow f;
  EXPECT_TRUE(ok(f.s(notice)));
  // But a request with messageID 0 is not valid (RFC 4511 4.1.1.1).
  EXPECT_EQ(why(f.c(patched(kAnonymousBind, 4, 0x00))), Reason::MalformedLdap);
}

// ---------------------------------------------------------------------------------------------
// Malformed framing

TEST(Ldap, MalformedFraming) {
  auto client = [](const Bytes& b) {
    Flow f;
    return why(f.c(b));
  };
  EXPECT_EQ(client({0x30, 0x80, 0x02, 0x01, 0x01}), Reason::MalformedLdap);        // indefinite
  EXPECT_EQ(client({0x30, 0x84, 0x00, 0x01, 0x00, 0x01}), Reason::MalformedLdap);  // > 64 KiB
  EXPECT_EQ(client({0x30, 0x84, 0xff, 0xff, 0xff, 0xff}), Reason::MalformedLdap);
  EXPECT_EQ(client({0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x05}), Reason::MalformedLdap);
  EXPECT_EQ(client({'G', 'E', 'T', ' ', '/'}), Reason::MalformedLdap);
  EXPECT_EQ(client({0x30, 0x00}), Reason::MalformedLdap);  // empty message
  // Inner lengths past their parent, inside a part the parser never reads (the filter).
  EXPECT_EQ(client(patched(kSearch, 44, 0x0c)), Reason::MalformedLdap);
  // Indefinite length deep inside the filter.
  EXPECT_EQ(client(patched(kSearch, 44, 0x80)), Reason::MalformedLdap);
  // A message too short for its operation.
  EXPECT_EQ(client({0x30, 0x03, 0x02, 0x01, 0x01}), Reason::MalformedLdap);
  // Unknown operation, bad bind version, unknown authentication choice.
  EXPECT_EQ(client(patched(kAnonymousBind, 5, 0x7a)), Reason::MalformedLdap);
  EXPECT_EQ(client(patched(kAnonymousBind, 9, 0x00)), Reason::MalformedLdap);
  EXPECT_EQ(client(patched(kAnonymousBind, 12, 0x89)), Reason::MalformedLdap);
  // Responses may be larger than requests, within reason.
  Flow f;
  EXPECT_TRUE(ok(f.s(big_entry(100'000))));
  EXPECT_EQ(why(f.s({0x30, 0x84, 0x01, 0x00, 0x00, 0x00})), Reason::MalformedLdap);  // 16 MiB
}

TEST(Ldap, MalformedFoundAtTheOctetItIsIn) {
  // One octet at a time: the indefinite length is refused at its own octet.
  Bytes bad = patched(kSearch, 44, 0x80);
  Flow f;
  size_t at = 0;
  EXPECT_EQ(why(f.chunks(Dir::ToServer, bad, 1, &at)), Reason::MalformedLdap);
  EXPECT_EQ(at, 44u);  // the length octet of the filter's attributeDesc
}

TEST(Ldap, TruncatedMessagesWait) {
  // Over a stream a cut message is not an error: the rest may come.
  for (const Bytes* b : {&kSimpleBind, &kSearch, &kStartTls}) {
    Flow f(TlsMode::Optional);
    f.service.plaintext_auth = true;
    Bytes head(b->begin(), b->end() - 1);
    auto d = f.c(head);
    EXPECT_TRUE(ok(d));
    EXPECT_EQ(d.allowed_bytes, head.size());
  }
}

TEST(Ldap, GapFailsClosed) {
  Flow f;
  FlowArena a(1);
  FlowState* s = kLdap.open(a);
  EXPECT_EQ(why(kLdap.on_gap(*s, Dir::ToServer, 10, f.ctx)), Reason::TcpGap);
  kLdap.close(s, a, f.ctx);
}

// ---------------------------------------------------------------------------------------------
// Buffers

TEST(Ldap, LongDnUsesAPoolBufferUntilDecided) {
  std::string dn = "cn=" + std::string(2000, 'x') + ",dc=example,dc=org";
  {
    Flow f(TlsMode::Optional, 1);
    size_t forwarded = 0;
    Bytes b = simple_bind(dn, "secret");
    EXPECT_EQ(why(f.chunks(Dir::ToServer, b, 100, nullptr, &forwarded)), Reason::LdapCleartextBind);
    EXPECT_LE(forwarded, b.size() - 6);  // no password octet
  }
  {
    Flow f(TlsMode::Optional, 1);
    Bytes b = simple_bind(dn, "");
    EXPECT_TRUE(ok(f.chunks(Dir::ToServer, b, 300)));
    EXPECT_EQ(f.count(Reason::LdapAnonymousBind), 1u);
    EXPECT_EQ(f.pool().available(), 1u);  // given back once decided
  }
  {
    // Held across segments, given back at close.
    Flow f(TlsMode::Optional, 1);
    EXPECT_EQ(f.buffer_held_until_close(simple_bind(dn, ""), 1000), "");
  }
}

TEST(Ldap, NoBufferFailsClosed) {
  std::string dn = "cn=" + std::string(2000, 'x');
  Flow f(TlsMode::Optional, 1);
  f.ctx.buffers = nullptr;
  EXPECT_EQ(why(f.c(simple_bind(dn, ""))), Reason::InspectorStateFull);
  Flow g(TlsMode::Optional, 1);
  uint32_t taken = g.pool().acquire();
  EXPECT_EQ(why(g.c(simple_bind(dn, ""))), Reason::InspectorStateFull);
  g.pool().release(taken);
  // Short messages never need one; big messages that decide early neither.
  Flow h(TlsMode::Optional, 0);
  EXPECT_TRUE(ok(h.c(kAnonymousBind)));
  EXPECT_TRUE(ok(h.s(big_entry(50'000))));
}

// A bind whose beginning (the DN before the authentication choice) does not fit a pool buffer
// cannot be judged whole: refused as such, never forwarded past what was seen.
TEST(Ldap, BeginningLongerThanAPoolBufferIsUnitTooLong) {
  Flow f(TlsMode::Optional, 1);  // 16 KiB buffers
  EXPECT_EQ(why(f.c(simple_bind("cn=" + std::string(20000, 'x'), "Pw-s3cr3t"))),
            Reason::UnitTooLong);
  f.close();
  EXPECT_EQ(f.pool().available(), 1u);
}

TEST(Ldap, PoolGoneMidMessageFailsClosed) {
  Flow f(TlsMode::Optional, 1);
  EXPECT_EQ(f.pool_loss_fails_closed(simple_bind("cn=" + std::string(2000, 'x'), ""), 1000), "");
}

TEST(Ldap, StateFitsTheArena) {
  EXPECT_LE(sizeof(LdapState), FlowArena::kBlockSize);
  FlowArena a(1);
  FlowState* s = kLdap.open(a);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(kLdap.open(a), nullptr);
  Context ctx;
  kLdap.close(s, a, ctx);
  EXPECT_EQ(a.available(), 1u);
}

}  // namespace
}  // namespace pw::proto::ldap
