// POP3 (RFC 1939, STLS RFC 2595): before "+OK" to STLS only CAPA, STLS and QUIT pass; USER,
// PASS, APOP and AUTH are plaintext logins.
#pragma once

#include "protocols/starttls/starttls_inspector.h"

namespace pw::proto::pop3 {

const starttls::Spec& spec();

class Pop3Inspector : public starttls::StartTlsInspector {
 public:
  Pop3Inspector() : StartTlsInspector(spec()) {}
};

}  // namespace pw::proto::pop3
