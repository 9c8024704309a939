#include "protocols/rfb/rfb_parser.h"

#include <cstring>

namespace pw::proto::rfb {

uint8_t parse_version(std::span<const uint8_t, kVersionSize> v) {
  if (std::memcmp(v.data(), "RFB ", 4) != 0 || v[7] != '.' || v[11] != '\n') return 0;
  for (size_t i : {4, 5, 6, 8, 9, 10})
    if (v[i] < '0' || v[i] > '9') return 0;
  if (std::memcmp(v.data() + 4, "003", 3) != 0) return 0;
  const char* minor = reinterpret_cast<const char*>(v.data() + 8);
  if (std::memcmp(minor, "003", 3) == 0) return 3;
  if (std::memcmp(minor, "007", 3) == 0) return 7;
  if (std::memcmp(minor, "008", 3) == 0) return 8;
  if (std::memcmp(minor, "889", 3) == 0) return 8;  // Apple Remote Desktop: the 3.8 handshake
  return 0;
}

Kind classify_type(uint32_t type) {
  switch (type) {
    case sec::kInvalid:
      return Kind::Invalid;
    case sec::kNone:
      return Kind::None;
    case sec::kVncAuth:
      return Kind::VncAuth;
    case sec::kTls:
      return Kind::Tls;
    case sec::kVeNCrypt:
      return Kind::VeNCrypt;
    default:
      return Kind::Other;
  }
}

Kind classify_subtype(uint32_t subtype) {
  switch (subtype) {
    case vencrypt::kFailure:
      return Kind::Invalid;
    case sec::kNone:
      return Kind::None;
    case sec::kVncAuth:
      return Kind::VncAuth;
    case vencrypt::kTlsNone:
    case vencrypt::kTlsVnc:
    case vencrypt::kTlsPlain:
    case vencrypt::kX509None:
    case vencrypt::kX509Vnc:
    case vencrypt::kX509Plain:
    case vencrypt::kTlsSasl:
    case vencrypt::kX509Sasl:
      return Kind::InsideTls;
    default:  // Plain (256) and everything unknown
      return Kind::Other;
  }
}

}  // namespace pw::proto::rfb
