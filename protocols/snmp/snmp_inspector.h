// SNMP inspection (hardening guide, "SNMP" row: v1 off, v3 only, authPriv except discovery).
//
//  - SNMPv1/v2c (a community string in clear text): denied below the service's snmp-version
//    (default 3) with snmp-community, in both directions.
//  - SNMPv3 below the service's snmp-security: denied with snmpv3-noauth, except USM engine-ID
//    discovery (RFC 3414 section 4): a noAuthNoPriv, reportable GetRequest with an empty
//    msgUserName toward the agent, and the agent's noAuthNoPriv Report back.
//  - SetRequest from a peer outside the management group: denied (snmp-set-denied) where the
//    PDU is visible: v1/v2c and v3 without privacy. An authPriv PDU is encrypted and cannot be
//    seen; the agent's own access control (VACM, RFC 3415) has to hold there.
//  - Anything that does not decode: malformed-snmp.
//  - Observation: an agent's Report of a failed USM authentication (unknown user, wrong digest,
//    decryption error; RFC 3414 section 3.2) counts auth-failed.
//
// Two inspectors share the grammar (snmp_parser.h): SnmpUdpInspector (one datagram per on_data
// call, RFC 3417) and SnmpTcpInspector (RFC 3430: messages back to back in the stream,
// reassembled in the flow state, or in a BufferPool buffer when larger).
#pragma once

#include <cstdint>
#include <span>

#include "protocols/inspector.h"
#include "protocols/snmp/snmp_parser.h"

namespace pw::proto::snmp {

// The decision on a message from what is known of it so far.
struct Judgement {
  enum class Kind : uint8_t { NeedMore, Allow, Deny };
  Kind kind = Kind::NeedMore;
  Reason reason = Reason::Forwarded;
};
Judgement judge(const Message& m, Dir d, const Context& ctx);

// UDP: every datagram is judged alone (the pipeline keeps a UDP flow after a denied datagram).
struct SnmpUdpState : FlowState {};

class SnmpUdpInspector : public Inspector {
 public:
  const char* name() const override { return "snmp"; }
  PW_INSPECTOR_MEMBERS_KEEPING_CLOSE
};

// TCP (RFC 3430). A message is judged on its beginning as soon as that decides (so a community
// string is never forwarded), and decoded whole when its last octet arrives.
struct SnmpTcpSide {
  static constexpr uint32_t kInline = 448;
  uint32_t total = 0;  // octets of the current message, header included (0: header not read)
  uint32_t have = 0;   // octets of it collected
  uint32_t buf = BufferPool::kNone;  // BufferPool buffer when total > kInline
  bool decided = false;              // allowed on its beginning; the whole decode is left
  uint8_t data[kInline];
};

struct SnmpTcpState : FlowState {
  SnmpTcpSide side[2];  // [Dir::ToServer], [Dir::ToClient]
  bool denied = false;
  Reason reason = Reason::Forwarded;
};

class SnmpTcpInspector : public Inspector {
 public:
  // Largest message accepted over TCP: 65,535 octets of content (what any agent's msgMaxSize
  // allows over a transport; RFC 3430 sets no limit of its own).
  static constexpr uint32_t kMaxMessage = 65535;

  const char* name() const override { return "snmp"; }
  PW_INSPECTOR_MEMBERS
};

}  // namespace pw::proto::snmp
