#include "tests/support/tls_transcript.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

namespace pw::testing {

std::vector<TlsChunk> tls_handshake(const TlsTranscriptOptions& o) {
  std::vector<TlsChunk> out;
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(o.cert_bits));
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -86400);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
  X509_set_pubkey(x, key);
  X509_NAME* n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("printer"), -1, -1, 0);
  X509_set_issuer_name(x, n);
  X509_sign(x, key, EVP_sha256());
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX* sctx = SSL_CTX_new(TLS_server_method());
  if (o.max_version) {
    SSL_CTX_set_max_proto_version(cctx, o.max_version);
    SSL_CTX_set_cipher_list(cctx, "ECDHE-RSA-AES128-GCM-SHA256");
  }
  SSL_CTX_set_security_level(sctx, 0);
  SSL_CTX_use_certificate(sctx, x);
  SSL_CTX_use_PrivateKey(sctx, key);
  if (o.alpn) {
    // The server takes the client's first (only) protocol.
    SSL_CTX_set_alpn_select_cb(
        sctx,
        [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
           unsigned int inlen, void*) -> int {
          if (inlen < 1 || in[0] == 0 || 1u + in[0] > inlen) return SSL_TLSEXT_ERR_NOACK;
          *out = in + 1;
          *outlen = in[0];
          return SSL_TLSEXT_ERR_OK;
        },
        nullptr);
  }
  SSL* c = SSL_new(cctx);
  SSL* s = SSL_new(sctx);
  if (o.server_name) SSL_set_tlsext_host_name(c, o.server_name);
  if (o.alpn) {
    std::string wire(1, static_cast<char>(std::strlen(o.alpn)));
    wire += o.alpn;
    SSL_set_alpn_protos(c, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  BIO *ci = BIO_new(BIO_s_mem()), *co = BIO_new(BIO_s_mem());
  BIO *si = BIO_new(BIO_s_mem()), *so = BIO_new(BIO_s_mem());
  SSL_set_bio(c, ci, co);
  SSL_set_bio(s, si, so);
  SSL_set_connect_state(c);
  SSL_set_accept_state(s);
  auto move = [&](BIO* from, BIO* to, bool to_server) {
    char buf[65536];
    int k;
    std::string all;
    while ((k = BIO_read(from, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(k));
    if (!all.empty()) {
      BIO_write(to, all.data(), static_cast<int>(all.size()));
      out.push_back({to_server, all});
    }
  };
  for (int i = 0; i < 10; ++i) {
    int rc = SSL_do_handshake(c);
    move(co, si, true);
    SSL_do_handshake(s);
    move(so, ci, false);
    if (rc == 1 && SSL_is_init_finished(s)) break;
  }
  if (!SSL_is_init_finished(c)) out.clear();
  SSL_free(c);
  SSL_free(s);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
  X509_free(x);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return out;
}

}  // namespace pw::testing
