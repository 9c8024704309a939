// Fuzz target: the SNMP inspectors (UDP and TCP, RFC 3430) on arbitrary bytes.
// The first input byte is the chunk size (0: 256); the rest is cut into chunks of that size that
// alternate directions (ToServer first). Over UDP each chunk is a datagram; over TCP a segment.
// Every input runs under a strict service (v3 authPriv) and a lax one (v1, noAuth, management).
// Invariants: no crash, no out-of-bounds access (ASan), allowed_bytes within the chunk, a TCP
// deny is final, every BufferPool buffer and arena block given back at close.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <vector>

#include "policy/inspector_config.h"
#include "tests/fuzz/inspector_properties.h"
#include "protocols/snmp/snmp_inspector.h"

namespace {

using namespace pw;

constexpr size_t kBuffers = 2;
constexpr size_t kBlocks = 2;

void run(const proto::Inspector& insp, bool stream, std::span<const uint8_t> in, size_t chunk,
         proto::Context& ctx, proto::FlowArena& arena) {
  proto::FlowState* st = insp.open(arena);
  if (!st) std::abort();
  auto dir = proto::Dir::ToServer;
  for (size_t off = 0; off < in.size(); off += chunk) {
    auto part = in.subspan(off, std::min(chunk, in.size() - off));
    proto::Decision d = insp.on_data(*st, dir, std::as_bytes(part), ctx);
    if (d.allowed_bytes > part.size()) std::abort();
    if (d.verdict == proto::Verdict::PassThrough) std::abort();  // SNMP never lets go
    if (d.verdict == proto::Verdict::Deny && stream) {
      // The pipeline kills the flow; the state must say so too.
      if (insp.on_data(*st, dir, std::as_bytes(part), ctx).verdict != proto::Verdict::Deny)
        std::abort();
      break;
    }
    dir = dir == proto::Dir::ToServer ? proto::Dir::ToClient : proto::Dir::ToServer;
  }
  insp.close(st, arena, ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const proto::snmp::SnmpUdpInspector udp;
  static const proto::snmp::SnmpTcpInspector tcp;
  static proto::BufferPool pool(kBuffers, 64 << 10);
  static proto::FlowArena arena(kBlocks);
  const size_t chunk = data[0] ? data[0] : 256;
  std::span<const uint8_t> in(data + 1, size - 1);
  for (int lax = 0; lax < 2; ++lax) {
    policy::InspectorConfig svc;
    svc.inspect = policy::Inspect::Snmp;
    svc.snmp_min_version = lax ? policy::SnmpVersion::V1 : policy::SnmpVersion::V3;
    svc.snmp_min_security = lax ? policy::SnmpSecurity::NoAuth : policy::SnmpSecurity::AuthPriv;
    ReasonCounters counters;
    proto::Context ctx = fuzz::context(svc, pool, counters);
    ctx.peer_is_management = lax;
    run(udp, false, in, chunk, ctx, arena);
    run(tcp, true, in, chunk, ctx, arena);
    // Every TCP message boundary at once: the whole input as one segment.
    run(tcp, true, in, in.size() ? in.size() : 1, ctx, arena);
    // The properties every inspector target checks (inspector_properties.h), over TCP.
    fuzz::check(tcp, ctx, arena, fuzz::alternating_chunks(in, chunk), fuzz::seed_of({data, size}));
  }
  if (pool.available() != kBuffers || arena.available() != kBlocks) std::abort();  // a leak
  return 0;
}
