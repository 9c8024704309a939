// IMAP (RFC 3501, RFC 9051): before a tagged OK to STARTTLS only CAPABILITY, STARTTLS, NOOP and
// LOGOUT pass; LOGIN and AUTHENTICATE are plaintext logins.
#pragma once

#include "protocols/starttls/starttls_inspector.h"

namespace pw::proto::imap {

const starttls::Spec& spec();

class ImapInspector : public starttls::StartTlsInspector {
 public:
  ImapInspector() : StartTlsInspector(spec()) {}
};

}  // namespace pw::proto::imap
