// Real TLS handshakes for tests and benchmarks: an OpenSSL client and server over memory BIOs,
// the bytes each sends recorded in order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pw::testing {

struct TlsChunk {
  bool to_server;
  std::string bytes;
};

struct TlsTranscriptOptions {
  int max_version = 0;  // 0: TLS 1.3; else e.g. TLS1_2_VERSION
  int cert_bits = 2048;
  const char* server_name = nullptr;  // SNI the client sends (null: none)
  const char* alpn = nullptr;  // one ALPN protocol the client offers and the server selects
};

// The handshake's flights (client first) until both sides are done; empty on failure.
std::vector<TlsChunk> tls_handshake(const TlsTranscriptOptions& o = {});

}  // namespace pw::testing
