// TLS handshake inspection (RFC 8446, RFC 5246): records and handshake messages reassembled
// across records and segments (bounded), ClientHello versions and cipher suites, ServerHello
// choice, the server certificate where it is visible (TLS <= 1.2), non-TLS bytes on a TLS-only
// flow. Once the handshake is accepted the flow is pass-through.
//
// `TlsFlow` is plain state that other inspectors embed: after a STARTTLS-style upgrade (FTP
// AUTH TLS, SMTP/IMAP STARTTLS, POP3 STLS, LDAP StartTLS) they hand every further byte to
// `tls::on_data`.
#pragma once

#include <cstdint>
#include <span>

#include "protocols/inspector.h"

namespace pw::proto::tls {

struct TlsFlow {
  enum class Phase : uint8_t { ClientHello, ServerHello, ServerFlight, Done };
  struct Side {
    uint8_t hdr[5];
    uint8_t hdr_have;
    uint16_t record_left;  // body bytes of the current record still to come
    uint8_t content_type;
    uint8_t hs_hdr[4];  // handshake message header being read
    uint8_t hs_hdr_have;
    uint32_t hs_len;   // body length of the current handshake message
    uint32_t hs_have;  // body bytes collected
    uint32_t buf;      // BufferPool handle while a message is collected (kNone otherwise)
    bool seen_any;
  };
  Phase phase;
  Side side[2];  // [Dir::ToServer], [Dir::ToClient]
  uint16_t version;  // selected by the ServerHello
  uint16_t cipher;
  uint32_t messages;  // handshake messages inspected (bounded)
  // After the handshake, keep checking that every byte is framed as TLS records (so that a
  // downgrade to clear text, such as FTP's CCC, is caught) instead of passing through.
  bool watch_records;
  Reason denied;  // once denied, every later call is denied again (Forwarded: not denied)
  // A TLS client speaks first: server bytes before any client byte are refused, at the first of
  // them (whatever the segmentation), with this reason: malformed-tls by default,
  // starttls-injection after an in-band upgrade (the bytes would be read as clear text).
  Reason server_first;
};

// Resets `f` to expect a ClientHello.
void start(TlsFlow& f);
// In-order bytes of one direction. PassThrough once the handshake is accepted.
Decision on_data(TlsFlow& f, Dir d, std::span<const std::byte> in, Context& ctx);
// Gives back the buffers `f` holds (call when the flow ends or goes pass-through).
void release(TlsFlow& f, Context& ctx);

// The inspector for `inspect tls` services (implicit TLS from the first byte). With
// `responder_is_client`, the TCP responder is the TLS client: an FTP active-mode data connection,
// which the server opens toward the client while the client still starts the TLS handshake
// (RFC 4217 section 7).
class TlsInspector : public Inspector {
 public:
  explicit TlsInspector(bool responder_is_client = false) : flip_(responder_is_client) {}
  const char* name() const override { return flip_ ? "tls-responder-client" : "tls"; }
  PW_INSPECTOR_MEMBERS

 private:
  bool flip_;
};

}  // namespace pw::proto::tls
