// Which traffic a new policy would inspect less than the running one: the check behind the
// security role (design: "TLS-only enforcement cannot be switched off by an admin"). It judges
// the compiled policies, not the statements that produced them, so that no spelling escapes it:
// a new service on an inspected service's port, a clone without its inspection, `inspect none`,
// group addresses moved between services, a printer network removed while transit is forwarded.
//
// Traffic is every (direction, tcp/udp, port, printer side, peer side) the address maps and
// port tables tell apart. A reduction: traffic that the running policy allowed through an
// inspected service (`inspect` other than none) and that the candidate allows through a service
// whose inspection differs (another inspector, none, or other inspection settings), or forwards
// as transit. Denying such traffic, or opening traffic that was denied, is not a reduction.
#pragma once

#include <string>
#include <vector>

#include "policy/compiled_policy.h"

namespace pw::policy {

struct InspectionLoss {
  std::string text;  // "tcp 443 to-printers, peer 198.18.40.0: remote-ui-https (inspect tls) -> ..."
};

// At most `max` reductions from `before` to `after`, one per (direction, protocol, service pair).
std::vector<InspectionLoss> inspection_losses(const CompiledPolicy& before,
                                              const CompiledPolicy& after, size_t max = 16);

}  // namespace pw::policy
