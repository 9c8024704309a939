// IMAP (RFC 3501, RFC 9051): before a tagged OK to STARTTLS only CAPABILITY, STARTTLS, NOOP and
// LOGOUT pass; LOGIN and AUTHENTICATE are plaintext logins.
#pragma once

#include "protocols/line/starttls_inspector.h"

namespace pw::proto::imap {

const line::Spec& spec();

class ImapInspector : public line::StartTlsInspector {
 public:
  ImapInspector() : StartTlsInspector(spec()) {}
};

}  // namespace pw::proto::imap
