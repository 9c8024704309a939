#include "protocols/snmp/snmp_parser.h"

#include "common/ber.h"

namespace pw::proto::snmp {

namespace {

constexpr int64_t kMaxInt32 = 2147483647;  // INTEGER (0..2147483647) of RFC 3412 and RFC 3414

Parse bad(Message& m, const char* why) { return ber_malformed<Parse>(m, why); }
#define PW_SNMP_TRY(expr, why) PW_BER_TRY(Parse, expr, why)

#define PW_SNMP_TRY_PARSE(expr)     \
  do {                              \
    const Parse p_ = (expr);        \
    if (p_ != Parse::Ok) return p_; \
  } while (0)

bool pdu_allowed(uint8_t tag, int64_t version) {
  if (tag < kGetRequest || tag > kReport) return false;
  if (tag == kTrapV1) return version == kVersion1;          // RFC 3416 replaces it with SNMPv2-Trap
  if (tag >= kGetBulkRequest) return version != kVersion1;  // RFC 1157 has A0..A4 only
  return true;
}

// usmStats counters of RFC 3414 section 5 (1.3.6.1.6.3.15.1.1.n.0) that mean a failed
// authentication: unknownUserNames (3), wrongDigests (5), decryptionErrors (6).
bool usm_failure_oid(std::span<const std::byte> oid) {
  constexpr uint8_t kPrefix[] = {0x2b, 6, 1, 6, 3, 15, 1, 1};
  if (oid.size() != sizeof(kPrefix) + 2) return false;
  for (size_t i = 0; i < sizeof(kPrefix); ++i)
    if (static_cast<uint8_t>(oid[i]) != kPrefix[i]) return false;
  const auto n = static_cast<uint8_t>(oid[8]);
  return (n == 3 || n == 5 || n == 6) && static_cast<uint8_t>(oid[9]) == 0;
}

// VarBindList ::= SEQUENCE OF SEQUENCE { name OBJECT IDENTIFIER, value } (RFC 3416 section 3).
Parse varbinds(BerReader& pdu, Message& m) {
  BerReader list;
  PW_SNMP_TRY(pdu.enter(kBerSequence, list), "variable-bindings");
  while (!list.at_end()) {
    BerReader vb;
    PW_SNMP_TRY(list.enter(kBerSequence, vb), "varbind");
    BerTlv name, value;
    PW_SNMP_TRY(vb.expect(kBerOid, name), "varbind name");
    if (name.length == 0) return bad(m, "varbind name");
    // ObjectSyntax, NULL, or noSuchObject/noSuchInstance/endOfMibView: always primitive.
    PW_SNMP_TRY(vb.next(value), "varbind value");
    if (value.constructed()) return bad(m, "varbind value");
    if (!vb.at_end()) return bad(m, "varbind trailing octets");
    if (m.pdu == kReport && m.varbinds == 0 && usm_failure_oid(name.value)) m.usm_failure = true;
    ++m.varbinds;
  }
  if (!pdu.at_end()) return bad(m, "pdu trailing octets");
  return Parse::Ok;
}

// PDUs ::= CHOICE { ... } (RFC 3416 section 3; RFC 1157 section 4.1.6 for Trap-PDU). The tag is
// reported as soon as the PDU header is there.
Parse pdu(BerReader& r, int64_t version, Message& m) {
  BerTlv t;
  PW_SNMP_TRY(r.peek(t), "pdu");
  if (!pdu_allowed(t.tag, version)) return bad(m, "pdu type");
  m.has_pdu = true;
  m.pdu = t.tag;
  BerReader p;
  PW_SNMP_TRY(r.enter(t.tag, p), "pdu");
  int64_t v = 0;
  if (t.tag == kTrapV1) {
    BerTlv x;
    PW_SNMP_TRY(p.expect(kBerOid, x), "trap enterprise");
    PW_SNMP_TRY(p.expect(kIpAddress, x), "trap agent-addr");
    if (x.length != 4) return bad(m, "trap agent-addr");
    PW_SNMP_TRY(p.integer(v), "trap generic-trap");
    PW_SNMP_TRY(p.integer(v), "trap specific-trap");
    PW_SNMP_TRY(p.expect(kTimeTicks, x), "trap time-stamp");
  } else {
    // request-id, error-status / non-repeaters, error-index / max-repetitions
    PW_SNMP_TRY(p.integer(v), "request-id");
    PW_SNMP_TRY(p.integer(v), "error-status");
    PW_SNMP_TRY(p.integer(v), "error-index");
  }
  PW_SNMP_TRY_PARSE(varbinds(p, m));
  return Parse::Ok;
}

// UsmSecurityParameters (RFC 3414 section 2.4), carried in the msgSecurityParameters OCTET
// STRING.
Parse usm(std::span<const std::byte> params, Message& m) {
  BerReader outer(params);
  BerReader u;
  PW_SNMP_TRY(outer.enter(kBerSequence, u), "usm");
  if (!outer.at_end()) return bad(m, "usm trailing octets");
  std::span<const std::byte> engine, user, auth, priv;
  int64_t boots = 0, time = 0;
  PW_SNMP_TRY(u.octets(engine), "usm engine id");
  PW_SNMP_TRY(u.integer(boots), "usm engine boots");
  PW_SNMP_TRY(u.integer(time), "usm engine time");
  PW_SNMP_TRY(u.octets(user), "usm user name");
  PW_SNMP_TRY(u.octets(auth), "usm authentication parameters");
  PW_SNMP_TRY(u.octets(priv), "usm privacy parameters");
  if (!u.at_end()) return bad(m, "usm trailing octets");
  // SnmpEngineID SIZE(5..32), empty in discovery (RFC 3411 section 5, RFC 3414 section 4);
  // usmUserName SIZE(1..32), empty in discovery.
  if (engine.size() > 32) return bad(m, "usm engine id");
  if (user.size() > 32) return bad(m, "usm user name");
  if (boots < 0 || boots > kMaxInt32 || time < 0 || time > kMaxInt32)
    return bad(m, "usm engine boots/time");
  // A level that claims authentication or privacy carries their parameters (RFC 3414 6.3.1,
  // 8.1.1.1).
  if ((m.flags & kFlagAuth) && auth.empty()) return bad(m, "usm authentication parameters");
  if ((m.flags & kFlagPriv) && priv.empty()) return bad(m, "usm privacy parameters");
  m.has_usm = true;
  m.user_empty = user.empty();
  m.engine_id_len = static_cast<uint32_t>(engine.size());
  m.engine_boots = boots;
  m.auth_len = static_cast<uint32_t>(auth.size());
  m.priv_len = static_cast<uint32_t>(priv.size());
  for (size_t k = 0; k < 4 && k < priv.size(); ++k)
    m.priv_head = (m.priv_head << 8) | static_cast<uint8_t>(priv[k]);
  return Parse::Ok;
}

// SNMPv3Message after msgVersion (RFC 3412 section 6).
Parse v3(BerReader& msg, Message& m) {
  BerReader g;
  PW_SNMP_TRY(msg.enter(kBerSequence, g), "msgGlobalData");
  PW_SNMP_TRY(g.integer(m.msg_id), "msgID");
  if (m.msg_id < 0 || m.msg_id > kMaxInt32) return bad(m, "msgID");
  PW_SNMP_TRY(g.integer(m.max_size), "msgMaxSize");
  if (m.max_size < 484 || m.max_size > kMaxInt32) return bad(m, "msgMaxSize");
  std::span<const std::byte> flags;
  PW_SNMP_TRY(g.octets(flags), "msgFlags");
  if (flags.size() != 1) return bad(m, "msgFlags");
  const uint8_t f = static_cast<uint8_t>(flags[0]);
  if ((f & (kFlagAuth | kFlagPriv)) == kFlagPriv) return bad(m, "msgFlags privacy without auth");
  m.flags = f;
  m.has_flags = true;
  PW_SNMP_TRY(g.integer(m.security_model), "msgSecurityModel");
  if (!g.at_end()) return bad(m, "msgGlobalData trailing octets");
  // Only USM is decoded; other models (TSM, RFC 5591) have no place on clear UDP/TCP.
  if (m.security_model != kModelUsm) return bad(m, "msgSecurityModel not USM");
  std::span<const std::byte> params;
  PW_SNMP_TRY(msg.octets(params), "msgSecurityParameters");
  PW_SNMP_TRY_PARSE(usm(params, m));
  // ScopedPduData ::= CHOICE { plaintext ScopedPDU, encryptedPDU OCTET STRING }
  BerTlv t;
  PW_SNMP_TRY(msg.peek(t), "msgData");
  if (m.flags & kFlagPriv) {
    if (t.tag != kBerOctetString) return bad(m, "msgData not encrypted");
    PW_SNMP_TRY(msg.expect(kBerOctetString, t), "encryptedPDU");
    if (t.length == 0) return bad(m, "encryptedPDU");
    m.encrypted = true;
    m.encrypted_len = static_cast<uint32_t>(t.length);
  } else {
    if (t.tag != kBerSequence) return bad(m, "msgData not a scopedPDU");
    BerReader sc;
    std::span<const std::byte> s;
    PW_SNMP_TRY(msg.enter(kBerSequence, sc), "scopedPDU");
    PW_SNMP_TRY(sc.octets(s), "contextEngineID");
    PW_SNMP_TRY(sc.octets(s), "contextName");
    PW_SNMP_TRY_PARSE(pdu(sc, kVersion3, m));
    if (!sc.at_end()) return bad(m, "scopedPDU trailing octets");
  }
  return Parse::Ok;
}

}  // namespace

Parse parse_message(std::span<const std::byte> in, uint64_t total, Message& m) {
  m = Message{};
  BerReader top(in, total);
  BerReader msg;
  PW_SNMP_TRY(top.enter(kBerSequence, msg), "message");
  if (!top.at_end()) return bad(m, "octets after the message");
  PW_SNMP_TRY(msg.integer(m.version), "msgVersion");
  if (m.version != kVersion1 && m.version != kVersion2c && m.version != kVersion3)
    return bad(m, "msgVersion");
  m.has_version = true;
  if (m.version == kVersion3) {
    PW_SNMP_TRY_PARSE(v3(msg, m));
  } else {
    // Message ::= SEQUENCE { version, community OCTET STRING, data } (RFC 1157 4, RFC 1901 3)
    std::span<const std::byte> community;
    PW_SNMP_TRY(msg.octets(community), "community");
    m.has_community = true;
    m.community_len = static_cast<uint32_t>(community.size());
    PW_SNMP_TRY_PARSE(pdu(msg, m.version, m));
  }
  if (!msg.at_end()) return bad(m, "message trailing octets");
  return Parse::Ok;
}

#undef PW_SNMP_TRY
#undef PW_SNMP_TRY_PARSE

const char* pdu_name(uint8_t tag) {
  switch (tag) {
    case kGetRequest:
      return "get-request";
    case kGetNextRequest:
      return "get-next-request";
    case kResponse:
      return "response";
    case kSetRequest:
      return "set-request";
    case kTrapV1:
      return "trap";
    case kGetBulkRequest:
      return "get-bulk-request";
    case kInformRequest:
      return "inform-request";
    case kTrapV2:
      return "snmpv2-trap";
    case kReport:
      return "report";
    default:
      return "unknown";
  }
}

}  // namespace pw::proto::snmp
