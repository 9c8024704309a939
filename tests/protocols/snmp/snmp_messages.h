// SNMP messages as net-snmp's tools put them on the wire, hand-encoded in BER (RFC 1157, RFC 1901,
// RFC 3416, RFC 3412, RFC 3414), for the parser and inspector tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace pw::proto::snmp::test {

using Bytes = std::vector<uint8_t>;

inline std::span<const std::byte> as_span(const Bytes& b) {
  return std::as_bytes(std::span<const uint8_t>(b));
}

// snmpget -v1 -c public 198.18.20.5 SNMPv2-MIB::sysDescr.0
// clang-format off
inline const Bytes kV1Get = {
    0x30, 0x29,                                      // Message SEQUENCE, 41
    0x02, 0x01, 0x00,                                //   version: 0 (SNMPv1)
    0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',        //   community "public"
    0xa0, 0x1c,                                      //   GetRequest-PDU, 28
    0x02, 0x04, 0x3b, 0x9a, 0xca, 0x07,              //     request-id
    0x02, 0x01, 0x00,                                //     error-status: noError
    0x02, 0x01, 0x00,                                //     error-index: 0
    0x30, 0x0e,                                      //     variable-bindings, 14
    0x30, 0x0c,                                      //       VarBind, 12
    0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0,           //         name: 1.3.6.1.2.1.1.1.0
    0x05, 0x00,                                      //         value: NULL
};
// clang-format on

// snmpget -v2c -c public 198.18.20.5 SNMPv2-MIB::sysDescr.0 (the same but for the version)
// clang-format off
inline const Bytes kV2cGet = {
    0x30, 0x29,                                      // Message SEQUENCE, 41
    0x02, 0x01, 0x01,                                //   version: 1 (SNMPv2c)
    0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',        //   community "public"
    0xa0, 0x1c,                                      //   GetRequest-PDU, 28
    0x02, 0x04, 0x3b, 0x9a, 0xca, 0x08,              //     request-id
    0x02, 0x01, 0x00,                                //     error-status
    0x02, 0x01, 0x00,                                //     error-index
    0x30, 0x0e,                                      //     variable-bindings, 14
    0x30, 0x0c,                                      //       VarBind, 12
    0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0,           //         name: sysDescr.0
    0x05, 0x00,                                      //         value: NULL
};
// clang-format on

// The agent's answer to kV2cGet: sysDescr.0 = "HP LaserJet"
// clang-format off
inline const Bytes kV2cResponse = {
    0x30, 0x34,                                      // Message SEQUENCE, 52
    0x02, 0x01, 0x01,                                //   version: SNMPv2c
    0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',        //   community "public"
    0xa2, 0x27,                                      //   Response-PDU, 39
    0x02, 0x04, 0x3b, 0x9a, 0xca, 0x08,              //     request-id
    0x02, 0x01, 0x00,                                //     error-status
    0x02, 0x01, 0x00,                                //     error-index
    0x30, 0x19,                                      //     variable-bindings, 25
    0x30, 0x17,                                      //       VarBind, 23
    0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0,           //         name: sysDescr.0
    0x04, 0x0b, 'H', 'P', ' ', 'L', 'a', 's', 'e',   //         value: OCTET STRING
    'r', 'J', 'e', 't',                              //           "HP LaserJet"
};
// clang-format on

// snmpset -v2c -c private 198.18.20.5 SNMPv2-MIB::sysContact.0 s admin
// clang-format off
inline const Bytes kV2cSet = {
    0x30, 0x2f,                                      // Message SEQUENCE, 47
    0x02, 0x01, 0x01,                                //   version: SNMPv2c
    0x04, 0x07, 'p', 'r', 'i', 'v', 'a', 't', 'e',   //   community "private"
    0xa3, 0x21,                                      //   SetRequest-PDU, 33
    0x02, 0x04, 0x11, 0x22, 0x33, 0x44,              //     request-id
    0x02, 0x01, 0x00,                                //     error-status
    0x02, 0x01, 0x00,                                //     error-index
    0x30, 0x13,                                      //     variable-bindings, 19
    0x30, 0x11,                                      //       VarBind, 17
    0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 4, 0,           //         name: sysContact.0
    0x04, 0x05, 'a', 'd', 'm', 'i', 'n',             //         value: "admin"
};
// clang-format on

