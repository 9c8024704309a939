#include "protocols/rfb/rfb_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace pw::proto::rfb {
namespace {

uint8_t version(const std::string& s) {
  if (s.size() != kVersionSize) return 0xEE;
  return parse_version(
      std::span<const uint8_t, kVersionSize>(reinterpret_cast<const uint8_t*>(s.data()), 12));
}

TEST(RfbVersion, TheThreeVersionsOfRfc6143AndApple) {
  EXPECT_EQ(version("RFB 003.003\n"), 3);
  EXPECT_EQ(version("RFB 003.007\n"), 7);
  EXPECT_EQ(version("RFB 003.008\n"), 8);
  EXPECT_EQ(version("RFB 003.889\n"), 8);  // Apple Remote Desktop
}

TEST(RfbVersion, EverythingElseIsRefused) {
  for (const char* v :
       {"RFB 003.005\n",  // old clients; RFC 6143 says "treat as 3.3"
        "RFB 003.006\n", "RFB 004.000\n", "RFB 004.001\n", "RFB 005.000\n", "RFB 003.008\r",
        "RFB 003.008 ", "rfb 003.008\n", "RFB 003,008\n", "RFB 0x3.008\n", "RFB 003.00a\n",
        "GET / HTTP/1", "\0\0\0\0\0\0\0\0\0\0\0\0"})
    EXPECT_EQ(version(std::string(v, 12)), 0) << v;
}

TEST(RfbTypes, Classification) {
  EXPECT_EQ(classify_type(0), Kind::Invalid);
  EXPECT_EQ(classify_type(1), Kind::None);
  EXPECT_EQ(classify_type(2), Kind::VncAuth);
  EXPECT_EQ(classify_type(18), Kind::Tls);
  EXPECT_EQ(classify_type(19), Kind::VeNCrypt);
  for (uint32_t t : {5u, 6u, 16u, 17u, 20u, 30u, 113u, 129u, 255u, 0x1000u})
    EXPECT_EQ(classify_type(t), Kind::Other) << t;
}

TEST(RfbTypes, VeNCryptSubtypes) {
  EXPECT_EQ(classify_subtype(0), Kind::Invalid);
  EXPECT_EQ(classify_subtype(1), Kind::None);
  EXPECT_EQ(classify_subtype(2), Kind::VncAuth);
  EXPECT_EQ(classify_subtype(vencrypt::kPlain), Kind::Other);  // clear-text password
  for (uint32_t t = vencrypt::kTlsNone; t <= vencrypt::kX509Sasl; ++t)
    EXPECT_EQ(classify_subtype(t), Kind::InsideTls) << t;
  EXPECT_EQ(classify_subtype(19), Kind::Other);  // VeNCrypt within VeNCrypt
  EXPECT_EQ(classify_subtype(265), Kind::Other);
  EXPECT_EQ(classify_subtype(0x80000001u), Kind::Other);  // "unofficial" sub-types
}

TEST(RfbBytes, BigEndian) {
  const uint8_t b[] = {0x12, 0x34, 0x56, 0x78};
  EXPECT_EQ(be32(b), 0x12345678u);
}

}  // namespace
}  // namespace pw::proto::rfb
