#include "common/ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace pw {

IpAddr IpAddr::v4(uint32_t h) {
  IpAddr a;
  a.family = Family::V4;
  // One 16-byte value built in registers (later read as words by the flow key).
  uint32_t be = __builtin_bswap32(h);
  uint64_t w[2] = {be, 0};
  std::memcpy(a.bytes.data(), w, 16);
  return a;
}

IpAddr IpAddr::v6(const std::array<uint8_t, 16>& b) {
  IpAddr a;
  a.family = Family::V6;
  a.bytes = b;
  return a;
}

uint32_t IpAddr::v4_host_order() const {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

unsigned __int128 IpAddr::as_u128() const {
  if (family == Family::V4) return v4_host_order();
  unsigned __int128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  return v;
}

IpAddr IpAddr::from_u128(Family f, unsigned __int128 v) {
  if (f == Family::V4) return v4(static_cast<uint32_t>(v));
  std::array<uint8_t, 16> b{};
  for (int i = 15; i >= 0; --i) {
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
    v >>= 8;
  }
  return v6(b);
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == Family::V4) {
    inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

bool Prefix::contains(const IpAddr& a) const {
  if (a.family != addr.family) return false;
  int full = len / 8;
  for (int i = 0; i < full; ++i)
    if (a.bytes[i] != addr.bytes[i]) return false;
  int rest = len % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
}

std::string Prefix::str() const { return addr.str() + "/" + std::to_string(len); }

std::optional<IpAddr> parse_ip(std::string_view s, std::string* why) {
  auto fail = [&](const char* r) -> std::optional<IpAddr> {
    if (why) *why = r;
    return std::nullopt;
  };
  if (s.empty()) return fail("empty address");
  if (s.size() >= INET6_ADDRSTRLEN) return fail("address too long");
  char buf[INET6_ADDRSTRLEN];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  IpAddr a;
  if (s.find(':') != std::string_view::npos) {
    a.family = Family::V6;
    if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return fail("not a valid IPv6 address");
    return a;
  }
  a.family = Family::V4;
  // inet_pton(AF_INET) accepts only dotted quads of decimal octets, no leading-zero octal forms.
  if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) return fail("not a valid IPv4 address");
  return a;
}

std::optional<Prefix> parse_prefix(std::string_view s, std::string* why, bool strict) {
  Prefix p;
  auto slash = s.find('/');
  auto addr = parse_ip(s.substr(0, slash), why);
  if (!addr) return std::nullopt;
  p.addr = *addr;
  int len = addr->bits();
  if (slash != std::string_view::npos) {
    auto ls = s.substr(slash + 1);
    int v = -1;
    auto [ptr, ec] = std::from_chars(ls.data(), ls.data() + ls.size(), v);
    if (ls.empty() || ec != std::errc() || ptr != ls.data() + ls.size() || v < 0 ||
        v > addr->bits() || (ls.size() > 1 && ls[0] == '0')) {
      if (why)
        *why = "prefix length must be 0.." + std::to_string(addr->bits()) + ", got '" +
               std::string(ls) + "'";
      return std::nullopt;
    }
    len = v;
  }
  p.len = static_cast<uint8_t>(len);
  Prefix masked = p;
  for (int i = len; i < addr->bits(); ++i)
    masked.addr.bytes[i / 8] &= static_cast<uint8_t>(~(1u << (7 - i % 8)));
  if (masked.addr != p.addr) {
    if (strict) {
      if (why) *why = "host bits set (did you mean " + masked.str() + "?)";
      return std::nullopt;
    }
  }
  return masked;
}

}  // namespace pw
