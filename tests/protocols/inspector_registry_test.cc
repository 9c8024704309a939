// The inspector registry and the requirements each inspector declares: one inspector per
// keyword and transport, lookups that agree with the list, declarations the dataplane can rely
// on (a buffer size that fits every inspector, ports, unit bounds).
#include "protocols/inspector_registry.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "policy/policy_model.h"

namespace pw::proto {
namespace {

using policy::Inspect;
using Transport = Requirements::Transport;

bool datagram(const Inspector& i) { return i.requirements().transport == Transport::Datagram; }

TEST(InspectorRegistry, OneInspectorPerKeywordAndTransport) {
  std::set<std::pair<Inspect, bool>> seen;
  for (const Registered& r : registered()) {
    ASSERT_NE(r.inspector, nullptr);
    EXPECT_TRUE(seen.insert({r.keyword, datagram(*r.inspector)}).second)
        << policy::to_string(r.keyword) << " registered twice for one transport";
    EXPECT_EQ(inspector_for(r.keyword, datagram(*r.inspector)), r.inspector) << r.inspector->name();
  }
  EXPECT_GE(seen.size(), 11u);
}

TEST(InspectorRegistry, LookupsFollowTheDeclaredTransport) {
  ASSERT_NE(inspector_for(Inspect::Snmp, true), nullptr);
  ASSERT_NE(inspector_for(Inspect::Snmp, false), nullptr);
  EXPECT_TRUE(datagram(*inspector_for(Inspect::Snmp, true)));
  EXPECT_FALSE(datagram(*inspector_for(Inspect::Snmp, false)));
  // No datagram inspector for a stream protocol: a UDP flow of it is not inspected.
  EXPECT_EQ(inspector_for(Inspect::Ftp, true), nullptr);
  EXPECT_EQ(inspector_for(Inspect::None), nullptr);
  // Keywords past the end of the enumeration are refused, not read out of bounds.
  EXPECT_EQ(inspector_for(static_cast<Inspect>(200)), nullptr);
}

TEST(InspectorRegistry, DeclarationsAreUsable) {
  for (const Registered& r : registered()) {
    const Requirements& q = r.inspector->requirements();
    const std::string name = r.inspector->name();
    EXPECT_FALSE(name.empty());
    EXPECT_FALSE(q.ports.empty()) << name;
    EXPECT_GT(q.max_unit, 0u) << name;
    EXPECT_LE(q.buffer_bytes, message_buffer_bytes()) << name;
    // Datagrams come whole: an inspector of them never reassembles in a buffer.
    if (q.transport == Transport::Datagram) {
      EXPECT_EQ(q.buffer_bytes, 0u) << name;
    }
    // What upgrades to TLS inspects a TLS handshake, whose messages need a buffer.
    if (q.starttls) {
      EXPECT_GE(q.buffer_bytes, kMessageBufferBytes) << name;
    }
  }
  EXPECT_EQ(message_buffer_bytes(), kMessageBufferBytes);
}

TEST(InspectorRegistry, StartTlsIsDeclaredByTheProtocolsThatUpgrade) {
  for (Inspect k : {Inspect::Ftp, Inspect::Smtp, Inspect::Pop3, Inspect::Imap, Inspect::Ldap})
    EXPECT_TRUE(inspector_for(k)->requirements().starttls) << policy::to_string(k);
  for (Inspect k : {Inspect::Tls, Inspect::Http, Inspect::Smb, Inspect::Snmp})
    EXPECT_FALSE(inspector_for(k)->requirements().starttls) << policy::to_string(k);
}

TEST(InspectorRegistry, FtpDataInspectorsAreTls) {
  for (bool active : {false, true}) {
    const Inspector* i = ftp_data_inspector(active);
    ASSERT_NE(i, nullptr);
    EXPECT_EQ(i->requirements().buffer_bytes, inspector_for(Inspect::Tls)->requirements().buffer_bytes);
  }
  EXPECT_NE(ftp_data_inspector(false), ftp_data_inspector(true));
}

}  // namespace
}  // namespace pw::proto
