#include "dataplane/ftp_sessions.h"

namespace pw::dp {

const policy::CompiledService* FtpSessions::data_service(const policy::CompiledPolicy& policy,
                                                         const Pair& p, uint16_t port,
                                                         bool active) const {
  using namespace policy;
  const uint16_t* control_port = table_.value(p);
  if (!control_port) return nullptr;
  const CompiledService* svc = policy.match(PolicyDir::ToPrinters, L4::Tcp, *control_port,
                                            policy.classify(p.printer), policy.classify(p.client));
  if (!svc || svc->inspect != Inspect::Ftp || svc->action != Action::Allow) return nullptr;
  if (active) return port >= 1024 ? svc : nullptr;  // RFC 2577: never a privileged port
  if (!svc->passive_ports.lo || port < svc->passive_ports.lo || port > svc->passive_ports.hi)
    return nullptr;
  return svc;
}

}  // namespace pw::dp
