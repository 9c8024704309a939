// HTTP/1.x requests (RFC 9110, RFC 9112) on clear-text HTTP services (WebDAV, OCSP, SCEP,
// proxies). Every byte of a request line and field line is judged as it streams, by the RFC's
// token rules, so no part of a unit goes unseen whatever its length (lines up to 8 KiB, then
// `line-too-long`):
//  - `Authorization` / `Proxy-Authorization` (also in trailers): the auth-scheme is a token after
//    OWS, judged at the byte that completes it, before any credential byte. Basic is
//    `http-basic-cleartext`; Digest, Negotiate, NTLM, SCRAM, HOBA and Mutual pass; Bearer, any
//    other scheme, and a scheme split or wrapped by a non-token byte (VT, FF, NUL, ...) are
//    `http-cleartext-credential`: what a lax server could read as a credential and the gateway
//    cannot classify is refused.
//  - userinfo in the request target (`http://user:pass@host/`, authority-form too): refused at
//    the first byte after a ':' that cannot be a port, or at the '@' (RFC 9110 4.2.4).
//  - framing: Content-Length and Transfer-Encoding values are read whole (a line longer than 256
//    bytes is `unit-too-long`); a Transfer-Encoding whose final coding is not chunked, both
//    headers, differing lengths, obs-fold and bare CR are `malformed-http`. Bodies are followed
//    (length, chunked) so that pipelined and keep-alive requests are all seen.
// A CONNECT tunnel must carry TLS.
#pragma once

#include "protocols/inspector.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto::http {

class HttpInspector : public Inspector {
 public:
  const char* name() const override { return "http"; }
  PW_INSPECTOR_MEMBERS
};

}  // namespace pw::proto::http
