#include "protocols/tls/tls_inspector.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>


namespace pw::proto::tls {

namespace {

constexpr uint8_t kChangeCipherSpec = 20, kAlert = 21, kHandshake = 22, kApplicationData = 23;
constexpr uint8_t kClientHello = 1, kServerHello = 2, kCertificate = 11, kServerHelloDone = 14;
constexpr uint32_t kMaxRecord = (1u << 14) + 2048;  // TLSCiphertext (RFC 8446 5.2)
constexpr uint32_t kMaxMessages = 32;               // handshake messages before a decision
constexpr uint16_t kExtSupportedVersions = 43;
constexpr uint16_t kTls12 = 0x0303, kTls13 = 0x0304;

// The special ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3).
constexpr uint8_t kHrrRandom[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

bool is_grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

Decision deny(Reason r) { return {Verdict::Deny, 0, r}; }

// Moves bytes of (p, n) into the header being read (`have` of it so far); true once it is whole.
template <size_t N>
bool fill(uint8_t (&hdr)[N], uint8_t& have, const uint8_t*& p, size_t& n) {
  const size_t k = std::min<size_t>(N - have, n);
  std::memcpy(hdr + have, p, k);
  have = static_cast<uint8_t>(have + k);
  p += k;
  n -= k;
  return have == N;
}
Decision cont(size_t n) { return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded}; }

uint16_t min_version(const Context& ctx) {
  return ctx.service ? static_cast<uint16_t>(ctx.service->min_tls) : kTls12;
}

// A strong suite per OpenSSL's own table: known to OpenSSL, >= 128-bit, authenticated, and not
// built on RC4, DES, 3DES, IDEA or NULL encryption. Unknown suites (EXPORT and the like, which
// OpenSSL 3 no longer carries) are not strong: an allow-list.
bool strong_suite(uint16_t id) {
  static SSL_CTX* const kCtx = SSL_CTX_new(TLS_method());
  static SSL* const kSsl = kCtx ? SSL_new(kCtx) : nullptr;
  if (!kSsl) return false;
  const unsigned char b[2] = {static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id)};
  const SSL_CIPHER* c = SSL_CIPHER_find(kSsl, b);
  if (!c) return false;
  int bits = SSL_CIPHER_get_bits(c, nullptr);
  if (bits < 128) return false;
  switch (SSL_CIPHER_get_cipher_nid(c)) {
    case NID_undef:  // NULL encryption
    case NID_rc4: case NID_rc4_40: case NID_des_cbc: case NID_des_ede3_cbc: case NID_idea_cbc:
      return false;
    default:
      break;
  }
  return SSL_CIPHER_get_auth_nid(c) != NID_auth_null;  // anonymous key exchange
}

struct Reader {
  const uint8_t* p;
  size_t n;
  bool ok = true;
  bool need(size_t k) { return ok = ok && n >= k; }
  uint32_t u(size_t k) {
    if (!need(k)) return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < k; ++i) v = v << 8 | p[i];
    p += k;
    n -= k;
    return v;
  }
  Reader sub(size_t k) {
    if (!need(k)) return {p, 0, false};
    Reader r{p, k};
    p += k;
    n -= k;
    return r;
  }
};

