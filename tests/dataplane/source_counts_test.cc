#include "dataplane/source_counts.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace pw::dp {
namespace {

IpAddr v4(uint32_t i) { return IpAddr::v4(0xC6120000u | i); }  // 198.18.x.y

TEST(SourceCounts, CountsAddAndRemovePerAddress) {
  SourceCounts c(8);
  EXPECT_EQ(c.count(v4(1)), 0u);
  EXPECT_TRUE(c.add(v4(1)));
  EXPECT_TRUE(c.add(v4(1)));
  EXPECT_TRUE(c.add(v4(2)));
  EXPECT_EQ(c.count(v4(1)), 2u);
  EXPECT_EQ(c.count(v4(2)), 1u);
  EXPECT_EQ(c.keys(), 2u);
  c.remove(v4(1));
  c.remove(v4(3));  // holds none: nothing happens
  EXPECT_EQ(c.count(v4(1)), 1u);
  EXPECT_EQ(c.total(), 2u);
  // v4 and v6 with the same bytes are different sources.
  IpAddr six = v4(1);
  six.family = Family::V6;
  EXPECT_EQ(c.count(six), 0u);
}

TEST(SourceCounts, FullTableRefusesAndRecovers) {
  SourceCounts c(4);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(c.add(v4(i)));
  EXPECT_FALSE(c.add(v4(9)));
  EXPECT_FALSE(c.add(v4(0)));
  EXPECT_EQ(c.total(), 4u);
  c.remove(v4(2));
  EXPECT_TRUE(c.add(v4(9)));
}

// Random churn against a reference map: backward-shift deletion keeps every key findable.
TEST(SourceCounts, MatchesAReferenceUnderChurn) {
  SourceCounts c(512);
  std::map<uint32_t, uint32_t> ref;
  size_t total = 0;
  std::mt19937 rng(7);
  for (int step = 0; step < 200000; ++step) {
    uint32_t a = rng() % 700;
    if (rng() % 2 && total < 512) {
      ASSERT_TRUE(c.add(v4(a)));
      ++ref[a];
      ++total;
    } else if (ref.count(a)) {
      c.remove(v4(a));
      if (--ref[a] == 0) ref.erase(a);
      --total;
    }
    if (step % 997 == 0) {
      for (uint32_t k = 0; k < 700; ++k) ASSERT_EQ(c.count(v4(k)), ref.count(k) ? ref[k] : 0u) << k;
    }
  }
  EXPECT_EQ(c.total(), total);
  EXPECT_EQ(c.keys(), ref.size());
}

}  // namespace
}  // namespace pw::dp
