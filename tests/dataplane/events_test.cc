// Events as a SOC ingests them: Community ID v1 against the specification's published vectors,
// and the JSON fields of docs/events.md.
#include "dataplane/events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dataplane/community_id.h"
#include "dataplane/packet.h"

namespace pw::dp {
namespace {

using nlohmann::json;

IpAddr ip(const char* s) { return *parse_ip(s); }

TEST(CommunityId, PublishedVectors) {
  // The specification's baseline (seed 0 unless said).
  EXPECT_EQ(community_id_v1(ip("1.2.3.4"), ip("5.6.7.8"), 6, 1122, 3344),
            "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(community_id_v1(ip("1.2.3.4"), ip("5.6.7.8"), 17, 1122, 3344),
            "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
  EXPECT_EQ(community_id_v1(ip("1.2.3.4"), ip("5.6.7.8"), 1, 8, 0),
            "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(community_id_v1(ip("fe80:1:203:405:607:809:a0b:c0d"),
                            ip("fe80:1011:1213:1415:1617:1819:1a1b:1c1d"), 58, 128, 0),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
  EXPECT_EQ(community_id_v1(ip("1.2.3.4"), ip("5.6.7.8"), 6, 1122, 3344, 1),
            "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
  EXPECT_EQ(community_id_v1(ip("1.2.3.4"), ip("5.6.7.8"), 46, 0, 0),  // RSVP: no ports
            "1:ikv3kmf89luf73WPz1jOs49S768=");
}

TEST(CommunityId, BothDirectionsGiveOneId) {
  EXPECT_EQ(community_id_v1(ip("5.6.7.8"), ip("1.2.3.4"), 6, 3344, 1122),
            "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  // An echo reply belongs to its request.
  EXPECT_EQ(community_id_v1(ip("5.6.7.8"), ip("1.2.3.4"), 1, 0, 0),
            "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(community_id_v1(ip("fe80:1011:1213:1415:1617:1819:1a1b:1c1d"),
                            ip("fe80:1:203:405:607:809:a0b:c0d"), 58, 129, 0),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
  // Same address: the ports decide the order.
  EXPECT_EQ(community_id_v1(ip("198.18.0.1"), ip("198.18.0.1"), 6, 1000, 2000),
            community_id_v1(ip("198.18.0.1"), ip("198.18.0.1"), 6, 2000, 1000));
  // A one-way ICMP message (destination unreachable) is not reordered: each side has its own.
  EXPECT_NE(community_id_v1(ip("1.2.3.4"), ip("5.6.7.8"), 1, 3, 1),
            community_id_v1(ip("5.6.7.8"), ip("1.2.3.4"), 1, 3, 1));
  // Other ports, other protocol, other flow.
  EXPECT_NE(community_id_v1(ip("1.2.3.4"), ip("5.6.7.8"), 6, 1122, 3345),
            "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(community_id_v1(ip("1.2.3.4"), ip("2001:db8::1"), 6, 1, 2), "");
}

Event sample() {
  Event e;
  e.ts_ns = 1'764'097'380'000'001'000ull;  // 2025-11-25T19:03:00.000001Z
  e.action = EventAction::Reject;
  e.reason = Reason::PlaintextAuth;
  e.ip_proto = kProtoTcp;
  e.src = ip("198.18.0.9");
  e.dst = ip("198.18.20.5");
  e.src_port = 40000;
  e.dst_port = 21;
  e.flow_id = 1'764'097'380'000'123ull;
  return e;
}

TEST(EventJson, EveFieldsAndTheReplayContract) {
  const json j = json::parse(event_json(sample(), EventContext{nullptr, "gw-1"}));
  EXPECT_EQ(j.at("timestamp"), "2025-11-25T19:03:00.000001Z");
  EXPECT_EQ(j.at("ts"), j.at("timestamp"));
  EXPECT_EQ(j.at("event_type"), "alert");
  EXPECT_EQ(j.at("host"), "gw-1");
  EXPECT_EQ(j.at("flow_id"), 1'764'097'380'000'123ull);
  EXPECT_EQ(j.at("community_id"),
            community_id_v1(ip("198.18.0.9"), ip("198.18.20.5"), 6, 40000, 21));
  EXPECT_EQ(j.at("src_ip"), "198.18.0.9");
  EXPECT_EQ(j.at("src_port"), 40000);
  EXPECT_EQ(j.at("dest_ip"), "198.18.20.5");
  EXPECT_EQ(j.at("dest_port"), 21);
  EXPECT_EQ(j.at("dst_ip"), j.at("dest_ip"));
  EXPECT_EQ(j.at("dst_port"), j.at("dest_port"));
  EXPECT_EQ(j.at("proto"), "tcp");
  EXPECT_EQ(j.at("direction"), "to_server");
  EXPECT_EQ(j.at("action"), "reject");
  EXPECT_EQ(j.at("reason"), "plaintext-auth");
  const json& a = j.at("alert");
  EXPECT_EQ(a.at("action"), "blocked");
  EXPECT_EQ(a.at("signature"), "plaintext-auth");
  EXPECT_EQ(a.at("signature_id"), static_cast<int>(Reason::PlaintextAuth));
  EXPECT_EQ(a.at("category"), "cleartext-credential");
  EXPECT_EQ(a.at("severity"), 1);
  EXPECT_EQ(a.at("description"), reason_description(Reason::PlaintextAuth));
  EXPECT_FALSE(j.contains("app_proto"));  // no service, nothing named by nDPI
  EXPECT_FALSE(j.contains("detail"));
}

TEST(EventJson, AlertsAreAllowedFramesWithoutAFlowHaveNoFlowId) {
  Event e = sample();
  e.action = EventAction::Alert;
  e.reason = Reason::PortScan;
  e.flow_id = 0;
  e.to_client = true;
  const json j = json::parse(event_json(e, EventContext{nullptr, "gw-1"}));
  EXPECT_EQ(j.at("alert").at("action"), "allowed");
  EXPECT_EQ(j.at("alert").at("category"), "reconnaissance");
  EXPECT_FALSE(j.contains("flow_id"));
  EXPECT_EQ(j.at("direction"), "to_client");
}

TEST(EventJson, IcmpCarriesTypeAndCodeLayer2HasNoAddresses) {
  Event e = sample();
  e.ip_proto = kProtoIcmp;
  e.src_port = e.dst_port = 0;
  e.icmp_type = 8;
  const json j = json::parse(event_json(e, EventContext{nullptr, "gw"}));
  EXPECT_EQ(j.at("icmp_type"), 8);
  EXPECT_EQ(j.at("icmp_code"), 0);
  EXPECT_EQ(j.at("community_id"), community_id_v1(e.src, e.dst, kProtoIcmp, 8, 0));
  Event l2;
  l2.reason = Reason::UnknownEthertype;
  const json k = json::parse(event_json(l2, EventContext{nullptr, "gw"}));
  EXPECT_TRUE(k.at("src_ip").is_null());
  EXPECT_TRUE(k.at("dest_ip").is_null());
  EXPECT_FALSE(k.contains("community_id"));
  EXPECT_EQ(k.at("proto"), "none");
}

TEST(EventJson, DetailFromTheWireStaysPrintable) {
  Event e = sample();
  e.set_detail(std::string_view("FS\"DIR\x01\xff", 8));
  const json j = json::parse(event_json(e, EventContext{nullptr, "gw"}));
  EXPECT_EQ(j.at("detail"), "FS\"DIR??");
}

TEST(Reasons, EveryReasonHasACategoryAndASeverity) {
  for (size_t i = 0; i < kReasonCount; ++i) {
    const Reason r = static_cast<Reason>(i);
    EXPECT_STRNE(reason_category(r), "") << reason_code(r);
    EXPECT_GE(reason_severity(r), 1) << reason_code(r);
    EXPECT_LE(reason_severity(r), 3) << reason_code(r);
  }
}

}  // namespace
}  // namespace pw::dp
