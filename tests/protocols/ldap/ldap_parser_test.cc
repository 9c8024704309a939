// The LDAP grammar: what the beginning of each operation says, when it is enough (Done), prefixes
// (NeedMore), the SASL mechanism comparison, and malformed messages.
#include "protocols/ldap/ldap_parser.h"

#include <gtest/gtest.h>

#include "tests/protocols/ldap/ldap_messages.h"

namespace pw::proto::ldap {
namespace {

using namespace test;

Parse parse(const Bytes& b, Message& m, bool details = false) {
  return parse_message(as_span(b), b.size(), details, m);
}

TEST(LdapParser, Binds) {
  Message m;
  ASSERT_EQ(parse(kAnonymousBind, m), Parse::Done) << m.why;
  EXPECT_EQ(m.id, 1);
  EXPECT_EQ(m.op, kBindRequest);
  EXPECT_EQ(m.bind_version, 3);
  EXPECT_EQ(m.name_len, 0u);
  EXPECT_EQ(m.auth, Auth::Simple);
  EXPECT_EQ(m.password_len, 0u);
  ASSERT_EQ(parse(kSimpleBind, m), Parse::Done) << m.why;
  EXPECT_EQ(m.name_len, 26u);
  EXPECT_EQ(m.password_len, 6u);
  ASSERT_EQ(parse(kUnauthenticatedBind, m), Parse::Done) << m.why;
  EXPECT_EQ(m.name_len, 26u);
  EXPECT_EQ(m.password_len, 0u);
  ASSERT_EQ(parse(kSaslPlainBind, m), Parse::Done) << m.why;
  EXPECT_EQ(m.auth, Auth::Sasl);
  EXPECT_EQ(m.mechanism_len, 5u);
  EXPECT_TRUE(cleartext_mechanism(m));
}

TEST(LdapParser, BindDecidesOnTheCredentialHeader) {
  Message m;
  auto in = as_span(kSimpleBind);
  // Up to the simple [0] length octet: not yet.
  EXPECT_EQ(parse_message(in.first(kSimpleBindAuthLength), in.size(), false, m), Parse::NeedMore);
  // With it, before any password octet: Done.
  EXPECT_EQ(parse_message(in.first(kSimpleBindAuthLength + 1), in.size(), false, m), Parse::Done);
  EXPECT_EQ(m.password_len, 6u);
  // SASL: the whole mechanism name is needed, not the credentials.
  auto sasl = as_span(kSaslPlainBind);
  EXPECT_EQ(parse_message(sasl.first(kSaslCredentials - 1), sasl.size(), false, m),
            Parse::NeedMore);
  EXPECT_EQ(parse_message(sasl.first(kSaslCredentials), sasl.size(), false, m), Parse::Done);
  EXPECT_TRUE(cleartext_mechanism(m));
}

TEST(LdapParser, EveryPrefixWaits) {
  Message m;
  for (const Bytes* b : {&kAnonymousBind, &kSimpleBind, &kSaslPlainBind, &kStartTls, &kStartTlsOk,
                         &kBindInvalid, &kSearch, &kRootDse}) {
    auto s = as_span(*b);
    bool done = false;
    for (size_t n = 0; n <= s.size(); ++n) {
      Parse p = parse_message(s.first(n), s.size(), true, m);
      ASSERT_NE(p, Parse::Malformed) << n << " " << m.why;
      if (done) {
        EXPECT_EQ(p, Parse::Done) << n;  // once decided, more octets do not undo it
      }
      if (p == Parse::Done) done = true;
    }
    EXPECT_TRUE(done);
  }
}

TEST(LdapParser, StartTlsAndResponses) {
  Message m;
  ASSERT_EQ(parse(kStartTls, m), Parse::Done);
  EXPECT_EQ(m.op, kExtendedRequest);
  EXPECT_TRUE(m.starttls);
  ASSERT_EQ(parse(kWhoAmI, m), Parse::Done);
  EXPECT_FALSE(m.starttls);
  // A near miss of the OID.
  ASSERT_EQ(parse(patched(kStartTls, 30, '8'), m), Parse::Done);
  EXPECT_FALSE(m.starttls);
  ASSERT_EQ(parse(kStartTlsOk, m), Parse::Done);
  EXPECT_EQ(m.op, kExtendedResponse);
  EXPECT_EQ(m.result, kSuccess);
  ASSERT_EQ(parse(kStartTlsRefused, m), Parse::Done);
  EXPECT_EQ(m.result, 52);
  ASSERT_EQ(parse(kBindInvalid, m), Parse::Done);
  EXPECT_EQ(m.op, kBindResponse);
  EXPECT_EQ(m.result, kInvalidCredentials);
  ASSERT_EQ(parse(kSearchEntry, m), Parse::Done);
  EXPECT_EQ(m.op, kSearchResEntry);
  EXPECT_TRUE(is_response(m.op));
  EXPECT_FALSE(is_request(m.op));
}

TEST(LdapParser, SearchDetailsOnDemand) {
  Message m;
  ASSERT_EQ(parse(kSearch, m), Parse::Done);
  EXPECT_EQ(m.scope, -1);  // not decoded
  ASSERT_EQ(parse(kSearch, m, true), Parse::Done);
  EXPECT_EQ(m.base_len, 17u);
  EXPECT_EQ(m.scope, 2);
  ASSERT_EQ(parse(kRootDse, m, true), Parse::Done);
  EXPECT_EQ(m.base_len, 0u);
  EXPECT_EQ(m.scope, 0);
  EXPECT_EQ(parse(patched(kRootDse, 11, 0x07), m, true), Parse::Malformed);  // scope 7
}

TEST(LdapParser, OtherOperations) {
  Message m;
  ASSERT_EQ(parse(kUnbind, m), Parse::Done);
  EXPECT_EQ(m.op, kUnbindRequest);
  EXPECT_STREQ(op_name(m.op), "unbindRequest");
  ASSERT_EQ(parse(kAbandon, m), Parse::Done);
  EXPECT_EQ(m.op, kAbandonRequest);
  ASSERT_EQ(parse(kSearchDone, m), Parse::Done);
  EXPECT_EQ(m.op, kSearchResDone);
}

TEST(LdapParser, MechanismNames) {
  Message m;
  auto mech = [&](const std::string& name) {
    Bytes b = sasl_bind(name);
    EXPECT_EQ(parse(b, m), Parse::Done) << name;
    return cleartext_mechanism(m);
  };
  EXPECT_TRUE(mech("PLAIN"));
  EXPECT_TRUE(mech("plain"));
  EXPECT_TRUE(mech("Plain"));
  EXPECT_TRUE(mech("pLaIn"));
  EXPECT_TRUE(mech("LOGIN"));
  EXPECT_TRUE(mech("login"));
  EXPECT_TRUE(mech(std::string("PLAIN\0junk", 10)));  // a C library stops at the NUL
  EXPECT_TRUE(mech(std::string("PLAIN\0", 6) + std::string(40, 'x')));
  EXPECT_FALSE(mech("PLAINX"));
  EXPECT_FALSE(mech("PLAI"));
  EXPECT_FALSE(mech("PLAIN" + std::string(30, ' ')));
  EXPECT_FALSE(mech("GSSAPI"));
  EXPECT_FALSE(mech("EXTERNAL"));
  EXPECT_FALSE(mech("DIGEST-MD5"));
  EXPECT_FALSE(mech("SCRAM-SHA-256"));
  EXPECT_FALSE(mech(""));
}

TEST(LdapParser, Malformed) {
  Message m;
  // Not an LDAPMessage SEQUENCE.
  EXPECT_EQ(parse(patched(kAnonymousBind, 0, 0x31), m), Parse::Malformed);
  // messageID of the wrong type, negative, or over maxInt.
  EXPECT_EQ(parse(patched(kAnonymousBind, 2, 0x04), m), Parse::Malformed);
  EXPECT_EQ(parse(patched(kAnonymousBind, 4, 0xff), m), Parse::Malformed);
  EXPECT_STREQ(m.why, "messageID");
  // An unknown protocolOp.
  EXPECT_EQ(parse(patched(kAnonymousBind, 5, 0x7a), m), Parse::Malformed);
  EXPECT_STREQ(m.why, "protocolOp");
  // Bind version 0 and 128.
  EXPECT_EQ(parse(patched(kAnonymousBind, 9, 0x00), m), Parse::Malformed);
  EXPECT_STREQ(m.why, "bind version");
  // An authentication choice other than simple and sasl ([1], LDAPv2 Kerberos).
  EXPECT_EQ(parse(patched(kAnonymousBind, 12, 0x81), m), Parse::Malformed);
  EXPECT_STREQ(m.why, "bind authentication choice");
  // simple in constructed form (RFC 4511 5.1: primitive only); sasl in primitive form.
  EXPECT_EQ(parse(patched(kAnonymousBind, 12, 0xa0), m), Parse::Malformed);
  EXPECT_EQ(parse(patched(kSaslPlainBind, 12, 0x83), m), Parse::Malformed);
  // name as a SEQUENCE.
  EXPECT_EQ(parse(patched(kAnonymousBind, 10, 0x30), m), Parse::Malformed);
  // Lengths: the bindRequest past its message; the message past its declared size.
  EXPECT_EQ(parse(patched(kAnonymousBind, 6, 0x08), m), Parse::Malformed);
  EXPECT_EQ(parse(patched(kSimpleBind, 11, 0x30), m), Parse::Malformed);  // name 48 octets
  // Indefinite length inside.
  EXPECT_EQ(parse(patched(kAnonymousBind, 6, 0x80), m), Parse::Malformed);
  // requestName of the wrong tag; resultCode as INTEGER instead of ENUMERATED.
  EXPECT_EQ(parse(patched(kStartTls, 7, 0x04), m), Parse::Malformed);
  EXPECT_EQ(parse(patched(kBindOk, 7, 0x02), m), Parse::Malformed);
  EXPECT_STREQ(m.why, "resultCode");
}

}  // namespace
}  // namespace pw::proto::ldap