// Some offered version must reach the minimum (supported_versions when present, else the legacy
// version), and some offered suite must be strong.
Decision judge_client_hello(const uint8_t* m, size_t len, const Context& ctx) {
  Reader r{m, len};
  uint16_t legacy = static_cast<uint16_t>(r.u(2));
  r.sub(32);                       // random
  r.sub(r.u(1));                   // session id
  Reader suites = r.sub(r.u(2));   // cipher suites
  r.sub(r.u(1));                   // compression methods
  if (!r.ok || suites.n == 0 || suites.n % 2) return deny(Reason::MalformedTls);
  bool strong = false;
  while (suites.n >= 2) {
    uint16_t s = static_cast<uint16_t>(suites.u(2));
    if (!is_grease(s) && strong_suite(s)) strong = true;
  }
  const uint16_t want = min_version(ctx);
  bool version_ok = legacy >= want && legacy <= kTls12;  // TLS 1.3 clients say 0x0303 here
  if (r.n >= 2) {
    Reader ext = r.sub(r.u(2));
    while (ext.ok && ext.n >= 4) {
      uint16_t type = static_cast<uint16_t>(ext.u(2));
      Reader body = ext.sub(ext.u(2));
      if (type != kExtSupportedVersions) continue;
      version_ok = false;
      Reader list = body.sub(body.u(1));
      if (!body.ok || list.n % 2) return deny(Reason::MalformedTls);
      while (list.n >= 2) {
        uint16_t v = static_cast<uint16_t>(list.u(2));
        if (!is_grease(v) && v >= want && (v >> 8) == 3) version_ok = true;
      }
    }
    if (!ext.ok) return deny(Reason::MalformedTls);
  }
  if (!version_ok) return deny(Reason::WeakTlsVersion);
  if (!strong) return deny(Reason::WeakCipher);
  return cont(0);
}

Decision judge_server_hello(TlsFlow& f, const uint8_t* m, size_t len, const Context& ctx,
                            bool* retry) {
  Reader r{m, len};
  uint16_t version = static_cast<uint16_t>(r.u(2));
  if (!r.need(32)) return deny(Reason::MalformedTls);
  *retry = std::memcmp(r.p, kHrrRandom, 32) == 0;
  r.sub(32);
  r.sub(r.u(1));
  uint16_t cipher = static_cast<uint16_t>(r.u(2));
  r.u(1);  // compression
  if (!r.ok) return deny(Reason::MalformedTls);
  if (r.n >= 2) {
    Reader ext = r.sub(r.u(2));
    while (ext.ok && ext.n >= 4) {
      uint16_t type = static_cast<uint16_t>(ext.u(2));
      Reader body = ext.sub(ext.u(2));
      if (type == kExtSupportedVersions && body.n == 2) version = static_cast<uint16_t>(body.u(2));
    }
    if (!ext.ok) return deny(Reason::MalformedTls);
  }
  f.version = version;
  f.cipher = cipher;
  if ((version >> 8) != 3 || version < min_version(ctx)) return deny(Reason::WeakTlsVersion);
  if (!strong_suite(cipher)) return deny(Reason::WeakCipher);
  return cont(0);
}

// What a certificate is, once decoded: decoding costs ~100 us with OpenSSL 3, and a server
// presents the same certificate to every client, so the findings are cached per thread (lcore),
// keyed by the certificate's SHA-256. Expiry is judged at each use from the cached notAfter.
struct CertFacts {
  uint8_t digest[32];
  bool used = false;
  bool readable = false;
  bool sig_weak = false;
  int rsa_bits = 0;  // 0: not RSA
  bool dsa = false;
  time_t not_after = 0;
};

CertFacts decode(const uint8_t* der, size_t n) {
  CertFacts f;
  const unsigned char* p = der;
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(n));
  if (!x) return f;
  f.readable = true;
  if (EVP_PKEY* k = X509_get0_pubkey(x)) {
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) f.rsa_bits = EVP_PKEY_get_bits(k);
    f.dsa = EVP_PKEY_get_base_id(k) == EVP_PKEY_DSA;
  } else {
    f.sig_weak = true;  // no usable key
  }
  switch (X509_get_signature_nid(x)) {
    case NID_md5WithRSAEncryption: case NID_md2WithRSAEncryption: case NID_md4WithRSAEncryption:
    case NID_sha1WithRSAEncryption: case NID_ecdsa_with_SHA1: case NID_dsaWithSHA1:
    case NID_undef:
      f.sig_weak = true;
      break;
    default:
      break;
  }
  struct tm t {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &t) == 1) f.not_after = timegm(&t);
  X509_free(x);
  return f;
}

