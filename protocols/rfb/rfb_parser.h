// RFB grammar (RFC 6143 section 7.1, the handshake; VeNCrypt from the community RFB
// specification, "VeNCrypt" security type 19): protocol versions, security types and the
// VeNCrypt sub-types, classified by what they expose on the wire. Pure functions; the inspector
// (rfb_inspector.h) keeps the streaming state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pw::proto::rfb {

inline uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

// RFC 6143 7.1.1: "RFB xxx.yyy\n", 12 bytes each way.
inline constexpr size_t kVersionSize = 12;
// The minor version whose handshake the bytes follow: 3, 7 or 8 (Apple's 003.889 follows 3.8);
// 0 for anything else, which the inspector reports as malformed (fail closed).
uint8_t parse_version(std::span<const uint8_t, kVersionSize> v);

// Security types (RFC 6143 7.1.2 and 8.1.2, IANA "RFB Security Types").
namespace sec {
inline constexpr uint8_t kInvalid = 0;
inline constexpr uint8_t kNone = 1;
inline constexpr uint8_t kVncAuth = 2;  // DES challenge-response (RFC 6143 7.2.2)
inline constexpr uint8_t kRa2 = 5;
inline constexpr uint8_t kRa2ne = 6;
inline constexpr uint8_t kTight = 16;
inline constexpr uint8_t kUltra = 17;
inline constexpr uint8_t kTls = 18;  // anonymous TLS from the next byte (vino, gtk-vnc)
inline constexpr uint8_t kVeNCrypt = 19;
inline constexpr uint8_t kAppleDh = 30;
}  // namespace sec

// VeNCrypt 0.2 sub-types (U32).
namespace vencrypt {
inline constexpr uint32_t kFailure = 0;
inline constexpr uint32_t kPlain = 256;  // user name and password in clear text
inline constexpr uint32_t kTlsNone = 257;
inline constexpr uint32_t kTlsVnc = 258;
inline constexpr uint32_t kTlsPlain = 259;
inline constexpr uint32_t kX509None = 260;
inline constexpr uint32_t kX509Vnc = 261;
inline constexpr uint32_t kX509Plain = 262;
inline constexpr uint32_t kTlsSasl = 263;  // gtk-vnc, libvncserver
inline constexpr uint32_t kX509Sasl = 264;
}  // namespace vencrypt

// What choosing a security type puts on the wire.
enum class Kind : uint8_t {
  Invalid,    // 0: not a type
  None,       // no authentication at all
  VncAuth,    // DES challenge-response in clear (weak: brute-forced offline)
  Tls,        // type 18: a TLS handshake starts right after the choice
  VeNCrypt,   // type 19: a sub-negotiation in clear follows
  InsideTls,  // VeNCrypt TLS* / X509*: everything after the choice is inside TLS
  Other,      // anything else: not verifiable, treated as weak (fail closed)
};
Kind classify_type(uint32_t type);        // an RFB security type (U8, or U32 for 3.3)
Kind classify_subtype(uint32_t subtype);  // a VeNCrypt 0.2 sub-type

// Failure reasons are skipped, never buffered; a longer one is malformed.
inline constexpr uint32_t kMaxReasonLength = 4096;
// RFC 6143 7.2.2: VNC Authentication challenge and response.
inline constexpr uint32_t kVncChallengeSize = 16;

}  // namespace pw::proto::rfb
