// SNMP verdicts over UDP and TCP: versions, security levels, the discovery exception, SetRequest
// and the management group, malformed messages, and TCP reassembly (segmentation at every
// octet, several messages per segment, BufferPool use and exhaustion).
#include "protocols/snmp/snmp_inspector.h"

#include <gtest/gtest.h>

#include "policy/inspector_config.h"
#include "tests/support/inspector_driver.h"
#include "tests/protocols/snmp/snmp_messages.h"

namespace pw::proto::snmp {
namespace {

using namespace test;
using testing::ok;
using testing::why;
using policy::SnmpSecurity;
using policy::SnmpVersion;

const SnmpUdpInspector kUdp;
const SnmpTcpInspector kTcp;

// One SNMP flow (tests/support/inspector_driver.h) under the profiles' settings.
class Flow : public testing::InspectorDriver {
 public:
  explicit Flow(const Inspector& i, size_t buffers = 2) : InspectorDriver(i, buffers, 64 << 10) {
    service.snmp_min_version = SnmpVersion::V3;
    service.snmp_min_security = SnmpSecurity::AuthPriv;  // the profiles' setting
  }
};


// ---------------------------------------------------------------------------------------------
// UDP: versions

TEST(SnmpUdp, CommunityVersionsDeniedByDefault) {
  Flow f(kUdp);
  EXPECT_EQ(why(f.c(kV1Get)), Reason::SnmpCommunity);
  EXPECT_EQ(why(f.c(kV2cGet)), Reason::SnmpCommunity);
  EXPECT_EQ(why(f.c(kV2cSet)), Reason::SnmpCommunity);
  EXPECT_EQ(why(f.c(kV1Trap)), Reason::SnmpCommunity);
  // The agent's answer carries the community too.
  EXPECT_EQ(why(f.s(kV2cResponse)), Reason::SnmpCommunity);
  // A denied datagram does not poison the next one (UDP flows stay).
  EXPECT_TRUE(ok(f.c(kV3Discovery)));
  auto d = f.c(kV1Get);
  EXPECT_EQ(d.allowed_bytes, 0u);
}

TEST(SnmpUdp, AdminLoweredVersionIsHonoured) {
  Flow f(kUdp);
  f.service.snmp_min_version = SnmpVersion::V2c;
  EXPECT_EQ(why(f.c(kV1Get)), Reason::SnmpCommunity);
  auto d = f.c(kV2cGet);
  EXPECT_TRUE(ok(d));
  EXPECT_EQ(d.allowed_bytes, kV2cGet.size());
  EXPECT_TRUE(ok(f.s(kV2cResponse)));
  f.service.snmp_min_version = SnmpVersion::V1;
  EXPECT_TRUE(ok(f.c(kV1Get)));
  EXPECT_TRUE(ok(f.c(kV1Trap)));
  // The v3 rules still hold on the same service.
  EXPECT_EQ(why(f.c(kV3NoAuthGet)), Reason::Snmpv3NoAuth);
}

TEST(SnmpUdp, SetRequestNeedsTheManagementGroup) {
  Flow f(kUdp);
  f.service.snmp_min_version = SnmpVersion::V1;
  EXPECT_EQ(why(f.c(kV2cSet)), Reason::SnmpSetDenied);
  f.ctx.peer_is_management = true;
  EXPECT_TRUE(ok(f.c(kV2cSet)));
  // v1 SetRequest: the same rule.
  Bytes v1set = patched(kV2cSet, 4, 0x00);
  f.ctx.peer_is_management = false;
  EXPECT_EQ(why(f.c(v1set)), Reason::SnmpSetDenied);
}

// ---------------------------------------------------------------------------------------------
// UDP: SNMPv3 security levels

TEST(SnmpUdp, DiscoveryAndItsReportPass) {
  Flow f(kUdp);
  EXPECT_TRUE(ok(f.c(kV3Discovery)));
  EXPECT_TRUE(ok(f.s(kV3Report)));
  EXPECT_TRUE(ok(f.c(kV3AuthPrivGet)));
}

TEST(SnmpUdp, DiscoveryExceptionIsNarrow) {
  Flow f(kUdp);
  // Not reportable.
  EXPECT_EQ(why(f.c(patched(kV3Discovery, 20, 0x00))), Reason::Snmpv3NoAuth);
  // A user name: a real noAuthNoPriv request.
  EXPECT_EQ(why(f.c(kV3NoAuthGet)), Reason::Snmpv3NoAuth);
  // Another PDU than GetRequest in the probe.
  EXPECT_EQ(why(f.c(patched(kV3Discovery, kV3DiscoveryPduTag, kGetNextRequest))),
            Reason::Snmpv3NoAuth);
  EXPECT_EQ(why(f.c(patched(kV3Discovery, kV3DiscoveryPduTag, kSetRequest))), Reason::Snmpv3NoAuth);
  // The agent's noAuthNoPriv Response (not a Report) is below the level.
  EXPECT_EQ(why(f.s(patched(kV3Report, kV3ReportPduTag, kResponse))), Reason::Snmpv3NoAuth);
  // A Report toward the agent is not the discovery probe.
  EXPECT_EQ(why(f.c(patched(kV3Report, kV3ReportPduTag, kReport))), Reason::Snmpv3NoAuth);
}

TEST(SnmpUdp, FailedUsmAuthenticationIsCounted) {
  Flow f(kUdp);
  EXPECT_TRUE(ok(f.s(kV3Report)));
  EXPECT_EQ(f.counters[Reason::AuthFailed], 0u);
  EXPECT_TRUE(ok(f.s(patched(kV3Report, kV3ReportUsmStat, 5))));  // wrongDigests
  EXPECT_TRUE(ok(f.s(patched(kV3Report, kV3ReportUsmStat, 3))));  // unknownUserNames
  EXPECT_EQ(f.counters[Reason::AuthFailed], 2u);
}

TEST(SnmpUdp, SecurityLevels) {
  Flow f(kUdp);
  // authPriv required (the profiles): authNoPriv is below.
  EXPECT_EQ(why(f.c(kV3AuthNoPrivSet)), Reason::Snmpv3NoAuth);
  EXPECT_TRUE(ok(f.c(kV3AuthPrivGet)));
  // authNoPriv allowed: the scoped PDU is visible, a Set needs the management group.
  f.service.snmp_min_security = SnmpSecurity::AuthNoPriv;
  EXPECT_EQ(why(f.c(kV3AuthNoPrivSet)), Reason::SnmpSetDenied);
  EXPECT_TRUE(ok(f.c(patched(kV3AuthNoPrivSet, kV3SetPduTag, kGetRequest))));
  f.ctx.peer_is_management = true;
  EXPECT_TRUE(ok(f.c(kV3AuthNoPrivSet)));
  f.ctx.peer_is_management = false;
  EXPECT_EQ(why(f.c(kV3NoAuthGet)), Reason::Snmpv3NoAuth);
  // noAuthNoPriv allowed.
  f.service.snmp_min_security = SnmpSecurity::NoAuth;
  EXPECT_TRUE(ok(f.c(kV3NoAuthGet)));
  EXPECT_TRUE(ok(f.s(patched(kV3Report, kV3ReportPduTag, kResponse))));
  // authPriv: an encrypted Set cannot be seen (documented), it passes.
  EXPECT_TRUE(ok(f.c(kV3AuthPrivGet)));
}

// The guide: no weak encryption in SNMPv3. DES is recognised in the agent's answers (the salt
// holds the boots the message states, whole 8-octet blocks); the same shape toward the agent
// (the manager's own boots, which the message does not state) or an AES answer passes.
TEST(SnmpUdp, DesPrivacyIsDeniedInTheAgentsAnswer) {
  Flow f(kUdp);
  EXPECT_EQ(why(f.s(v3_answer(kDesSalt, 112))), Reason::SnmpWeakCrypto);
  EXPECT_EQ(why(f.s(v3_answer(kDesSalt, 56))), Reason::SnmpWeakCrypto);
  EXPECT_TRUE(ok(f.s(v3_answer(kAesSalt, 111))));
  EXPECT_TRUE(ok(f.s(v3_answer(kAesSalt, 112))));  // AES, a whole number of blocks by chance
  EXPECT_TRUE(ok(f.s(v3_answer(kDesSalt, 53))));   // boots in the salt, but not CBC: not DES
  Bytes other_boots = kDesSalt;
  other_boots[3] = 2;
  EXPECT_TRUE(ok(f.s(v3_answer(other_boots, 56))));
  EXPECT_TRUE(ok(f.c(v3_answer(kDesSalt, 56))));  // a request: the boots would be the manager's
  f.service.snmp_des = true;  // snmp-des allow
  EXPECT_TRUE(ok(f.s(v3_answer(kDesSalt, 112))));
  Flow t(kTcp);
  EXPECT_EQ(why(t.s(v3_answer(kDesSalt, 112), 1)), Reason::SnmpWeakCrypto);
}

// snmp-auth sha2: HMAC-96 (MD5 or SHA-1: 12 octets either way) is refused in both directions and
// at every level that authenticates; HMAC-SHA-2 (RFC 7860) passes. By default both pass.
TEST(SnmpUdp, Sha2AuthenticationWhenRequired) {
  Flow f(kUdp);
  EXPECT_TRUE(ok(f.c(kV3AuthPrivGet)));
  EXPECT_TRUE(ok(f.s(v3_answer(kAesSalt, 111))));
  f.service.snmp_auth_sha2 = true;
  EXPECT_EQ(why(f.c(kV3AuthPrivGet)), Reason::SnmpWeakCrypto);
  EXPECT_EQ(why(f.s(v3_answer(kAesSalt, 111))), Reason::SnmpWeakCrypto);
  EXPECT_TRUE(ok(f.s(v3_answer(kAesSalt, 111, 24))));
  EXPECT_TRUE(ok(f.s(v3_answer(kAesSalt, 111, 48))));
  EXPECT_TRUE(ok(f.c(kV3Discovery)));  // discovery authenticates nothing
  f.service.snmp_min_security = SnmpSecurity::AuthNoPriv;
  EXPECT_EQ(why(f.c(kV3AuthNoPrivSet)), Reason::SnmpWeakCrypto);
}

TEST(SnmpUdp, NoServiceMeansTheStrictestSettings) {
  Flow f(kUdp);
  f.ctx.service = nullptr;
  EXPECT_EQ(why(f.c(kV2cGet)), Reason::SnmpCommunity);
  EXPECT_EQ(why(f.c(kV3AuthNoPrivSet)), Reason::Snmpv3NoAuth);
  EXPECT_TRUE(ok(f.c(kV3Discovery)));
  EXPECT_TRUE(ok(f.c(kV3AuthPrivGet)));
}

// ---------------------------------------------------------------------------------------------
// UDP: malformed

TEST(SnmpUdp, MalformedDatagrams) {
  Flow f(kUdp);
  f.service.snmp_min_version = SnmpVersion::V1;
  f.service.snmp_min_security = SnmpSecurity::NoAuth;
  f.ctx.peer_is_management = true;
  EXPECT_EQ(why(f.c(Bytes{})), Reason::MalformedSnmp);
  Bytes trailing = kV3AuthPrivGet;
  trailing.push_back(0);
  EXPECT_EQ(why(f.c(trailing)), Reason::MalformedSnmp);
  Bytes indefinite = kV3AuthPrivGet;
  indefinite[1] = 0x80;
  indefinite.insert(indefinite.end(), {0, 0});
  EXPECT_EQ(why(f.c(indefinite)), Reason::MalformedSnmp);
  EXPECT_EQ(why(f.c(patched(kV2cGet, 1, 0x7f))), Reason::MalformedSnmp);  // past the end
  EXPECT_EQ(why(f.c(Bytes{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})), Reason::MalformedSnmp);
  EXPECT_EQ(why(f.c(patched(kV3Discovery, 20, 0x06))), Reason::MalformedSnmp);  // flags 2
  EXPECT_EQ(why(f.c(patched(kV2cGet, 13, 0xa4))), Reason::MalformedSnmp);       // v1 trap in v2c
  // Every truncation of every message.
  for (const Bytes* b : {&kV2cGet, &kV3Discovery, &kV3AuthPrivGet, &kV3AuthNoPrivSet}) {
    for (size_t n = 0; n < b->size(); ++n) {
      Bytes cut(b->begin(), b->begin() + static_cast<long>(n));
      EXPECT_EQ(why(f.c(cut)), Reason::MalformedSnmp) << n;
    }
  }
}

TEST(SnmpUdp, DecodedFactsDecideBeforeMalformation) {
  // A v1 message whose PDU is broken is still a community leak first.
  Flow f(kUdp);
  EXPECT_EQ(why(f.c(patched(kV1Get, 41, 0x30))), Reason::SnmpCommunity);  // constructed value
  // But a message whose outer length lies decodes nothing: malformed.
  Bytes cut(kV1Get.begin(), kV1Get.begin() + 20);
  EXPECT_EQ(why(f.c(cut)), Reason::MalformedSnmp);
}

// ---------------------------------------------------------------------------------------------
// TCP (RFC 3430)

TEST(SnmpTcp, MessagesBackToBackInOneSegment) {
  Flow f(kTcp);
  Bytes two = cat({kV3Discovery, kV3AuthPrivGet});
  auto d = f.c(two);
  EXPECT_TRUE(ok(d));
  EXPECT_EQ(d.allowed_bytes, two.size());
  EXPECT_TRUE(ok(f.s(cat({kV3Report, v3_auth_priv(60)}))));
}

TEST(SnmpTcp, EverySegmentationOfAllowedTraffic) {
  Bytes conv = cat({kV3Discovery, kV3AuthPrivGet, kV3AuthPrivGet});
  for (size_t chunk = 1; chunk <= conv.size(); ++chunk) {
    Flow f(kTcp);
    EXPECT_TRUE(ok(f.chunks(Dir::ToServer, conv, chunk))) << chunk;
    EXPECT_TRUE(ok(f.chunks(Dir::ToClient, kV3Report, chunk))) << chunk;
  }
}

TEST(SnmpTcp, FailedUsmAuthenticationCountedOnce) {
  Bytes report = patched(kV3Report, kV3ReportUsmStat, 6);  // decryptionErrors
  for (size_t chunk : {1, 5, 116}) {
    Flow f(kTcp);
    EXPECT_TRUE(ok(f.chunks(Dir::ToClient, report, chunk)));
    EXPECT_EQ(f.counters[Reason::AuthFailed], 1u) << chunk;
  }
}

TEST(SnmpTcp, CommunityNeverForwarded) {
  // One octet at a time: denied at the octet that completes the version, before the community.
  Flow f(kTcp);
  size_t at = 0;
  auto d = f.chunks(Dir::ToServer, kV2cGet, 1, &at);
  EXPECT_EQ(why(d), Reason::SnmpCommunity);
  EXPECT_EQ(at, 4u);  // 30 29 02 01 [01]
  // After a deny the flow stays denied.
  EXPECT_EQ(why(f.c(kV3AuthPrivGet)), Reason::SnmpCommunity);
}

TEST(SnmpTcp, DeniedMessageAfterAllowedOneInTheSameSegment) {
  Flow f(kTcp);
  auto d = f.c(cat({kV3AuthPrivGet, kV1Get}));
  EXPECT_EQ(why(d), Reason::SnmpCommunity);
  EXPECT_EQ(d.allowed_bytes, kV3AuthPrivGet.size());  // the octets before the denied message
}

TEST(SnmpTcp, SetDeniedAtThePduHeader) {
  Flow f(kTcp);
  f.service.snmp_min_security = SnmpSecurity::AuthNoPriv;
  size_t at = 0;
  auto d = f.chunks(Dir::ToServer, kV3AuthNoPrivSet, 1, &at);
  EXPECT_EQ(why(d), Reason::SnmpSetDenied);
  EXPECT_EQ(at, kV3SetPduTag + 1);  // the PDU's length octet
}

TEST(SnmpTcp, NoAuthUserDeniedDiscoveryAllowedSplit) {
  for (size_t chunk : {1, 2, 3, 7, 64}) {
    Flow f(kTcp);
    EXPECT_TRUE(ok(f.chunks(Dir::ToServer, kV3Discovery, chunk))) << chunk;
    EXPECT_EQ(why(f.chunks(Dir::ToServer, kV3NoAuthGet, chunk)), Reason::Snmpv3NoAuth) << chunk;
  }
}

TEST(SnmpTcp, LargeMessagesUseThePool) {
  Flow f(kTcp, 1);
  Bytes big = v3_auth_priv(3000);
  for (size_t chunk : {size_t{1}, size_t{100}, big.size()}) {
    EXPECT_TRUE(ok(f.chunks(Dir::ToServer, big, chunk))) << chunk;
    EXPECT_EQ(f.pool().available(), 1u);  // given back once the message is whole
  }
  // Held across segments, given back at close.
  EXPECT_EQ(f.buffer_held_until_close(big, 1000), "");
}

TEST(SnmpTcp, FailClosedWithoutABuffer) {
  Bytes big = v3_auth_priv(3000);
  {
    Flow f(kTcp, 1);
    f.ctx.buffers = nullptr;
    EXPECT_TRUE(ok(f.c(kV3AuthPrivGet)));  // small messages fit in the state
    EXPECT_EQ(why(f.c(big)), Reason::InspectorStateFull);
  }
  {
    Flow f(kTcp, 1);
    uint32_t taken = f.pool().acquire();  // another flow holds the only buffer
    EXPECT_EQ(why(f.c(big)), Reason::InspectorStateFull);
    f.pool().release(taken);
  }
}

TEST(SnmpTcp, PoolGoneMidMessageFailsClosed) {
  Flow f(kTcp, 1);
  EXPECT_EQ(f.pool_loss_fails_closed(v3_auth_priv(3000), 1000), "");
}

TEST(SnmpTcp, MalformedStreams) {
  auto deny_reason = [](const Bytes& b) {
    Flow f(kTcp);
    f.service.snmp_min_version = SnmpVersion::V1;
    return why(f.c(b));
  };
  EXPECT_EQ(deny_reason(Bytes{'G', 'E', 'T'}), Reason::MalformedSnmp);  // not a SEQUENCE
  EXPECT_EQ(deny_reason(Bytes{0x30, 0x80}), Reason::MalformedSnmp);     // indefinite
  EXPECT_EQ(deny_reason(Bytes{0x30, 0x85}), Reason::MalformedSnmp);     // 5 length octets
  EXPECT_EQ(deny_reason(Bytes{0x30, 0x83, 0x01, 0x00, 0x00}), Reason::MalformedSnmp);  // > 64K
  // Malformation found only once the message is whole (a varbind value is constructed).
  Flow f(kTcp);
  f.service.snmp_min_version = SnmpVersion::V1;
  f.ctx.peer_is_management = true;
  Bytes bad = patched(kV1Get, 41, 0x30);
  Bytes head(bad.begin(), bad.begin() + 40);
  Bytes tail(bad.begin() + 40, bad.end());
  EXPECT_TRUE(ok(f.c(head)));
  EXPECT_EQ(why(f.c(tail)), Reason::MalformedSnmp);
}

TEST(SnmpTcp, PartialMessagesWaitWithoutVerdict) {
  Flow f(kTcp);
  Bytes head(kV3AuthPrivGet.begin(), kV3AuthPrivGet.begin() + 10);
  auto d = f.c(head);
  EXPECT_TRUE(ok(d));
  EXPECT_EQ(d.allowed_bytes, head.size());
  // Directions are reassembled apart.
  EXPECT_TRUE(ok(f.s(kV3Report)));
  Bytes rest(kV3AuthPrivGet.begin() + 10, kV3AuthPrivGet.end());
  EXPECT_TRUE(ok(f.c(rest)));
}

TEST(SnmpTcp, StateFitsTheArena) {
  EXPECT_LE(sizeof(SnmpTcpState), FlowArena::kBlockSize);
  FlowArena a(1);
  FlowState* s = kTcp.open(a);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(kTcp.open(a), nullptr);  // no block left: the pipeline fails closed
  Context ctx;
  kTcp.close(s, a, ctx);
  EXPECT_EQ(a.available(), 1u);
}

}  // namespace
}  // namespace pw::proto::snmp
