// LDAP message grammar (pure), RFC 4511 section 4: the beginning of an LDAPMessage, as far as
// the gateway's decisions need it (messageID, protocolOp, and for a few operations their first
// fields). The framing of the whole message is checked apart, as it streams, by BerStream
// (common/ber.h), so a message never has to be held whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace pw::proto::ldap {

// protocolOp tags (ldap_ops.def).
#define PW_LDAP_OP(constant, tag, name, sender) inline constexpr uint8_t constant = tag;
#include "protocols/ldap/ldap_ops.def"
#undef PW_LDAP_OP

// AuthenticationChoice (RFC 4511 section 4.2): simple [0] primitive, sasl [3] constructed.
inline constexpr uint8_t kAuthSimple = 0x80;
inline constexpr uint8_t kAuthSasl = 0xa3;
// ExtendedRequest requestName [0] (RFC 4511 section 4.12).
inline constexpr uint8_t kRequestName = 0x80;
// StartTLS (RFC 4511 section 4.14.1).
inline constexpr std::string_view kStartTlsOid = "1.3.6.1.4.1.1466.20037";

// resultCode (RFC 4511 section 4.1.9).
inline constexpr int64_t kSuccess = 0;
inline constexpr int64_t kInvalidCredentials = 49;

// SASL mechanism names are 1 to 20 characters (RFC 4422 section 3.1).
inline constexpr size_t kMaxMechanism = 20;

bool is_request(uint8_t op);
bool is_response(uint8_t op);
const char* op_name(uint8_t op);

enum class Parse : uint8_t {
  NeedMore,   // fine so far; the deciding fields have not all arrived
  Done,       // every field the gateway needs for this operation is decoded
  Malformed,  // `Message::why` says where
};

enum class Auth : uint8_t { None, Simple, Sasl };

struct Message {
  bool has_id = false;
  int64_t id = -1;
  bool has_op = false;
  uint8_t op = 0;
  // bindRequest (RFC 4511 section 4.2)
  int64_t bind_version = 0;
  uint32_t name_len = 0;
  Auth auth = Auth::None;
  uint32_t password_len = 0;           // simple: length of the password (never its octets)
  char mechanism[kMaxMechanism] = {};  // sasl: the first octets of the mechanism name
  uint32_t mechanism_len = 0;          // its full length
  // extendedReq (RFC 4511 section 4.12)
  bool starttls = false;
  // searchRequest (RFC 4511 section 4.5.1), with `search_details`
  uint32_t base_len = 0;
  int64_t scope = -1;
  // bindResponse, extendedResp: LDAPResult.resultCode (RFC 4511 section 4.1.9)
  int64_t result = -1;

  const char* why = nullptr;
};

// Decodes the beginning of the LDAPMessage held in the first `in.size()` octets of `total`
// (`total`: the message with its header, known from the header). `search_details`: also decode
// a searchRequest's baseObject and scope (the RootDSE query that a TLS-required flow may send).
Parse parse_message(std::span<const std::byte> in, uint64_t total, bool search_details, Message& m);

// A SASL mechanism that carries the password in clear: PLAIN (RFC 4616) and LOGIN
// (draft-murchison-sasl-login), compared without case as SASL libraries do. The name stops at a
// NUL octet, as it does for the C libraries that receive it (Cyrus SASL).
bool cleartext_mechanism(const Message& m);

}  // namespace pw::proto::ldap
