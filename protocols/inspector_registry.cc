#include "protocols/inspector_registry.h"

#include "protocols/tls/tls_inspector.h"

namespace pw::proto {

const Inspector* inspector_for(policy::Inspect p) {
  // One instance of each inspector, immutable, shared by every lcore.
  static const tls::TlsInspector kTls;
  switch (p) {
    case policy::Inspect::Tls: return &kTls;
    // The other protocol inspectors are added here as they are built.
    default:
      return nullptr;
  }
}

}  // namespace pw::proto
