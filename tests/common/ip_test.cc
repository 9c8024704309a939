#include "common/ip.h"

#include <gtest/gtest.h>

namespace pw {
namespace {

TEST(Ip, ParsesV4AndV6) {
  auto a = parse_ip("198.18.20.7");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family, Family::V4);
  EXPECT_EQ(a->v4_host_order(), (198u << 24) | (18u << 16) | (20u << 8) | 7u);
  EXPECT_EQ(a->str(), "198.18.20.7");
  auto b = parse_ip("2001:DB8:0:0::1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->family, Family::V6);
  EXPECT_EQ(b->str(), "2001:db8::1");
}

TEST(Ip, RejectsMalformedAddresses) {
  std::string why;
  for (const char* bad : {"", "198.18.20", "198.18.20.256", "198.18.20.7.1", "198.018.20.7",
                          "2001:db8:::1", "2001:db8::g", "1.2.3.4 ", "::ffff:1.2.3"}) {
    EXPECT_FALSE(parse_ip(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  std::string long_one(100, '1');
  EXPECT_FALSE(parse_ip(long_one, &why));
}

TEST(Ip, PrefixStrictRejectsHostBits) {
  std::string why;
  EXPECT_FALSE(parse_prefix("198.18.20.1/24", &why));
  EXPECT_NE(why.find("198.18.20.0/24"), std::string::npos) << why;
  auto p = parse_prefix("198.18.20.1/24", &why, /*strict=*/false);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->str(), "198.18.20.0/24");
}

TEST(Ip, PrefixLengthBounds) {
  std::string why;
  EXPECT_FALSE(parse_prefix("198.18.0.0/33", &why));
  EXPECT_FALSE(parse_prefix("198.18.0.0/", &why));
  EXPECT_FALSE(parse_prefix("198.18.0.0/-1", &why));
  EXPECT_FALSE(parse_prefix("198.18.0.0/08", &why));
  EXPECT_FALSE(parse_prefix("2001:db8::/129", &why));
  EXPECT_TRUE(parse_prefix("0.0.0.0/0", &why));
  EXPECT_TRUE(parse_prefix("::/0", &why));
  auto host = parse_prefix("2001:db8::5");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->len, 128);
}

TEST(Ip, PrefixContains) {
  auto p = *parse_prefix("198.18.20.0/23");
  EXPECT_TRUE(p.contains(*parse_ip("198.18.21.255")));
  EXPECT_FALSE(p.contains(*parse_ip("198.18.22.0")));
  EXPECT_FALSE(p.contains(*parse_ip("2001:db8::1")));
  auto q = *parse_prefix("2001:db8:20::/44");
  EXPECT_TRUE(q.contains(*parse_ip("2001:db8:2f::1")));
  EXPECT_FALSE(q.contains(*parse_ip("2001:db8:30::1")));
  EXPECT_TRUE(q.contains(*parse_prefix("2001:db8:21::/48")));
  EXPECT_FALSE(q.contains(*parse_prefix("2001:db8::/32")));
}

TEST(Ip, U128RoundTrip) {
  auto a = *parse_ip("2001:db8::abcd");
  EXPECT_EQ(IpAddr::from_u128(Family::V6, a.as_u128()), a);
  auto b = *parse_ip("198.19.255.1");
  EXPECT_EQ(IpAddr::from_u128(Family::V4, b.as_u128()), b);
}

}  // namespace
}  // namespace pw