// snmptrap -v1 -c public 198.18.0.9 1.3.6.1.4.1.11 198.18.20.5 6 1 256 (from the printer)
// clang-format off
inline const Bytes kV1Trap = {
    0x30, 0x27,                                      // Message SEQUENCE, 39
    0x02, 0x01, 0x00,                                //   version: SNMPv1
    0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',        //   community "public"
    0xa4, 0x1a,                                      //   Trap-PDU, 26
    0x06, 0x06, 0x2b, 6, 1, 4, 1, 11,                //     enterprise: 1.3.6.1.4.1.11
    0x40, 0x04, 198, 18, 20, 5,                      //     agent-addr: IpAddress
    0x02, 0x01, 0x06,                                //     generic-trap: enterpriseSpecific
    0x02, 0x01, 0x01,                                //     specific-trap: 1
    0x43, 0x02, 0x01, 0x00,                          //     time-stamp: TimeTicks 256
    0x30, 0x00,                                      //     variable-bindings: none
};
// clang-format on

// snmpget -v3 ...: the engine-ID discovery probe net-snmp sends first (RFC 3414 section 4).
// clang-format off
inline const Bytes kV3Discovery = {
    0x30, 0x3e,                                      // SNMPv3Message, 62
    0x02, 0x01, 0x03,                                //   msgVersion: 3
    0x30, 0x11,                                      //   msgGlobalData, 17
    0x02, 0x04, 0x1c, 0x2f, 0x44, 0x01,              //     msgID
    0x02, 0x03, 0x00, 0xff, 0xe3,                    //     msgMaxSize: 65507
    0x04, 0x01, 0x04,                                //     msgFlags: reportable, noAuthNoPriv
    0x02, 0x01, 0x03,                                //     msgSecurityModel: USM
    0x04, 0x10,                                      //   msgSecurityParameters, 16
    0x30, 0x0e,                                      //     UsmSecurityParameters, 14
    0x04, 0x00,                                      //       msgAuthoritativeEngineID: ""
    0x02, 0x01, 0x00,                                //       msgAuthoritativeEngineBoots: 0
    0x02, 0x01, 0x00,                                //       msgAuthoritativeEngineTime: 0
    0x04, 0x00,                                      //       msgUserName: ""
    0x04, 0x00,                                      //       msgAuthenticationParameters: ""
    0x04, 0x00,                                      //       msgPrivacyParameters: ""
    0x30, 0x14,                                      //   ScopedPDU, 20
    0x04, 0x00,                                      //     contextEngineID: ""
    0x04, 0x00,                                      //     contextName: ""
    0xa0, 0x0e,                                      //     GetRequest-PDU, 14
    0x02, 0x04, 0x2a, 0x11, 0x05, 0x6b,              //       request-id
    0x02, 0x01, 0x00,                                //       error-status
    0x02, 0x01, 0x00,                                //       error-index
    0x30, 0x00,                                      //       variable-bindings: none
};
// clang-format on

// The agent's Report to the probe: usmStatsUnknownEngineIDs.0 = 1, with its engine ID.
// clang-format off
inline const Bytes kV3Report = {
    0x30, 0x72,                                      // SNMPv3Message, 114
    0x02, 0x01, 0x03,                                //   msgVersion: 3
    0x30, 0x11,                                      //   msgGlobalData, 17
    0x02, 0x04, 0x1c, 0x2f, 0x44, 0x01,              //     msgID
    0x02, 0x03, 0x00, 0xff, 0xe3,                    //     msgMaxSize
    0x04, 0x01, 0x00,                                //     msgFlags: noAuthNoPriv
    0x02, 0x01, 0x03,                                //     msgSecurityModel: USM
    0x04, 0x22,                                      //   msgSecurityParameters, 34
    0x30, 0x20,                                      //     UsmSecurityParameters, 32
    0x04, 0x11, 0x80, 0x00, 0x1f, 0x88, 0x80, 0x59,  //       msgAuthoritativeEngineID (17,
    0xdc, 0x48, 0x61, 0x45, 0xa2, 0x63, 0x22, 0x00,  //         net-snmp format)
    0x00, 0x00, 0x00,                                //
    0x02, 0x01, 0x01,                                //       msgAuthoritativeEngineBoots: 1
    0x02, 0x02, 0x0b, 0x5c,                          //       msgAuthoritativeEngineTime: 2908
    0x04, 0x00,                                      //       msgUserName: ""
    0x04, 0x00,                                      //       msgAuthenticationParameters
    0x04, 0x00,                                      //       msgPrivacyParameters
    0x30, 0x36,                                      //   ScopedPDU, 54
    0x04, 0x11, 0x80, 0x00, 0x1f, 0x88, 0x80, 0x59,  //     contextEngineID (the engine's)
    0xdc, 0x48, 0x61, 0x45, 0xa2, 0x63, 0x22, 0x00,  //
    0x00, 0x00, 0x00,                                //
    0x04, 0x00,                                      //     contextName: ""
    0xa8, 0x1f,                                      //     Report-PDU, 31
    0x02, 0x04, 0x2a, 0x11, 0x05, 0x6b,              //       request-id
    0x02, 0x01, 0x00,                                //       error-status
    0x02, 0x01, 0x00,                                //       error-index
    0x30, 0x11,                                      //       variable-bindings, 17
    0x30, 0x0f,                                      //         VarBind, 15
    0x06, 0x0a, 0x2b, 6, 1, 6, 3, 15, 1, 1, 4, 0,    //           usmStatsUnknownEngineIDs.0
    0x41, 0x01, 0x01,                                //           Counter32: 1
};
// clang-format on

