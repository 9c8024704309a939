// The SNMP grammar: facts of v1/v2c/v3 messages, prefixes (NeedMore with the facts so far) and
// every way a message can fail to decode.
#include "protocols/snmp/snmp_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/protocols/snmp/snmp_messages.h"

namespace pw::proto::snmp {
namespace {

using namespace test;

Parse parse(const Bytes& b, Message& m) { return parse_datagram(as_span(b), m); }

TEST(SnmpParser, V1Get) {
  Message m;
  ASSERT_EQ(parse(kV1Get, m), Parse::Ok) << m.why;
  EXPECT_TRUE(m.has_version);
  EXPECT_EQ(m.version, kVersion1);
  EXPECT_TRUE(m.has_community);
  EXPECT_EQ(m.community_len, 6u);
  EXPECT_TRUE(m.has_pdu);
  EXPECT_EQ(m.pdu, kGetRequest);
  EXPECT_EQ(m.varbinds, 1u);
  EXPECT_FALSE(m.has_flags);
}

TEST(SnmpParser, V2cMessages) {
  Message m;
  ASSERT_EQ(parse(kV2cGet, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.version, kVersion2c);
  ASSERT_EQ(parse(kV2cResponse, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.pdu, kResponse);
  ASSERT_EQ(parse(kV2cSet, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.pdu, kSetRequest);
  EXPECT_EQ(m.community_len, 7u);
  EXPECT_STREQ(pdu_name(m.pdu), "set-request");
}

TEST(SnmpParser, V1TrapOnlyInV1) {
  Message m;
  ASSERT_EQ(parse(kV1Trap, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.pdu, kTrapV1);
  EXPECT_EQ(m.varbinds, 0u);
  // The Trap-PDU does not exist in v2c (RFC 3416 replaced it with SNMPv2-Trap).
  EXPECT_EQ(parse(patched(kV1Trap, 4, 0x01), m), Parse::Malformed);
  EXPECT_STREQ(m.why, "pdu type");
  // GetBulk does not exist in v1.
  EXPECT_EQ(parse(patched(kV1Get, 13, kGetBulkRequest), m), Parse::Malformed);
  // agent-addr of 4 octets only.
  Bytes bad = kV1Trap;
  bad[23] = 0x41;  // the IpAddress tag becomes Counter32
  EXPECT_EQ(parse(bad, m), Parse::Malformed);
}

TEST(SnmpParser, V3Discovery) {
  Message m;
  ASSERT_EQ(parse(kV3Discovery, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.version, kVersion3);
  EXPECT_TRUE(m.has_flags);
  EXPECT_EQ(m.flags, kFlagReportable);
  EXPECT_EQ(m.security_model, kModelUsm);
  EXPECT_EQ(m.max_size, 65507);
  EXPECT_TRUE(m.has_usm);
  EXPECT_TRUE(m.user_empty);
  EXPECT_EQ(m.engine_id_len, 0u);
  EXPECT_FALSE(m.encrypted);
  EXPECT_EQ(m.pdu, kGetRequest);
  EXPECT_EQ(m.varbinds, 0u);
}

TEST(SnmpParser, V3ReportAndRequests) {
  Message m;
  ASSERT_EQ(parse(kV3Report, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.flags, 0);
  EXPECT_EQ(m.engine_id_len, 17u);
  EXPECT_EQ(m.pdu, kReport);
  EXPECT_EQ(m.varbinds, 1u);
  ASSERT_EQ(parse(kV3AuthPrivGet, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.flags, kFlagReportable | kFlagAuth | kFlagPriv);
  EXPECT_FALSE(m.user_empty);
  EXPECT_TRUE(m.encrypted);
  EXPECT_FALSE(m.has_pdu);  // encrypted: not visible
  ASSERT_EQ(parse(kV3AuthNoPrivSet, m), Parse::Ok) << m.why;
  EXPECT_EQ(m.flags, kFlagReportable | kFlagAuth);
  EXPECT_EQ(m.pdu, kSetRequest);
  ASSERT_EQ(parse(kV3NoAuthGet, m), Parse::Ok) << m.why;
  EXPECT_FALSE(m.user_empty);
}

TEST(SnmpParser, ReportsOfFailedAuthentication) {
  Message m;
  ASSERT_EQ(kV3Report.at(kV3ReportUsmStat), 4);
  ASSERT_EQ(parse(kV3Report, m), Parse::Ok);
  EXPECT_FALSE(m.usm_failure);  // unknownEngineIDs: discovery, not a failure
  for (uint8_t n : {3, 5, 6}) {
    ASSERT_EQ(parse(patched(kV3Report, kV3ReportUsmStat, n), m), Parse::Ok);
    EXPECT_TRUE(m.usm_failure) << int(n);
  }
  ASSERT_EQ(parse(patched(kV3Report, kV3ReportUsmStat, 2), m), Parse::Ok);
  EXPECT_FALSE(m.usm_failure);  // notInTimeWindows: clock synchronisation
  // Only in a Report.
  Bytes response = patched(patched(kV3Report, kV3ReportUsmStat, 5), kV3ReportPduTag, kResponse);
  ASSERT_EQ(parse(response, m), Parse::Ok);
  EXPECT_FALSE(m.usm_failure);
}

TEST(SnmpParser, PrefixesGiveFactsInOrder) {
  // Over TCP the version decides before the community has arrived.
  Message m;
  auto in = as_span(kV2cGet);
  EXPECT_EQ(parse_message(in.first(4), in.size(), m), Parse::NeedMore);
  EXPECT_FALSE(m.has_version);
  EXPECT_EQ(parse_message(in.first(5), in.size(), m), Parse::NeedMore);
  EXPECT_TRUE(m.has_version);
  EXPECT_EQ(m.version, kVersion2c);
  EXPECT_FALSE(m.has_community);
  // The PDU type is known from its header on.
  auto set = as_span(kV3AuthNoPrivSet);
  EXPECT_EQ(parse_message(set.first(kV3SetPduTag + 1), set.size(), m), Parse::NeedMore);
  EXPECT_FALSE(m.has_pdu);
  EXPECT_EQ(parse_message(set.first(kV3SetPduTag + 2), set.size(), m), Parse::NeedMore);
  EXPECT_TRUE(m.has_pdu);
  EXPECT_EQ(m.pdu, kSetRequest);
  // Every prefix of every message is NeedMore (and whole it is Ok).
  for (const Bytes* b : {&kV1Get, &kV2cSet, &kV1Trap, &kV3Discovery, &kV3Report, &kV3AuthPrivGet,
                         &kV3AuthNoPrivSet, &kV3NoAuthGet}) {
    auto s = as_span(*b);
    for (size_t n = 0; n < s.size(); ++n)
      EXPECT_EQ(parse_message(s.first(n), s.size(), m), Parse::NeedMore) << n;
    EXPECT_EQ(parse_message(s, s.size(), m), Parse::Ok);
  }
}

TEST(SnmpParser, TruncatedDatagramsAreMalformed) {
  Message m;
  for (const Bytes* b : {&kV1Get, &kV3Discovery, &kV3AuthPrivGet, &kV3AuthNoPrivSet}) {
    for (size_t n = 0; n < b->size(); ++n) {
      Bytes cut(b->begin(), b->begin() + static_cast<long>(n));
      EXPECT_EQ(parse(cut, m), Parse::Malformed) << n;
      EXPECT_NE(m.why, nullptr);
    }
  }
}

TEST(SnmpParser, FramingErrors) {
  Message m;
  // Indefinite length on the message (X.690 8.1.3.6; not allowed by RFC 3417 section 8).
  Bytes indefinite = kV1Get;
  indefinite[1] = 0x80;
  indefinite.insert(indefinite.end(), {0x00, 0x00});
  EXPECT_EQ(parse(indefinite, m), Parse::Malformed);
  // Length past the datagram, and a huge one.
  EXPECT_EQ(parse(patched(kV1Get, 1, 0x2a), m), Parse::Malformed);
  Bytes huge = {0x30, 0x84, 0xff, 0xff, 0xff, 0xf0, 0x02, 0x01, 0x00};
  EXPECT_EQ(parse(huge, m), Parse::Malformed);
  Bytes five = {0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00};
  EXPECT_EQ(parse(five, m), Parse::Malformed);
  // Trailing octets after the message (smuggling past a decoder that stops at its end).
  Bytes trailing = kV1Get;
  trailing.push_back(0x00);
  EXPECT_EQ(parse(trailing, m), Parse::Malformed);
  EXPECT_STREQ(m.why, "octets after the message");
  // An inner length past its parent: community claims 7 octets.
  EXPECT_EQ(parse(patched(kV1Get, 6, 0x30), m), Parse::Malformed);
  // Empty datagram; not a SEQUENCE at all.
  EXPECT_EQ(parse(Bytes{}, m), Parse::Malformed);
  Bytes text = {'G', 'E', 'T', ' ', '/'};
  EXPECT_EQ(parse(text, m), Parse::Malformed);
}

TEST(SnmpParser, WrongTypes) {
  Message m;
  EXPECT_EQ(parse(patched(kV1Get, 2, 0x04), m), Parse::Malformed);  // version as OCTET STRING
  EXPECT_STREQ(m.why, "msgVersion");
  EXPECT_EQ(parse(patched(kV1Get, 5, 0x02), m), Parse::Malformed);  // community as INTEGER
  EXPECT_FALSE(m.has_community);
  EXPECT_EQ(parse(patched(kV1Get, 4, 0x02), m), Parse::Malformed);  // version 2 (v2u/v2*)
  EXPECT_FALSE(m.has_version);
  EXPECT_EQ(parse(patched(kV1Get, 13, 0xa9), m), Parse::Malformed);  // no PDU [9]
  EXPECT_EQ(parse(patched(kV1Get, 13, 0x30), m), Parse::Malformed);  // a SEQUENCE, no PDU tag
  EXPECT_EQ(parse(patched(kV1Get, 31, 0x04), m), Parse::Malformed);  // varbind name not an OID
  EXPECT_EQ(parse(patched(kV1Get, 41, 0x30), m), Parse::Malformed);  // constructed value
  EXPECT_EQ(parse(patched(kV1Get, 15, 0x04), m), Parse::Malformed);  // request-id type
}

TEST(SnmpParser, V3HeaderChecks) {
  Message m;
  // msgFlags 2 (privacy without authentication) is invalid (RFC 3412 section 6.4).
  EXPECT_EQ(parse(patched(kV3Discovery, 20, 0x02), m), Parse::Malformed);
  EXPECT_FALSE(m.has_flags);
  // msgFlags of two octets.
  Bytes two = kV3Discovery;
  two[19] = 0x02;  // OCTET STRING length 2
  two.insert(two.begin() + 21, 0x00);
  two[6] = 0x12;  // msgGlobalData 18
  two[1] = 0x3f;  // message 63
  EXPECT_EQ(parse(two, m), Parse::Malformed);
  EXPECT_STREQ(m.why, "msgFlags");
  // msgMaxSize below 484 (RFC 3412 section 6).
  Bytes small = kV3Discovery;
  small[15] = 0x00;
  small[16] = 0x01;
  small[17] = 0x00;  // 256
  EXPECT_EQ(parse(small, m), Parse::Malformed);
  EXPECT_STREQ(m.why, "msgMaxSize");
  const Corruption kCases[] = {
      {kV3Discovery, 23, 0x02, "msgSecurityModel not USM"},  // a security model other than USM
      // authPriv claimed by the probe: the authentication parameters it lacks are named first.
      {kV3Discovery, 20, 0x07, "usm authentication parameters"},
      // The priv flag with a plaintext scopedPDU (the encryptedPDU's tag made a SEQUENCE).
      {kV3AuthPrivGet, 85, 0x30, "msgData not encrypted"},
      {kV3AuthPrivGet, 20, 0x05, "msgData not a scopedPDU"},  // no priv flag, an encryptedPDU
      // Auth claimed without authentication parameters.
      {kV3Discovery, 20, 0x05, "usm authentication parameters"},
      {kV3Discovery, 26, 0x31, "usm"},  // msgSecurityParameters not a USM SEQUENCE inside
  };
  for (const Corruption& c : kCases) {
    SCOPED_TRACE(c.str());
    EXPECT_EQ(parse(c.apply(), m), Parse::Malformed);
    EXPECT_STREQ(m.why, c.why);
  }
}

TEST(SnmpParser, UsmBounds) {
  Message m;
  auto with_user = [](size_t n) {
    Bytes usm = tlv(0x30, cat({{0x04, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00},
                               tlv(0x04, Bytes(n, 'u')),
                               {0x04, 0x00, 0x04, 0x00}}));
    return tlv(0x30, cat({{0x02, 0x01, 0x03},
                          tlv(0x30, {0x02, 0x01, 0x01, 0x02, 0x02, 0x05, 0xdc, 0x04, 0x01, 0x04,
                                     0x02, 0x01, 0x03}),
                          tlv(0x04, usm),
                          tlv(0x30, cat({{0x04, 0x00, 0x04, 0x00},
                                         tlv(0xa0, {0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01,
                                                    0x00, 0x30, 0x00})}))}));
  };
  EXPECT_EQ(parse(with_user(32), m), Parse::Ok) << m.why;
  EXPECT_EQ(parse(with_user(33), m), Parse::Malformed);  // usmUserName SIZE(0..32)
  EXPECT_STREQ(m.why, "usm user name");
  // Negative engine boots.
  Bytes neg = kV3Report;
  neg[49] = 0xff;
  EXPECT_EQ(parse(neg, m), Parse::Malformed);
  EXPECT_STREQ(m.why, "usm engine boots/time");
}

TEST(SnmpParser, GeneratedSizes) {
  Message m;
  EXPECT_EQ(parse(v3_auth_priv(2000), m), Parse::Ok) << m.why;
  EXPECT_EQ(parse(v2c_get(300), m), Parse::Ok) << m.why;
  EXPECT_EQ(m.community_len, 300u);
}

}  // namespace
}  // namespace pw::proto::snmp
