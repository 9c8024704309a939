// SMTP (RFC 5321, STARTTLS RFC 3207), printers as clients (mail relay) and as servers (port 25):
// before a "220" answer to STARTTLS only EHLO, HELO, STARTTLS, NOOP, RSET and QUIT pass; AUTH is
// a plaintext login; a server EHLO reply without STARTTLS on a TLS-required service is stripping.
#pragma once

#include "protocols/starttls/starttls_inspector.h"

namespace pw::proto::smtp {

const starttls::Spec& spec();

class SmtpInspector : public starttls::StartTlsInspector {
 public:
  SmtpInspector() : StartTlsInspector(spec()) {}
};

}  // namespace pw::proto::smtp
