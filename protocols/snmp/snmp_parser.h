// SNMP message grammar (pure): SNMPv1 (RFC 1157 section 4), SNMPv2c (RFC 1901, PDUs of RFC 3416
// section 3), SNMPv3 (RFC 3412 section 6, USM security parameters of RFC 3414 section 2.4).
//
// parse_message() decodes a whole message or, over TCP (RFC 3430), the part of it that has
// arrived; it reports every fact the gateway decides on as soon as that fact is decoded, so that
// a message can be judged before its community string or PDU has been forwarded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pw::proto::snmp {

// msgVersion (RFC 3412 section 6; RFC 1901 section 3; RFC 1157 section 4).
inline constexpr int64_t kVersion1 = 0;
inline constexpr int64_t kVersion2c = 1;
inline constexpr int64_t kVersion3 = 3;

// PDU tags, [CONTEXT n] constructed (RFC 3416 section 3; RFC 1157 section 4.1 for Trap-PDU).
inline constexpr uint8_t kGetRequest = 0xa0;
inline constexpr uint8_t kGetNextRequest = 0xa1;
inline constexpr uint8_t kResponse = 0xa2;
inline constexpr uint8_t kSetRequest = 0xa3;
inline constexpr uint8_t kTrapV1 = 0xa4;
inline constexpr uint8_t kGetBulkRequest = 0xa5;
inline constexpr uint8_t kInformRequest = 0xa6;
inline constexpr uint8_t kTrapV2 = 0xa7;
inline constexpr uint8_t kReport = 0xa8;

// msgFlags bits (RFC 3412 section 6.4).
inline constexpr uint8_t kFlagAuth = 0x01;
inline constexpr uint8_t kFlagPriv = 0x02;
inline constexpr uint8_t kFlagReportable = 0x04;

// msgSecurityModel of the User-based Security Model (RFC 3411 section 5).
inline constexpr int64_t kModelUsm = 3;

// Application tags of the SMI (RFC 2578 section 7.1, RFC 1155 section 3.2.3).
inline constexpr uint8_t kIpAddress = 0x40;
inline constexpr uint8_t kTimeTicks = 0x43;

enum class Parse : uint8_t {
  NeedMore,   // a prefix: correct so far, the rest has not arrived
  Ok,         // the whole message decodes
  Malformed,  // it does not decode (`Message::why` says where)
};

// What a message says. A fact is valid once its has_ flag is set; a prefix sets those that are
// decoded already.
struct Message {
  bool has_version = false;
  int64_t version = -1;
  // v1 / v2c
  bool has_community = false;
  uint32_t community_len = 0;
  // v3: msgGlobalData
  bool has_flags = false;
  uint8_t flags = 0;
  int64_t msg_id = 0;
  int64_t max_size = 0;
  int64_t security_model = 0;
  // v3: USM security parameters
  bool has_usm = false;
  bool user_empty = false;
  uint32_t engine_id_len = 0;
  int64_t engine_boots = 0;  // msgAuthoritativeEngineBoots
  uint32_t auth_len = 0;     // msgAuthenticationParameters: 12 for HMAC-96 (MD5, SHA-1), more for SHA-2
  uint32_t priv_len = 0;     // msgPrivacyParameters: the salt, 8 octets for DES and AES
  uint32_t priv_head = 0;    // its first 4 octets (DES: the sender's snmpEngineBoots, RFC 3414 8.1.1.1)
  // v3: msgData is an encryptedPDU (authPriv): its PDU cannot be seen, only its length
  bool encrypted = false;
  uint32_t encrypted_len = 0;
  // The PDU (v1/v2c, and v3 without privacy)
  bool has_pdu = false;
  uint8_t pdu = 0;
  uint32_t varbinds = 0;  // counted as they are decoded
  // A Report of a failed USM authentication (RFC 3414 section 3.2 steps 4, 6, 8:
  // usmStatsUnknownUserNames, usmStatsWrongDigests, usmStatsDecryptionErrors).
  bool usm_failure = false;

  const char* why = nullptr;  // Malformed: the part that does not decode
};

// Decodes the message held in the first `in.size()` octets of `total` (in.size() == total: the
// whole message). The message must be exactly `total` octets long: a UDP datagram holds one
// message and nothing else (RFC 3417 section 3). Never reads outside `in`.
Parse parse_message(std::span<const std::byte> in, uint64_t total, Message& m);

// Convenience: a whole datagram.
inline Parse parse_datagram(std::span<const std::byte> in, Message& m) {
  return parse_message(in, in.size(), m);
}

const char* pdu_name(uint8_t tag);

}  // namespace pw::proto::snmp
