#include "dataplane/dispatch_hash.h"

#include <algorithm>
#include <cstring>

#include "common/hash.h"
#include "dataplane/packet.h"

namespace pw::dp {

namespace {

// fmix64, folded to 32 bits.
uint32_t mix(uint64_t h) {
  h = fmix64(h);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

uint64_t fold(const uint8_t* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, p + i, std::min<size_t>(8, n - i));
    h = (h ^ w) * 0x100000001b3ull + (h >> 29);
  }
  return h;
}

}  // namespace

uint32_t symmetric_hash(std::span<const uint8_t> f) {
  size_t off = 12;
  uint64_t vlans = 0;
  if (f.size() < 14) return 0;
  uint16_t type = load16(&f[off]);
  for (int tags = 0; (type == kEtherVlan || type == kEtherQinQ) && tags < 2; ++tags) {
    if (f.size() < off + 6) return mix(vlans);
    vlans = vlans << 12 | (load16(&f[off + 2]) & 0x0fff);
    off += 4;
    type = load16(&f[off]);
  }
  off += 2;
  const uint8_t *a = nullptr, *b = nullptr;
  size_t len = 0;
  if (type == kEtherIpv4 && f.size() >= off + 20) {
    a = &f[off + 12];
    b = &f[off + 16];
    len = 4;
  } else if (type == kEtherIpv6 && f.size() >= off + 40) {
    a = &f[off + 8];
    b = &f[off + 24];
    len = 16;
  } else {
    return mix(vlans);
  }
  if (std::memcmp(a, b, len) > 0) std::swap(a, b);
  uint64_t ha = fold(a, len), hb = fold(b, len);
  return mix(ha * 31 + hb + (vlans << 1) + len);
}

}  // namespace pw::dp
