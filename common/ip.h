// IP addresses and prefixes, v4 and v6, as plain values (no sockets, no allocation).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pw {

enum class Family : uint8_t { V4 = 4, V6 = 6 };

// An address in network byte order. IPv4 uses the first 4 bytes of `bytes`, the rest are zero,
// so that two addresses compare equal exactly when family and value match.
struct IpAddr {
  Family family = Family::V4;
  std::array<uint8_t, 16> bytes{};

  static IpAddr v4(uint32_t host_order);
  static IpAddr v6(const std::array<uint8_t, 16>& b);
  int bits() const { return family == Family::V4 ? 32 : 128; }
  uint32_t v4_host_order() const;
  // The value as a 128-bit unsigned integer (v4 in the low 32 bits): used by interval maps.
  unsigned __int128 as_u128() const;
  static IpAddr from_u128(Family f, unsigned __int128 v);
  std::string str() const;
  auto operator<=>(const IpAddr&) const = default;
};

struct Prefix {
  IpAddr addr;  // host bits zero
  uint8_t len = 0;

  bool contains(const IpAddr& a) const;
  bool contains(const Prefix& p) const { return p.len >= len && contains(p.addr); }
  std::string str() const;
  auto operator<=>(const Prefix&) const = default;
};

// Parsing returns nullopt and fills `why` (a short reason, no file/line) on failure.
std::optional<IpAddr> parse_ip(std::string_view s, std::string* why = nullptr);
// Accepts "A/len" or a bare address (host prefix). With `strict`, host bits must be zero.
std::optional<Prefix> parse_prefix(std::string_view s, std::string* why = nullptr,
                                   bool strict = true);

}  // namespace pw