// snmpget -v3 -l authPriv -u admin -a SHA -x AES ...: the real request after discovery.
// clang-format off
inline const Bytes kV3AuthPrivGet = {
    0x30, 0x7f,                                      // SNMPv3Message, 127
    0x02, 0x01, 0x03,                                //   msgVersion: 3
    0x30, 0x11,                                      //   msgGlobalData, 17
    0x02, 0x04, 0x1c, 0x2f, 0x44, 0x02,              //     msgID
    0x02, 0x03, 0x00, 0xff, 0xe3,                    //     msgMaxSize
    0x04, 0x01, 0x07,                                //     msgFlags: reportable, authPriv
    0x02, 0x01, 0x03,                                //     msgSecurityModel: USM
    0x04, 0x3b,                                      //   msgSecurityParameters, 59
    0x30, 0x39,                                      //     UsmSecurityParameters, 57
    0x04, 0x11, 0x80, 0x00, 0x1f, 0x88, 0x80, 0x59,  //       msgAuthoritativeEngineID
    0xdc, 0x48, 0x61, 0x45, 0xa2, 0x63, 0x22, 0x00,  //
    0x00, 0x00, 0x00,                                //
    0x02, 0x01, 0x01,                                //       msgAuthoritativeEngineBoots: 1
    0x02, 0x02, 0x0b, 0x5c,                          //       msgAuthoritativeEngineTime
    0x04, 0x05, 'a', 'd', 'm', 'i', 'n',             //       msgUserName: "admin"
    0x04, 0x0c, 0x9e, 0x1d, 0x4b, 0x07, 0x31, 0xc2,  //       msgAuthenticationParameters:
    0x55, 0x0a, 0x6f, 0x88, 0x03, 0xe4,              //         HMAC-SHA-96
    0x04, 0x08, 0x00, 0x00, 0x00, 0x01, 0x5a, 0x3c,  //       msgPrivacyParameters: AES salt
    0x11, 0x92,                                      //
    0x04, 0x2a,                                      //   encryptedPDU, 42 (AES-CFB)
    0x5e, 0x91, 0x0c, 0x77, 0xa3, 0x1b, 0xf0, 0x42, 0x8d, 0x66, 0x13, 0xce, 0x29, 0xb4,
    0x07, 0x5a, 0xe1, 0x3f, 0x98, 0x24, 0x6d, 0xc0, 0x51, 0x8a, 0x3e, 0x17, 0xfb, 0x62,
    0x09, 0xd5, 0x74, 0x2c, 0xa8, 0x13, 0x4f, 0xe6, 0x90, 0x38, 0xbd, 0x05, 0x6a, 0xc7,
};
// clang-format on

