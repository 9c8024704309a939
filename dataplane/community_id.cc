#include "dataplane/community_id.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <tuple>
#include <utility>

namespace pw::dp {

namespace {

constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpv6 = 58, kSctp = 132;

// The ICMP message types that have a counterpart (request and reply, solicitation and
// advertisement): the spec's table. -1: one-way.
int icmp_counterpart(uint8_t type, bool v6) {
  if (!v6) {
    switch (type) {
      case 8: return 0;    // echo
      case 0: return 8;    // echo reply
      case 13: return 14;  // timestamp
      case 14: return 13;
      case 15: return 16;  // information
      case 16: return 15;
      case 10: return 9;   // router solicitation, advertisement
      case 9: return 10;
      case 17: return 18;  // address mask
      case 18: return 17;
      default: return -1;
    }
  }
  switch (type) {
    case 128: return 129;  // echo
    case 129: return 128;
    case 133: return 134;  // router solicitation, advertisement
    case 134: return 133;
    case 135: return 136;  // neighbour solicitation, advertisement
    case 136: return 135;
    case 130: return 131;  // multicast listener query, report
    case 131: return 130;
    case 144: return 145;  // home agent address discovery
    case 145: return 144;
    case 139: return 140;  // node information query, response
    case 140: return 139;
    default: return -1;
  }
}

}  // namespace

std::string community_id_v1(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint16_t sport,
                            uint16_t dport, uint16_t seed) {
  if (src.family != dst.family) return {};
  const size_t alen = src.family == Family::V4 ? 4 : 16;
  const bool ports = proto == kTcp || proto == kUdp || proto == kSctp || proto == kIcmp ||
                     proto == kIcmpv6;
  bool one_way = false;
  if (proto == kIcmp || proto == kIcmpv6) {
    const int other = icmp_counterpart(static_cast<uint8_t>(sport), proto == kIcmpv6);
    if (other < 0)
      one_way = true;
    else
      dport = static_cast<uint16_t>(other);
  }
  const uint8_t* a = src.bytes.data();
  const uint8_t* b = dst.bytes.data();
  if (!one_way) {
    const int c = std::memcmp(a, b, alen);
    if (c > 0 || (c == 0 && ports && sport > dport)) {
      std::swap(a, b);
      std::swap(sport, dport);
    }
  }
  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  buf[n++] = static_cast<uint8_t>(seed >> 8);
  buf[n++] = static_cast<uint8_t>(seed);
  std::memcpy(buf + n, a, alen);
  n += alen;
  std::memcpy(buf + n, b, alen);
  n += alen;
  buf[n++] = proto;
  buf[n++] = 0;  // padding
  if (ports) {
    buf[n++] = static_cast<uint8_t>(sport >> 8);
    buf[n++] = static_cast<uint8_t>(sport);
    buf[n++] = static_cast<uint8_t>(dport >> 8);
    buf[n++] = static_cast<uint8_t>(dport);
  }
  unsigned char digest[SHA_DIGEST_LENGTH];
  unsigned int dlen = 0;
  if (EVP_Digest(buf, n, digest, &dlen, EVP_sha1(), nullptr) != 1 || dlen != sizeof digest)
    return {};
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int len = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return "1:" + std::string(reinterpret_cast<const char*>(b64), static_cast<size_t>(len));
}

}  // namespace pw::dp
