// Events: every denial, reject and alert of the fast path, with the fields of design.md.
// Plain values (no strings): the control thread formats them (JSON lines, syslog).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/ip.h"
#include "common/reason.h"

namespace pw::policy {
class CompiledPolicy;
}

namespace pw::dp {

// Block: an alert whose source is now blocked toward the printers (auth-failures with
// `detection failed-auth action block-source`).
enum class EventAction : uint8_t { Drop, Reject, Alert, Block };

struct Event {
  uint64_t ts_ns = 0;  // UNIX time
  EventAction action = EventAction::Drop;
  Reason reason = Reason::Forwarded;
  uint8_t ip_proto = 0;  // 0: not IP (layer 2)
  // The flow's initiator and responder (a frame without a flow: its sender and receiver);
  // `to_client` when the frame that caused the event went from the responder to the initiator.
  IpAddr src, dst;
  uint16_t src_port = 0, dst_port = 0;
  bool to_client = false;
  uint8_t icmp_type = 0, icmp_code = 0;  // ICMP and ICMPv6 (the Community ID's ports)
  uint16_t vlan = 0;
  uint16_t service = UINT16_MAX;  // CompiledService id, or none
  uint64_t generation = 0;
  uint64_t flow_id = 0;  // 0: no flow
  uint32_t count = 1;    // events of this kind folded into this one (scan: distinct ports)
  uint16_t app = 0;      // nDPI protocol of the flow, 0: unknown
  uint64_t risks = 0;    // ndpi-risk: nDPI's risk bitmap (named in the JSON)
  // What an inspector's deny was about (a PJL command, a PostScript operator): printable ASCII,
  // `"detail"` in the JSON when not empty.
  static constexpr size_t kDetail = 24;
  char detail[kDetail] = {};
  uint8_t detail_len = 0;
  void set_detail(std::string_view d);
};

const char* to_string(EventAction a);

// What an event's JSON takes from outside the event.
struct EventContext {
  const policy::CompiledPolicy* policy = nullptr;  // names the service and profile (may be null)
  std::string_view host;                           // the appliance's name ("host")
};

// One JSON object, no trailing newline, in the fields of docs/events.md (Suricata EVE's names:
// timestamp, event_type "alert", host, flow_id, community_id, src_ip ... dest_port by initiator,
// direction, proto, app_proto, the alert object) and those of the replay contract (ts, dst_ip,
// dst_port, action, reason).
std::string event_json(const Event& e, const EventContext& ctx);
// The same with the policy's host name (`set system host-name`), else this machine's.
std::string event_json(const Event& e, const policy::CompiledPolicy* policy);
// This machine's host name (gethostname), read once.
const std::string& local_host_name();

}  // namespace pw::dp
