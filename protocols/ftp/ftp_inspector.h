// FTP control channel (RFC 959, RFC 2228, RFC 4217): before AUTH TLS only FEAT, SYST, NOOP,
// QUIT, HELP and OPTS pass; USER, PASS, ACCT are plaintext logins; after "234" the bytes must
// be a TLS handshake, then TLS records only (CCC or any clear text after TLS is denied).
// With `plaintext-auth allow` (an admin's explicit choice) PORT/EPRT bounces are still denied.
#pragma once

#include "protocols/starttls/starttls_inspector.h"

namespace pw::proto::ftp {

const starttls::Spec& spec();

class FtpInspector : public starttls::StartTlsInspector {
 public:
  FtpInspector() : StartTlsInspector(spec()) {}
};

}  // namespace pw::proto::ftp
