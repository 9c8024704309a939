#include "protocols/ldap/ldap_parser.h"

#include <algorithm>

#include "common/ascii.h"
#include "common/ber.h"

namespace pw::proto::ldap {

namespace {

constexpr int64_t kMaxInt = 2147483647;  // maxInt (RFC 4511 section 4.1.1)

Parse bad(Message& m, const char* why) { return ber_malformed<Parse>(m, why); }
#define PW_LDAP_TRY(expr, why) PW_BER_TRY(Parse, expr, why)

bool equals(std::span<const std::byte> a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](std::byte x, char y) {
           return static_cast<char>(x) == y;
         });
}

// BindRequest ::= [APPLICATION 0] SEQUENCE { version INTEGER (1..127), name LDAPDN,
//                                            authentication AuthenticationChoice }
Parse bind(BerReader& msg, Message& m) {
  BerReader b;
  PW_LDAP_TRY(msg.enter(kBindRequest, b), "bindRequest");
  PW_LDAP_TRY(b.integer(m.bind_version), "bind version");
  if (m.bind_version < 1 || m.bind_version > 127) return bad(m, "bind version");
  std::span<const std::byte> name;
  PW_LDAP_TRY(b.octets(name), "bind name");
  m.name_len = static_cast<uint32_t>(name.size());
  BerTlv a;
  PW_LDAP_TRY(b.peek(a), "bind authentication");
  if (a.tag == kAuthSimple) {
    // Decided on the header: the password octets are never needed (nor forwarded on a deny).
    m.auth = Auth::Simple;
    m.password_len = a.length;
    return Parse::Done;
  }
  if (a.tag != kAuthSasl) return bad(m, "bind authentication choice");
  // SaslCredentials ::= SEQUENCE { mechanism LDAPString, credentials OCTET STRING OPTIONAL }
  BerReader s;
  PW_LDAP_TRY(b.enter(kAuthSasl, s), "sasl credentials");
  std::span<const std::byte> mech;
  PW_LDAP_TRY(s.octets(mech), "sasl mechanism");
  m.auth = Auth::Sasl;
  m.mechanism_len = static_cast<uint32_t>(mech.size());
  const size_t k = std::min(mech.size(), kMaxMechanism);
  for (size_t i = 0; i < k; ++i) m.mechanism[i] = static_cast<char>(mech[i]);
  return Parse::Done;
}

// ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID,
//                                                 requestValue [1] OCTET STRING OPTIONAL }
Parse extended(BerReader& msg, Message& m) {
  BerReader e;
  PW_LDAP_TRY(msg.enter(kExtendedRequest, e), "extendedReq");
  BerTlv n;
  PW_LDAP_TRY(e.expect(kRequestName, n), "extendedReq requestName");
  m.starttls = equals(n.value, kStartTlsOid);
  return Parse::Done;
}

// SearchRequest ::= [APPLICATION 3] SEQUENCE { baseObject LDAPDN, scope ENUMERATED, ... }
Parse search(BerReader& msg, Message& m) {
  BerReader s;
  PW_LDAP_TRY(msg.enter(kSearchRequest, s), "searchRequest");
  std::span<const std::byte> base;
  PW_LDAP_TRY(s.octets(base), "search baseObject");
  m.base_len = static_cast<uint32_t>(base.size());
  PW_LDAP_TRY(s.integer(m.scope, kBerEnumerated), "search scope");
  if (m.scope < 0 || m.scope > 2) return bad(m, "search scope");
  return Parse::Done;
}

// LDAPResult ::= SEQUENCE { resultCode ENUMERATED, matchedDN, diagnosticMessage, ... }
Parse result(BerReader& msg, uint8_t op, Message& m) {
  BerReader r;
  PW_LDAP_TRY(msg.enter(op, r), "response");
  PW_LDAP_TRY(r.integer(m.result, kBerEnumerated), "resultCode");
  if (m.result < 0 || m.result > kMaxInt) return bad(m, "resultCode");
  return Parse::Done;
}

}  // namespace

namespace {
enum class Sender : uint8_t { Request, Response };
struct OpInfo {
  uint8_t tag;
  const char* name;
  Sender sender;
};
constexpr OpInfo kOps[] = {
#define PW_LDAP_OP(constant, tag, name, sender) {tag, name, Sender::sender},
#include "protocols/ldap/ldap_ops.def"
#undef PW_LDAP_OP
};
const OpInfo* find_op(uint8_t op) {
  for (const OpInfo& o : kOps)
    if (o.tag == op) return &o;
  return nullptr;
}
}  // namespace

bool is_request(uint8_t op) {
  const OpInfo* o = find_op(op);
  return o && o->sender == Sender::Request;
}

bool is_response(uint8_t op) {
  const OpInfo* o = find_op(op);
  return o && o->sender == Sender::Response;
}

const char* op_name(uint8_t op) {
  const OpInfo* o = find_op(op);
  return o ? o->name : "unknown";
}

// LDAPMessage ::= SEQUENCE { messageID MessageID, protocolOp CHOICE { ... },
//                            controls [0] Controls OPTIONAL }   (RFC 4511 section 4.1.1)
Parse parse_message(std::span<const std::byte> in, uint64_t total, bool search_details,
                    Message& m) {
  m = Message{};
  BerReader top(in, total);
  BerReader msg;
  PW_LDAP_TRY(top.enter(kBerSequence, msg), "LDAPMessage");
  if (!top.at_end()) return bad(m, "LDAPMessage length");
  PW_LDAP_TRY(msg.integer(m.id), "messageID");
  if (m.id < 0 || m.id > kMaxInt) return bad(m, "messageID");
  m.has_id = true;
  BerTlv op;
  PW_LDAP_TRY(msg.peek(op), "protocolOp");
  if (!is_request(op.tag) && !is_response(op.tag)) return bad(m, "protocolOp");
  m.has_op = true;
  m.op = op.tag;
  switch (op.tag) {
    case kBindRequest:
      return bind(msg, m);
    case kExtendedRequest:
      return extended(msg, m);
    case kSearchRequest:
      return search_details ? search(msg, m) : Parse::Done;
    case kBindResponse:
    case kExtendedResponse:
      return result(msg, op.tag, m);
    default:
      return Parse::Done;
  }
}

#undef PW_LDAP_TRY

bool cleartext_mechanism(const Message& m) {
  if (m.auth != Auth::Sasl) return false;
  const size_t stored = std::min<size_t>(m.mechanism_len, kMaxMechanism);
  std::string_view name(m.mechanism, stored);
  if (auto nul = name.find('\0'); nul != std::string_view::npos) {
    name = name.substr(0, nul);
  } else if (m.mechanism_len > kMaxMechanism) {
    return false;  // longer than any mechanism name, and no NUL cuts it short
  }
  return iequals(name, "PLAIN") || iequals(name, "LOGIN");
}

}  // namespace pw::proto::ldap
