// Fuzz target: the discovery and name protocol parsers and inspectors (protocols/discovery/) on
// arbitrary datagrams. The first input byte picks the protocol (low 3 bits) and whether the flow
// was opened toward a printer (bit 3) and answers are allowed (bit 4); the rest is one datagram,
// judged in both directions. Invariants: no crash, no read outside the datagram (ASan), the
// same verdict twice, a well-formed datagram within its protocol's size limit, allowed_bytes the
// whole datagram or nothing, the detail within its 24 bytes, every arena block given back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "protocols/discovery/discovery_inspector.h"

namespace {

using namespace pw;
using proto::discovery::DiscoveryInspector;
using proto::discovery::Protocol;

const DiscoveryInspector& inspector(Protocol p) {
  static const DiscoveryInspector kAll[] = {
      DiscoveryInspector(Protocol::Mdns),       DiscoveryInspector(Protocol::Llmnr),
      DiscoveryInspector(Protocol::NetbiosNs),  DiscoveryInspector(Protocol::NetbiosDgm),
      DiscoveryInspector(Protocol::Ssdp),       DiscoveryInspector(Protocol::Wsd),
      DiscoveryInspector(Protocol::Slp),        DiscoveryInspector(Protocol::CupsBrowsing)};
  return kAll[static_cast<size_t>(p)];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Protocol p = static_cast<Protocol>(data[0] & 7);
  const std::span<const uint8_t> dgram(data + 1, size - 1);
  const proto::discovery::Parsed a = proto::discovery::parse(p, dgram);
  const proto::discovery::Parsed b = proto::discovery::parse(p, dgram);
  if (a.ok != b.ok || a.role != b.role || a.what != b.what) std::abort();
  if (a.ok && dgram.size() > inspector(p).requirements().max_unit) std::abort();
  static proto::FlowArena arena(1);
  policy::InspectorConfig svc;
  svc.discovery_answers = data[0] & 0x10;
  proto::Context ctx;
  ctx.service = &svc;
  ctx.to_printers = data[0] & 0x08;
  for (proto::Dir d : {proto::Dir::ToServer, proto::Dir::ToClient}) {
    proto::FlowState* st = inspector(p).open(arena);
    if (!st) std::abort();
    const proto::Decision r = inspector(p).on_data(*st, d, std::as_bytes(dgram), ctx);
    if (r.verdict == proto::Verdict::PassThrough) std::abort();
    if (r.verdict == proto::Verdict::Continue && r.allowed_bytes != dgram.size()) std::abort();
    if (r.verdict == proto::Verdict::Deny && (r.allowed_bytes != 0 || !inspector(p).detail(*st).size()))
      std::abort();
    if (r.verdict == proto::Verdict::Continue && !a.ok) std::abort();  // a malformed one never passes
    if (inspector(p).detail(*st).size() > 24) std::abort();
    inspector(p).close(st, arena, ctx);
  }
  if (arena.available() != 1) std::abort();
  return 0;
}