const CertFacts& facts(const uint8_t* der, size_t n) {
  static thread_local CertFacts cache[64];
  static thread_local unsigned next = 0;
  uint8_t d[32];
  unsigned dl = 0;
  EVP_Digest(der, n, d, &dl, EVP_sha256(), nullptr);
  for (auto& c : cache)
    if (c.used && std::memcmp(c.digest, d, 32) == 0) return c;
  CertFacts& slot = cache[next++ % 64];
  slot = decode(der, n);
  slot.used = true;
  std::memcpy(slot.digest, d, 32);
  return slot;
}

// The leaf certificate of a TLS <= 1.2 Certificate message (RFC 5246 7.4.2).
Decision judge_certificate(const uint8_t* m, size_t len, Context& ctx) {
  Reader r{m, len};
  Reader list = r.sub(r.u(3));
  Reader leaf = list.sub(list.u(3));
  if (!r.ok || !list.ok || leaf.n == 0) return deny(Reason::MalformedTls);
  const CertFacts& f = facts(leaf.p, leaf.n);
  if (!f.readable) return deny(Reason::MalformedTls);
  const uint32_t min_bits = ctx.service ? ctx.service->min_rsa_bits : 2048;
  time_t now = static_cast<time_t>(ctx.now_ns / 1'000'000'000ull);
  bool weak = f.sig_weak || f.dsa || (f.rsa_bits && static_cast<uint32_t>(f.rsa_bits) < min_bits) ||
              f.not_after <= now;
  if (!weak) return cont(0);
  if (!ctx.service || ctx.service->weak_certificate_deny) return deny(Reason::WeakCertificate);
  ctx.count(Reason::WeakCertificate);  // `security tls weak-certificate alert`
  return cont(0);
}

// A complete handshake message of direction `d`.
Decision on_message(TlsFlow& f, Dir d, uint8_t type, const uint8_t* body, size_t len,
                    Context& ctx) {
  using Phase = TlsFlow::Phase;
  if (++f.messages > kMaxMessages) return deny(Reason::MalformedTls);
  if (d == Dir::ToServer) {
    if (f.phase != Phase::ClientHello) return cont(0);  // later client messages: encrypted soon
    if (type != kClientHello) return deny(Reason::NonTlsOnTlsPort);
    Decision dec = judge_client_hello(body, len, ctx);
    if (dec.verdict == Verdict::Continue) f.phase = Phase::ServerHello;
    return dec;
  }
  switch (f.phase) {
    case Phase::ClientHello:
      return deny(Reason::MalformedTls);  // the server speaks first
    case Phase::ServerHello: {
      if (type != kServerHello) return deny(Reason::MalformedTls);
      bool retry = false;
      Decision dec = judge_server_hello(f, body, len, ctx, &retry);
      if (dec.verdict != Verdict::Continue) return dec;
      if (retry) {
        f.phase = Phase::ClientHello;  // a second ClientHello follows (RFC 8446 4.1.4)
      } else if (f.version >= kTls13) {
        f.phase = Phase::Done;  // everything after the ServerHello is encrypted
      } else {
        f.phase = Phase::ServerFlight;
      }
      return dec;
    }
    case Phase::ServerFlight:
      if (type == kCertificate) {
        Decision dec = judge_certificate(body, len, ctx);
        if (dec.verdict == Verdict::Continue) f.phase = Phase::Done;
        return dec;
      }
      if (type == kServerHelloDone) f.phase = Phase::Done;  // anonymous or PSK: no certificate
      return cont(0);
    case Phase::Done:
      return cont(0);
  }
  return cont(0);
}

bool wants_body(const TlsFlow& f, Dir d, uint8_t type) {
  using Phase = TlsFlow::Phase;
  if (d == Dir::ToServer) return f.phase == Phase::ClientHello && type == kClientHello;
  return (f.phase == Phase::ServerHello && type == kServerHello) ||
         (f.phase == Phase::ServerFlight && type == kCertificate);
}

// Handshake-record body bytes of one direction, possibly several messages or part of one.
Decision handshake_bytes(TlsFlow& f, Dir d, const uint8_t* p, size_t n, Context& ctx) {
  // The client's messages after its hello (key exchange, encrypted Finished) decide nothing,
  // but their boundaries are followed all the same (no buffer, on_message ignores them): a
  // second ClientHello after a HelloRetryRequest must start where a message starts, whether
  // the bytes before it came one at a time or in one segment.
  TlsFlow::Side& s = f.side[static_cast<size_t>(d)];
  while (n > 0) {
    if (s.hs_hdr_have < 4) {
      if (!fill(s.hs_hdr, s.hs_hdr_have, p, n)) break;
      s.hs_len = uint32_t{s.hs_hdr[1]} << 16 | uint32_t{s.hs_hdr[2]} << 8 | s.hs_hdr[3];
      s.hs_have = 0;
      if (wants_body(f, d, s.hs_hdr[0])) {
        if (!ctx.buffers) return deny(Reason::InspectorStateFull);
        if (s.hs_len > ctx.buffers->size()) return deny(Reason::UnitTooLong);
        s.buf = ctx.buffers->acquire();
        if (s.buf == BufferPool::kNone) return deny(Reason::InspectorStateFull);
      }
    }
    size_t k = std::min<size_t>(s.hs_len - s.hs_have, n);
    if (s.buf != BufferPool::kNone)
      std::memcpy(ctx.buffers->data(s.buf) + s.hs_have, p, k);
    s.hs_have += static_cast<uint32_t>(k);
    p += k;
    n -= k;
    if (s.hs_have < s.hs_len) break;
    // A whole message.
    const uint8_t* body = s.buf != BufferPool::kNone
                              ? reinterpret_cast<const uint8_t*>(ctx.buffers->data(s.buf))
                              : nullptr;
    Decision dec = cont(0);
    if (body || !wants_body(f, d, s.hs_hdr[0]))
      dec = on_message(f, d, s.hs_hdr[0], body, body ? s.hs_len : 0, ctx);
    if (s.buf != BufferPool::kNone) {
      ctx.buffers->release(s.buf);
      s.buf = BufferPool::kNone;
    }
    s.hs_hdr_have = 0;
    if (dec.verdict == Verdict::Deny) return dec;
    if (f.phase == TlsFlow::Phase::Done) break;
  }
  return cont(0);
}

}  // namespace

