// Fuzz target: the LDAP inspector (and, after a StartTLS it accepts, the TLS hand-off) on
// arbitrary bytes. The first input byte is the chunk size (0: 256); the rest is cut into chunks
// of that size that alternate directions (ToServer first), fed until the inspector denies or
// lets go. Every input runs under three services: tls optional, tls required, and tls optional
// with plaintext-auth allow.
// Invariants: no crash, no out-of-bounds access (ASan), allowed_bytes within the chunk, a deny is
// final, every BufferPool buffer and arena block given back at close.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <vector>

#include "policy/inspector_config.h"
#include "tests/fuzz/inspector_properties.h"
#include "protocols/ldap/ldap_inspector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pw;
  if (size == 0) return 0;
  static const proto::ldap::LdapInspector ldap;
  // Small buffers, so that the "beginning outgrows a pool buffer" path is reachable too.
  static proto::BufferPool pool(2, 2048);
  static proto::FlowArena arena(1);
  const size_t chunk = data[0] ? data[0] : 256;
  std::span<const uint8_t> in(data + 1, size - 1);
  for (int config = 0; config < 3; ++config) {
    policy::InspectorConfig svc;
    svc.inspect = policy::Inspect::Ldap;
    svc.tls = config == 1 ? policy::TlsMode::Required : policy::TlsMode::Optional;
    svc.plaintext_auth = config == 2;
    ReasonCounters counters;
    proto::Context ctx = fuzz::context(svc, pool, counters);
    proto::FlowState* st = ldap.open(arena);
    if (!st) std::abort();
    auto dir = proto::Dir::ToServer;
    for (size_t off = 0; off < in.size(); off += chunk) {
      auto part = in.subspan(off, std::min(chunk, in.size() - off));
      proto::Decision d = ldap.on_data(*st, dir, std::as_bytes(part), ctx);
      if (d.allowed_bytes > part.size()) std::abort();
      if (d.verdict == proto::Verdict::Deny) {
        // An LDAP deny is final (after the hand-off, TLS keeps its own state).
        if (static_cast<proto::ldap::LdapState*>(st)->phase != proto::ldap::LdapState::Phase::Tls &&
            ldap.on_data(*st, dir, std::as_bytes(part), ctx).verdict != proto::Verdict::Deny)
          std::abort();
        break;
      }
      if (d.verdict == proto::Verdict::PassThrough) break;
      dir = dir == proto::Dir::ToServer ? proto::Dir::ToClient : proto::Dir::ToServer;
    }
    ldap.close(st, arena, ctx);
    // The properties every inspector target checks (inspector_properties.h).
    fuzz::check(ldap, ctx, arena, fuzz::alternating_chunks(in, chunk), fuzz::seed_of({data, size}));
  }
  if (pool.available() != 2 || arena.available() != 1) std::abort();  // a leak
  return 0;
}
