// Building BER (X.690 definite-length) for the tests of the BER protocols (SNMP, LDAP): a TLV
// with its length in short or long form, concatenation, and the universal types the messages of
// net-snmp and OpenLDAP use. Header-only, like the messages built with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pw::testing::ber {

using Bytes = std::vector<uint8_t>;

inline std::span<const std::byte> as_span(const Bytes& b) {
  return std::as_bytes(std::span<const uint8_t>(b));
}

// A copy of `m` with octet `at` replaced.
inline Bytes patched(Bytes m, size_t at, uint8_t v) {
  m.at(at) = v;
  return m;
}

// One octet of a good message changed, and what the parser must then name as the reason
// (nullptr: only that the message is malformed).
struct Corruption {
  const Bytes& message;
  size_t at;
  uint8_t value;
  const char* why = nullptr;

  Bytes apply() const { return patched(message, at, value); }
  std::string str() const { return "octet " + std::to_string(at) + " = " + std::to_string(value); }
};

inline Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A definite-length TLV: the length in short form below 128, else in the long form's fewest
// octets (up to three).
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

// Universal types (X.690 8.3, 8.4, 8.6, 8.7, 8.19): the content as the encoder wrote it.
inline Bytes integer(const Bytes& content) { return tlv(0x02, content); }
inline Bytes integer(uint8_t small) { return integer(Bytes{small}); }  // 0 to 127
inline Bytes enumerated(uint8_t small) { return tlv(0x0a, {small}); }
inline Bytes boolean(bool v) { return tlv(0x01, {static_cast<uint8_t>(v ? 0xff : 0x00)}); }
inline Bytes octets(const Bytes& content) { return tlv(0x04, content); }
inline Bytes octets(std::string_view s) { return octets(str(s)); }
inline Bytes null() { return {0x05, 0x00}; }
inline Bytes oid(const Bytes& content) { return tlv(0x06, content); }
inline Bytes sequence(const Bytes& content) { return tlv(0x30, content); }

}  // namespace pw::testing::ber