// snmpset -v3 -l authNoPriv -u admin -a SHA ... SNMPv2-MIB::sysContact.0 s admin
// clang-format off
inline const Bytes kV3AuthNoPrivSet = {
    0x30, 0x81, 0x85,                                // SNMPv3Message, 133 (long form)
    0x02, 0x01, 0x03,                                //   msgVersion: 3
    0x30, 0x11,                                      //   msgGlobalData, 17
    0x02, 0x04, 0x1c, 0x2f, 0x44, 0x03,              //     msgID
    0x02, 0x03, 0x00, 0xff, 0xe3,                    //     msgMaxSize
    0x04, 0x01, 0x05,                                //     msgFlags: reportable, authNoPriv
    0x02, 0x01, 0x03,                                //     msgSecurityModel: USM
    0x04, 0x33,                                      //   msgSecurityParameters, 51
    0x30, 0x31,                                      //     UsmSecurityParameters, 49
    0x04, 0x11, 0x80, 0x00, 0x1f, 0x88, 0x80, 0x59,  //       msgAuthoritativeEngineID
    0xdc, 0x48, 0x61, 0x45, 0xa2, 0x63, 0x22, 0x00,  //
    0x00, 0x00, 0x00,                                //
    0x02, 0x01, 0x01,                                //       msgAuthoritativeEngineBoots
    0x02, 0x02, 0x0b, 0x5c,                          //       msgAuthoritativeEngineTime
    0x04, 0x05, 'a', 'd', 'm', 'i', 'n',             //       msgUserName: "admin"
    0x04, 0x0c, 0x41, 0x8e, 0x02, 0xd3, 0x7b, 0x19,  //       msgAuthenticationParameters
    0xc4, 0x60, 0x2f, 0xaa, 0x95, 0x0e,              //
    0x04, 0x00,                                      //       msgPrivacyParameters: ""
    0x30, 0x38,                                      //   ScopedPDU, 56 (plaintext)
    0x04, 0x11, 0x80, 0x00, 0x1f, 0x88, 0x80, 0x59,  //     contextEngineID
    0xdc, 0x48, 0x61, 0x45, 0xa2, 0x63, 0x22, 0x00,  //
    0x00, 0x00, 0x00,                                //
    0x04, 0x00,                                      //     contextName: ""
    0xa3, 0x21,                                      //     SetRequest-PDU, 33
    0x02, 0x04, 0x6e, 0x01, 0x22, 0x0f,              //       request-id
    0x02, 0x01, 0x00,                                //       error-status
    0x02, 0x01, 0x00,                                //       error-index
    0x30, 0x13,                                      //       variable-bindings, 19
    0x30, 0x11,                                      //         VarBind, 17
    0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 4, 0,           //           name: sysContact.0
    0x04, 0x05, 'a', 'd', 'm', 'i', 'n',             //           value: "admin"
};
// clang-format on
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
// clang-format off
inline const Bytes kV3NoAuthGet = {
    0x30, 0x56,                                      // SNMPv3Message, 86
    0x02, 0x01, 0x03,                                //   msgVersion: 3
    0x30, 0x11,                                      //   msgGlobalData, 17
    0x02, 0x04, 0x1c, 0x2f, 0x44, 0x04,              //     msgID
    0x02, 0x03, 0x00, 0xff, 0xe3,                    //     msgMaxSize
    0x04, 0x01, 0x04,                                //     msgFlags: reportable, noAuthNoPriv
    0x02, 0x01, 0x03,                                //     msgSecurityModel: USM
    0x04, 0x28,                                      //   msgSecurityParameters, 40
    0x30, 0x26,                                      //     UsmSecurityParameters, 38
    0x04, 0x11, 0x80, 0x00, 0x1f, 0x88, 0x80, 0x59,  //       msgAuthoritativeEngineID
    0xdc, 0x48, 0x61, 0x45, 0xa2, 0x63, 0x22, 0x00,  //
    0x00, 0x00, 0x00,                                //
    0x02, 0x01, 0x01,                                //       msgAuthoritativeEngineBoots
    0x02, 0x02, 0x0b, 0x5c,                          //       msgAuthoritativeEngineTime
    0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',        //       msgUserName: "public"
    0x04, 0x00,                                      //       msgAuthenticationParameters
    0x04, 0x00,                                      //       msgPrivacyParameters
    0x30, 0x14,                                      //   ScopedPDU, 20
    0x04, 0x00,                                      //     contextEngineID: ""
    0x04, 0x00,                                      //     contextName: ""
    0xa0, 0x0e,                                      //     GetRequest-PDU, 14
    0x02, 0x04, 0x2a, 0x11, 0x05, 0x6c,              //       request-id
    0x02, 0x01, 0x00,                                //       error-status
    0x02, 0x01, 0x00,                                //       error-index
    0x30, 0x00,                                      //       variable-bindings: none
};
// clang-format on

// A copy of `m` with octet `at` replaced.
inline Bytes patched(Bytes m, size_t at, uint8_t v) {
  m.at(at) = v;
  return m;
}

// A definite-length TLV (long form above 127), for generated variants.
inline Bytes tlv(uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else if (n < 0x10000) {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x83, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                           static_cast<uint8_t>(n)});
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// An authPriv message whose encryptedPDU has `n` octets (over TCP: larger than the state).
inline Bytes v3_auth_priv(size_t n) {
  Bytes usm = tlv(0x30, cat({tlv(0x04, {0x80, 0x00, 0x1f, 0x88, 0x80, 0x01, 0x02, 0x03, 0x04}),
                             {0x02, 0x01, 0x01, 0x02, 0x01, 0x05},
                             tlv(0x04, {'a', 'd', 'm', 'i', 'n'}),
                             tlv(0x04, Bytes(12, 0xab)),
                             tlv(0x04, Bytes(8, 0x01))}));
  return tlv(0x30, cat({{0x02, 0x01, 0x03},
                        tlv(0x30, {0x02, 0x01, 0x07, 0x02, 0x03, 0x00, 0xff, 0xe3, 0x04, 0x01, 0x07,
                                   0x02, 0x01, 0x03}),
                        tlv(0x04, usm),
                        tlv(0x04, Bytes(n, 0x5a))}));
}

// A v2c message with a community of `n` octets.
inline Bytes v2c_get(size_t n) {
  return tlv(0x30, cat({{0x02, 0x01, 0x01},
                        tlv(0x04, Bytes(n, 'c')),
                        tlv(0xa0, cat({{0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00},
                                       tlv(0x30, {})}))}));
}

}  // namespace pw::proto::snmp::test
