// LDAP inspection before StartTLS (RFC 4511, RFC 4513; hardening guide, "address book / LDAP"
// row: SSL on; gateway: StartTLS before any bind with a password).
//
//   clear:    every LDAPMessage's framing is checked as it streams (definite lengths only,
//             RFC 4511 section 5.1; nested lengths consistent; bounded size and depth). Its
//             beginning is judged as soon as it decides:
//               - bindRequest simple with a password, or SASL PLAIN/LOGIN: ldap-cleartext-bind,
//                 denied at the chunk that completes the credential's header, so no password
//                 octet is forwarded; anonymous and unauthenticated binds (RFC 4513 5.1.1,
//                 5.1.2) pass and are counted;
//               - on a `tls required` service only StartTLS, the RootDSE query, abandon and
//                 unbind pass (design.md invariant 3): command-before-tls;
//               - `plaintext-auth allow` lifts both.
//   upgrade:  after a StartTLS ExtendedRequest (RFC 4511 4.14.1) any further client octet
//             before the answer is a StartTLS injection; a success answer switches the flow to
//             TLS (server octets pipelined behind it are an injection too); a refusal keeps it
//             in clear, where the same rules hold.
//   TLS:      every octet goes to the TLS inspector (protocols/tls); an accepted handshake is
//             pass-through.
// Failed binds (resultCode 49) are counted as auth-failed.
#pragma once

#include <cstdint>
#include <span>

#include "common/ber.h"
#include "protocols/inspector.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto::ldap {

// Per direction: the framing check and the beginning of the current message.
struct LdapSide {
  BerStream stream{};
  uint32_t total = 0;                // the current message with its header (0: header not read yet)
  uint32_t have = 0;                 // octets of it collected for the decision
  uint32_t buf = BufferPool::kNone;  // BufferPool buffer when the beginning outgrows the state
  int32_t id = 0;                    // its messageID, once decided
  bool in_msg = false;               // octets of a message have been consumed
  bool decided = false;              // judged; the rest of it is only framed
  bool starttls = false;  // ToServer: a StartTLS request; ToClient: the success answer to it
};

struct LdapState : FlowState {
  // Beginning of a message kept in the state; longer ones (a bind with a long DN) move to a
  // BufferPool buffer until they decide.
  static constexpr uint32_t kRequestPrefix = 480;
  static constexpr uint32_t kResponsePrefix = 64;

  enum class Phase : uint8_t { Clear, AwaitStartTls, Tls, Denied };
  Phase phase = Phase::Clear;
  bool tls_started = false;
  Reason reason = Reason::Forwarded;  // Denied: why
  int32_t starttls_id = 0;            // AwaitStartTls: the request's messageID
  LdapSide side[2];                   // [Dir::ToServer], [Dir::ToClient]
  tls::TlsFlow tls{};
  uint8_t request_prefix[kRequestPrefix];
  uint8_t response_prefix[kResponsePrefix];
};

class LdapInspector : public Inspector {
 public:
  // Largest LDAPMessage content: requests (what a printer or a client sends) and responses
  // (directory entries may carry photos and certificates). Longer ones are malformed-ldap.
  static constexpr uint32_t kMaxRequest = 64 << 10;
  static constexpr uint32_t kMaxResponse = 4 << 20;

  const char* name() const override { return "ldap"; }
  PW_INSPECTOR_MEMBERS
};

}  // namespace pw::proto::ldap
