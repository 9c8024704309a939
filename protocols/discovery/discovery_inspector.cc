#include "protocols/discovery/discovery_inspector.h"

#include <algorithm>

namespace pw::proto::discovery {

namespace {

constexpr uint16_t kMdnsPorts[] = {5353};
constexpr uint16_t kLlmnrPorts[] = {5355};
constexpr uint16_t kNbnsPorts[] = {137};
constexpr uint16_t kNbdgmPorts[] = {138};
constexpr uint16_t kSsdpPorts[] = {1900};
constexpr uint16_t kWsdPorts[] = {3702};
constexpr uint16_t kSlpPorts[] = {427};
constexpr uint16_t kCupsPorts[] = {631};

std::span<const uint16_t> ports_of(Protocol p) {
  switch (p) {
    case Protocol::Mdns: return kMdnsPorts;
    case Protocol::Llmnr: return kLlmnrPorts;
    case Protocol::NetbiosNs: return kNbnsPorts;
    case Protocol::NetbiosDgm: return kNbdgmPorts;
    case Protocol::Ssdp: return kSsdpPorts;
    case Protocol::Wsd: return kWsdPorts;
    case Protocol::Slp: return kSlpPorts;
    case Protocol::CupsBrowsing: return kCupsPorts;
  }
  return {};
}

constexpr size_t kMaxOf[] = {kMaxMdns, kMaxLlmnr, kMaxNetbios, kMaxNetbios,
                             kMaxSsdp, kMaxWsd,   kMaxSlp,     kMaxCupsBrowse};

bool name_protocol(Protocol p) {
  return p == Protocol::Mdns || p == Protocol::Llmnr || p == Protocol::NetbiosNs;
}

}  // namespace

DiscoveryInspector::DiscoveryInspector(Protocol p)
    : protocol_(p),
      requirements_{Requirements::Transport::Datagram, false,
                    static_cast<uint32_t>(kMaxOf[static_cast<size_t>(p)]), 0, ports_of(p)} {}

const Requirements& DiscoveryInspector::requirements() const { return requirements_; }

FlowState* DiscoveryInspector::open(FlowArena& a) const { return a.make<DiscoveryState>(); }

std::string_view DiscoveryInspector::detail(const FlowState& s) const {
  const auto& st = static_cast<const DiscoveryState&>(s);
  return {st.detail, st.detail_len};
}

Decision DiscoveryInspector::on_data(FlowState& s, Dir d, std::span<const std::byte> in,
                                     Context& ctx) const {
  auto& st = static_cast<DiscoveryState&>(s);
  const Parsed m = parse(protocol_, {reinterpret_cast<const uint8_t*>(in.data()), in.size()});
  auto refuse = [&](Reason r, std::string_view what) {
    std::string_view proto = to_string(protocol_);
    size_t n = 0;
    for (char c : proto)
      if (n < sizeof st.detail) st.detail[n++] = c;
    if (n < sizeof st.detail) st.detail[n++] = ' ';
    for (char c : what)
      if (n < sizeof st.detail) st.detail[n++] = c;
    st.detail_len = static_cast<uint8_t>(n);
    return Decision{Verdict::Deny, 0, r};
  };
  if (!m.ok) return refuse(m.doctype ? Reason::DiscoveryDenied : Reason::MalformedDiscovery, m.what);
  // Toward a printer: the flow's initiator is a peer and this datagram comes from it, or the
  // printer opened the flow and this is the peer's reply.
  const bool toward_printer = ctx.to_printers == (d == Dir::ToServer);
  if (toward_printer) {
    if (m.role == Role::Register) return refuse(Reason::DiscoveryDenied, m.what.empty() ? "registration" : m.what);
    if (protocol_ == Protocol::CupsBrowsing) return refuse(Reason::DiscoveryDenied, "browse packet");
    // A name answer on a flow a peer opened toward the printer is unsolicited or answers a
    // multicast question (whoever answers first wins: poisoning). One on a flow the printer
    // opened is its unicast server's reply (a peer its service allows it to ask).
    const bool answers_ok = (ctx.service && ctx.service->discovery_answers) || !ctx.to_printers;
    if (name_protocol(protocol_) && (m.role == Role::Answer || m.role == Role::Announce) && !answers_ok)
      return refuse(Reason::DiscoveryDenied, "name answer");
  }
  st.detail_len = 0;
  return {Verdict::Continue, static_cast<uint32_t>(in.size()), Reason::Forwarded};
}

}  // namespace pw::proto::discovery
