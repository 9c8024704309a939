// The LDAP grammar: what the beginning of each operation says, when it is enough (Done), prefixes
// (NeedMore), the SASL mechanism comparison, and malformed messages.
#include "protocols/ldap/ldap_parser.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

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

// ldap_ops.def: each tag once, sent by exactly one side, named as RFC 4511 names it.
TEST(LdapParser, OperationList) {
  std::map<int, int> seen;
#define PW_LDAP_OP(constant, tag, name, sender)                 \
  EXPECT_EQ(++seen[tag], 1) << name;                            \
  EXPECT_NE(is_request(constant), is_response(constant)) << name; \
  EXPECT_EQ(is_request(constant), std::string(#sender) == "Request") << name; \
  EXPECT_STREQ(op_name(constant), name);
#include "protocols/ldap/ldap_ops.def"
#undef PW_LDAP_OP
  EXPECT_EQ(seen.size(), 21u);  // RFC 4511 Appendix B's protocolOp choices
  for (int tag = 0; tag < 256; ++tag) {
    if (seen.count(tag)) continue;
    EXPECT_FALSE(is_request(static_cast<uint8_t>(tag)) || is_response(static_cast<uint8_t>(tag)))
        << tag;
    EXPECT_STREQ(op_name(static_cast<uint8_t>(tag)), "unknown");
  }
}

TEST(LdapParser, Malformed) {
  const Corruption kCases[] = {
      {kAnonymousBind, 0, 0x31},  // not an LDAPMessage SEQUENCE
      {kAnonymousBind, 2, 0x04},  // messageID of the wrong type
      {kAnonymousBind, 4, 0xff, "messageID"},  // negative messageID
      {kAnonymousBind, 5, 0x7a, "protocolOp"},  // an unknown protocolOp
      {kAnonymousBind, 9, 0x00, "bind version"},  // bind version 0
      // An authentication choice other than simple and sasl ([1], LDAPv2 Kerberos).
      {kAnonymousBind, 12, 0x81, "bind authentication choice"},
      {kAnonymousBind, 12, 0xa0},  // simple in constructed form (RFC 4511 5.1: primitive only)
      {kSaslPlainBind, 12, 0x83},  // sasl in primitive form
      {kAnonymousBind, 10, 0x30},  // name as a SEQUENCE
      {kAnonymousBind, 6, 0x08},   // the bindRequest past its message
      {kSimpleBind, 11, 0x30},     // the name (48 octets) past the message's declared size
      {kAnonymousBind, 6, 0x80},   // indefinite length inside
      {kStartTls, 7, 0x04},        // requestName of the wrong tag
      {kBindOk, 7, 0x02, "resultCode"},  // resultCode as INTEGER instead of ENUMERATED
  };
  for (const Corruption& c : kCases) {
    SCOPED_TRACE(c.str());
    Message m;
    EXPECT_EQ(parse(c.apply(), m), Parse::Malformed);
    if (c.why) {
      EXPECT_STREQ(m.why, c.why);
    }
  }
}

}  // namespace
}  // namespace pw::proto::ldap
