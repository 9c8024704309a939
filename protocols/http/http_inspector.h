// HTTP/1.x requests (RFC 9110, RFC 9112) on clear-text HTTP services (WebDAV, OCSP, SCEP,
// proxies): `Authorization: Basic` and `Proxy-Authorization: Basic` are denied at the byte that
// completes the scheme, before any credential byte; so is a password in the request target
// (http://user:pass@host/). Requests are followed through their bodies (Content-Length, chunked)
// so pipelined and keep-alive requests are all seen; ambiguous framing (both Content-Length and
// chunked, obs-fold, differing lengths) is denied as malformed. A CONNECT tunnel must carry TLS.
#pragma once

#include "protocols/inspector.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto::http {

class HttpInspector : public Inspector {
 public:
  const char* name() const override { return "http"; }
  FlowState* open(FlowArena& a) const override;
  void close(FlowState* s, FlowArena& a, Context& ctx) const override;
  Decision on_data(FlowState& s, Dir d, std::span<const std::byte> in, Context& ctx) const override;
};

}  // namespace pw::proto::http
