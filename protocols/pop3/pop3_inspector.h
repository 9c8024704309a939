// POP3 (RFC 1939, STLS RFC 2595): before "+OK" to STLS only CAPA, STLS and QUIT pass; USER,
// PASS, APOP and AUTH are plaintext logins.
#pragma once

#include "protocols/line/starttls_inspector.h"

namespace pw::proto::pop3 {

const line::Spec& spec();

class Pop3Inspector : public line::StartTlsInspector {
 public:
  Pop3Inspector() : StartTlsInspector(spec()) {}
};

}  // namespace pw::proto::pop3