void start(TlsFlow& f) {
  f = TlsFlow{};
  f.phase = TlsFlow::Phase::ClientHello;
  f.denied = Reason::Forwarded;
  f.server_first = Reason::MalformedTls;
  for (auto& s : f.side) s.buf = BufferPool::kNone;
}

void release(TlsFlow& f, Context& ctx) {
  for (auto& s : f.side)
    if (s.buf != BufferPool::kNone) {
      if (ctx.buffers) ctx.buffers->release(s.buf);
      s.buf = BufferPool::kNone;
    }
}

namespace {
Decision inspect(TlsFlow& f, Dir d, std::span<const std::byte> in, Context& ctx);
}  // namespace

Decision on_data(TlsFlow& f, Dir d, std::span<const std::byte> in, Context& ctx) {
  if (f.denied != Reason::Forwarded) return deny(f.denied);  // a deny is final
  Decision dec = inspect(f, d, in, ctx);
  if (dec.verdict == Verdict::Deny) f.denied = dec.reason;
  return dec;
}

namespace {
Decision inspect(TlsFlow& f, Dir d, std::span<const std::byte> in, Context& ctx) {
  const TlsFlow::Side& client = f.side[static_cast<size_t>(Dir::ToServer)];
  if (d == Dir::ToClient && !in.empty() && f.phase == TlsFlow::Phase::ClientHello &&
      !client.seen_any && client.hdr_have == 0)
    return deny(f.server_first);  // the server speaks first
  if (f.phase == TlsFlow::Phase::Done) {
    if (!f.watch_records) return {Verdict::PassThrough, static_cast<uint32_t>(in.size()), Reason::Forwarded};
  }
  TlsFlow::Side& s = f.side[static_cast<size_t>(d)];
  auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  while (n > 0) {
    if (s.hdr_have < 5) {
      if (!s.seen_any && s.hdr_have == 0 && f.phase != TlsFlow::Phase::Done) {
        // The first byte tells TLS from anything else. An SSLv2-format ClientHello starts with a
        // two-byte length whose high bit is set, then message type 1 (RFC 6101 appendix E.2).
        if (p[0] & 0x80) {
          if (d == Dir::ToServer) return deny(Reason::Sslv2Hello);
          return deny(Reason::NonTlsOnTlsPort);
        }
        if (p[0] != kHandshake && !(d == Dir::ToClient && p[0] == kAlert))
          return deny(Reason::NonTlsOnTlsPort);
      }
      if (!fill(s.hdr, s.hdr_have, p, n)) break;
      s.seen_any = true;
      s.content_type = s.hdr[0];
      uint32_t len = uint32_t{s.hdr[3]} << 8 | s.hdr[4];
      bool type_ok = s.content_type >= kChangeCipherSpec && s.content_type <= kApplicationData;
      if (!type_ok || s.hdr[1] != 3 || len > kMaxRecord || len == 0)
        return deny(f.phase == TlsFlow::Phase::Done ? Reason::CleartextAfterTls
                                                    : Reason::MalformedTls);
      s.record_left = static_cast<uint16_t>(len);
      if (f.phase == TlsFlow::Phase::ServerFlight && d == Dir::ToClient &&
          s.content_type == kChangeCipherSpec)
        f.phase = TlsFlow::Phase::Done;  // an abbreviated (resumed) handshake: no certificate
    }
    size_t k = std::min<size_t>(s.record_left, n);
    if (s.content_type == kHandshake && f.phase != TlsFlow::Phase::Done) {
      Decision dec = handshake_bytes(f, d, p, k, ctx);
      if (dec.verdict == Verdict::Deny) return dec;
    } else if (s.content_type == kApplicationData && d == Dir::ToClient &&
               f.phase != TlsFlow::Phase::Done) {
      return deny(Reason::MalformedTls);  // the server encrypts nothing before its hello
    }
    s.record_left = static_cast<uint16_t>(s.record_left - k);
    p += k;
    n -= k;
    if (s.record_left == 0) s.hdr_have = 0;
    if (f.phase == TlsFlow::Phase::Done && !f.watch_records) {
      release(f, ctx);
      return {Verdict::PassThrough, static_cast<uint32_t>(in.size()), Reason::Forwarded};
    }
  }
  return cont(in.size());
}
}  // namespace

namespace {
struct State : FlowState {
  TlsFlow tls;
};
}  // namespace

FlowState* TlsInspector::open(FlowArena& a) const {
  State* s = a.make<State>();
  if (s) start(s->tls);
  return s;
}

Decision TlsInspector::on_data(FlowState& st, Dir d, std::span<const std::byte> in,
                               Context& ctx) const {
  if (flip_) d = d == Dir::ToServer ? Dir::ToClient : Dir::ToServer;
  return tls::on_data(static_cast<State&>(st).tls, d, in, ctx);
}

void TlsInspector::close(FlowState* st, FlowArena& a, Context& ctx) const {
  if (st) release(static_cast<State*>(st)->tls, ctx);
  a.release(st);
}

// TLS from the first byte; a handshake message is judged whole, in a message buffer.
const Requirements& TlsInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {443, 465, 636, 990, 993, 995};
  static constexpr Requirements kRequirements{Requirements::Transport::Stream, false, kMessageBufferBytes, kMessageBufferBytes, kPorts};
  return kRequirements;
}

}  // namespace pw::proto::tls
