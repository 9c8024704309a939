// Discovery and name protocols over UDP (protocols/discovery/README.md): each datagram is parsed
// whole (discovery_parser.h); one that does not parse or is over its protocol's limits is
// malformed-discovery; one the rules refuse is discovery-denied:
//   - a registration toward a printer (SLP SrvReg/SrvDeReg: CVE-2023-29552's amplification;
//     NetBIOS name registration, release, refresh);
//   - a name answer toward a printer on a flow a peer opened (mDNS, LLMNR, NetBIOS name
//     service: unsolicited, or an answer to a multicast question, which arrives as a flow of its
//     own: the poisoning that captures a printer's scan-to-folder credentials), unless the service
//     says `discovery-answers allow`; a reply on a flow the printer opened to a unicast peer (its
//     WINS server) is that peer's answer and passes;
//   - a CUPS browse packet toward a printer (CVE-2024-47176);
//   - an XML document type or entity declaration in WS-Discovery.
// The event's detail names the protocol and what was wrong or refused ("slp SrvReg").
#pragma once

#include "protocols/discovery/discovery_parser.h"
#include "protocols/inspector.h"

namespace pw::proto::discovery {

struct DiscoveryState : FlowState {
  char detail[24];
  uint8_t detail_len = 0;
};

class DiscoveryInspector : public Inspector {
 public:
  explicit DiscoveryInspector(Protocol p);
  const char* name() const override { return to_string(protocol_); }
  std::string_view detail(const FlowState& s) const override;
  PW_INSPECTOR_MEMBERS_KEEPING_CLOSE

 private:
  Protocol protocol_;
  Requirements requirements_;
};

}  // namespace pw::proto::discovery
