// SNMP messages as net-snmp's tools put them on the wire, built in BER (RFC 1157, RFC 1901,
// RFC 3416, RFC 3412, RFC 3414; tests/support/ber_builder.h), for the parser and inspector tests.
// The offsets named below are into these exact encodings.
#pragma once

#include <cstdint>
#include <string_view>

#include "tests/support/ber_builder.h"

namespace pw::proto::snmp::test {

using namespace pw::testing::ber;

// --- SNMPv1 and SNMPv2c (RFC 1157 4, RFC 1901 3) ---

// Message: version (0: v1, 1: v2c), community, PDU.
inline Bytes community_message(uint8_t version, std::string_view community, const Bytes& pdu) {
  return sequence(cat({integer(version), octets(community), pdu}));
}

// A PDU (RFC 3416 3) with request-id `id`, no error, and `varbinds`.
inline Bytes pdu(uint8_t tag, const Bytes& id, const Bytes& varbinds) {
  return tlv(tag, cat({integer(id), integer(0), integer(0), sequence(varbinds)}));
}

inline Bytes varbind(const Bytes& name, const Bytes& value) {
  return sequence(cat({oid(name), value}));
}

inline const Bytes kSysDescr = {0x2b, 6, 1, 2, 1, 1, 1, 0};    // 1.3.6.1.2.1.1.1.0
inline const Bytes kSysContact = {0x2b, 6, 1, 2, 1, 1, 4, 0};  // 1.3.6.1.2.1.1.4.0

// snmpget -v1 -c public 198.18.20.5 SNMPv2-MIB::sysDescr.0
inline const Bytes kV1Get =
    community_message(0, "public", pdu(0xa0, {0x3b, 0x9a, 0xca, 0x07}, varbind(kSysDescr, null())));

// snmpget -v2c -c public 198.18.20.5 SNMPv2-MIB::sysDescr.0 (the same but for the version)
inline const Bytes kV2cGet =
    community_message(1, "public", pdu(0xa0, {0x3b, 0x9a, 0xca, 0x08}, varbind(kSysDescr, null())));

// The agent's answer to kV2cGet: sysDescr.0 = "HP LaserJet"
inline const Bytes kV2cResponse = community_message(
    1, "public", pdu(0xa2, {0x3b, 0x9a, 0xca, 0x08}, varbind(kSysDescr, octets("HP LaserJet"))));

// snmpset -v2c -c private 198.18.20.5 SNMPv2-MIB::sysContact.0 s admin
inline const Bytes kV2cSet = community_message(
    1, "private", pdu(0xa3, {0x11, 0x22, 0x33, 0x44}, varbind(kSysContact, octets("admin"))));

// snmptrap -v1 -c public 198.18.0.9 1.3.6.1.4.1.11 198.18.20.5 6 1 256 (from the printer):
// Trap-PDU with enterprise 1.3.6.1.4.1.11, agent-addr, generic-trap enterpriseSpecific,
// specific-trap 1, time-stamp 256, no variable-bindings.
inline const Bytes kV1Trap = community_message(
    0, "public",
    tlv(0xa4, cat({oid({0x2b, 6, 1, 4, 1, 11}), tlv(0x40, {198, 18, 20, 5}), integer(6),
                   integer(1), tlv(0x43, {0x01, 0x00}), sequence({})})));

// --- SNMPv3 with the USM (RFC 3412 6, RFC 3414 2.4) ---

// What UsmSecurityParameters hold.
struct Usm {
  Bytes engine_id;
  uint8_t boots = 0;
  Bytes time = {0x00};  // the INTEGER's content octets
  std::string_view user;
  Bytes auth;  // msgAuthenticationParameters
  Bytes priv;  // msgPrivacyParameters
};

// SNMPv3Message: msgID `id` (content octets), msgMaxSize 65507, `flags`, the USM; then `data`
// (a ScopedPDU or an encryptedPDU).
inline Bytes v3_message(const Bytes& id, uint8_t flags, const Usm& u, const Bytes& data) {
  const Bytes global = sequence(cat({integer(id), integer({0x00, 0xff, 0xe3}), octets({flags}),
                                     integer(3)}));
  const Bytes usm = sequence(cat({octets(u.engine_id), integer(u.boots), integer(u.time),
                                  octets(u.user), octets(u.auth), octets(u.priv)}));
  return sequence(cat({integer(3), global, octets(usm), data}));
}

inline Bytes scoped_pdu(const Bytes& context_engine_id, const Bytes& pdu) {
  return sequence(cat({octets(context_engine_id), octets(""), pdu}));
}

// The agent's engine ID (net-snmp's format, 17 octets), boots 1, time 2908.
inline const Bytes kEngineId = {0x80, 0x00, 0x1f, 0x88, 0x80, 0x59, 0xdc, 0x48, 0x61,
                                0x45, 0xa2, 0x63, 0x22, 0x00, 0x00, 0x00, 0x00};
inline Usm engine_usm(std::string_view user, const Bytes& auth = {}, const Bytes& priv = {}) {
  return {kEngineId, 1, {0x0b, 0x5c}, user, auth, priv};
}

// snmpget -v3 ...: the engine-ID discovery probe net-snmp sends first (RFC 3414 section 4):
// reportable, noAuthNoPriv, empty USM, an empty GetRequest.
inline const Bytes kV3Discovery = v3_message(
    {0x1c, 0x2f, 0x44, 0x01}, 0x04, Usm{},
    scoped_pdu({}, pdu(0xa0, {0x2a, 0x11, 0x05, 0x6b}, {})));

// The agent's Report to the probe: usmStatsUnknownEngineIDs.0 = 1, with its engine ID.
inline const Bytes kV3Report = v3_message(
    {0x1c, 0x2f, 0x44, 0x01}, 0x00, engine_usm(""),
    scoped_pdu(kEngineId, pdu(0xa8, {0x2a, 0x11, 0x05, 0x6b},
                              varbind({0x2b, 6, 1, 6, 3, 15, 1, 1, 4, 0}, tlv(0x41, {0x01})))));

// snmpget -v3 -l authPriv -u admin -a SHA -x AES ...: the real request after discovery
// (HMAC-SHA-96, the AES salt, a 42-octet encryptedPDU).
inline const Bytes kV3AuthPrivGet = v3_message(
    {0x1c, 0x2f, 0x44, 0x02}, 0x07,
    engine_usm("admin", {0x9e, 0x1d, 0x4b, 0x07, 0x31, 0xc2, 0x55, 0x0a, 0x6f, 0x88, 0x03, 0xe4},
               {0x00, 0x00, 0x00, 0x01, 0x5a, 0x3c, 0x11, 0x92}),
    octets({0x5e, 0x91, 0x0c, 0x77, 0xa3, 0x1b, 0xf0, 0x42, 0x8d, 0x66, 0x13, 0xce, 0x29, 0xb4,
            0x07, 0x5a, 0xe1, 0x3f, 0x98, 0x24, 0x6d, 0xc0, 0x51, 0x8a, 0x3e, 0x17, 0xfb, 0x62,
            0x09, 0xd5, 0x74, 0x2c, 0xa8, 0x13, 0x4f, 0xe6, 0x90, 0x38, 0xbd, 0x05, 0x6a, 0xc7}));

// An agent's authPriv answer as net-snmp's snmpd sends it (captured against snmpget -x DES and -x
// AES, engine boots 1): `salt` is msgPrivacyParameters, `len` the encryptedPDU's length, `auth`
// the length of msgAuthenticationParameters (12: HMAC-96; 24: HMAC-SHA-256, RFC 7860).
inline Bytes v3_answer(const Bytes& salt, size_t len, size_t auth = 12, uint8_t flags = 0x03) {
  Bytes cipher(len);
  for (size_t k = 0; k < len; ++k) cipher[k] = static_cast<uint8_t>(0x5b * k + 0x11);
  return v3_message({0x1c, 0x2f, 0x44, 0x02}, flags, engine_usm("admin", Bytes(auth, 0xa5), salt),
                    octets(cipher));
}
// DES (RFC 3414 8.1.1.1): the salt starts with the agent's boots (1), CBC leaves 8-octet blocks.
inline const Bytes kDesSalt = {0x00, 0x00, 0x00, 0x01, 0xd9, 0xe1, 0xcc, 0x0a};
// AES (RFC 3826): a 64-bit salt of its own (net-snmp: random start).
inline const Bytes kAesSalt = {0xb6, 0x10, 0x79, 0xb7, 0x86, 0xab, 0x67, 0x6c};

// snmpset -v3 -l authNoPriv -u admin -a SHA ... SNMPv2-MIB::sysContact.0 s admin (133 octets:
// the message length in long form).
inline const Bytes kV3AuthNoPrivSet = v3_message(
    {0x1c, 0x2f, 0x44, 0x03}, 0x05,
    engine_usm("admin", {0x41, 0x8e, 0x02, 0xd3, 0x7b, 0x19, 0xc4, 0x60, 0x2f, 0xaa, 0x95, 0x0e}),
    scoped_pdu(kEngineId,
               pdu(0xa3, {0x6e, 0x01, 0x22, 0x0f}, varbind(kSysContact, octets("admin")))));
// Offsets into kV3AuthNoPrivSet.
inline constexpr size_t kV3SetPduTag = 101;   // the 0xa3
inline constexpr size_t kV3FlagsOffset = 21;  // the msgFlags octet
// The PDU tags of kV3Discovery and kV3Report.
inline constexpr size_t kV3DiscoveryPduTag = 48;
inline constexpr size_t kV3ReportPduTag = 83;
// The n of usmStats n (1.3.6.1.6.3.15.1.1.n.0) in kV3Report's varbind: 4 unknownEngineIDs,
// 2 notInTimeWindows, 3 unknownUserNames, 5 wrongDigests, 6 decryptionErrors (RFC 3414 5).
inline constexpr size_t kV3ReportUsmStat = 111;


// snmpget -v3 -l noAuthNoPriv -u public ...: a real request without authentication.
inline const Bytes kV3NoAuthGet = v3_message({0x1c, 0x2f, 0x44, 0x04}, 0x04, engine_usm("public"),
                                             scoped_pdu({}, pdu(0xa0, {0x2a, 0x11, 0x05, 0x6c}, {})));

// An authPriv message whose encryptedPDU has `n` octets (over TCP: larger than the state).
inline Bytes v3_auth_priv(size_t n) {
  const Usm u{{0x80, 0x00, 0x1f, 0x88, 0x80, 0x01, 0x02, 0x03, 0x04}, 1, {0x05}, "admin",
              Bytes(12, 0xab), Bytes(8, 0x01)};
  return v3_message({0x07}, 0x07, u, octets(Bytes(n, 0x5a)));
}

// A v2c message with a community of `n` octets.
inline Bytes v2c_get(size_t n) {
  return sequence(cat({integer(1), octets(Bytes(n, 'c')), pdu(0xa0, {0x01}, {})}));
}

}  // namespace pw::proto::snmp::test
