// The group-query table (dataplane/group_queries.h): answer windows, what identifies a query,
// eviction from a full bucket, and lock-free reads from another thread while the owner writes.
#include "dataplane/group_queries.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace pw::dp {
namespace {

IpAddr v4(const char* s) { return *parse_ip(s); }

constexpr uint64_t kSecond = 1'000'000'000ull;

TEST(GroupQueries, AnswerWindow) {
  GroupQueryTable t(64);
  const GroupQuery q{v4("198.18.0.1"), 40000, 3702, 0, 0};
  EXPECT_FALSE(t.answers(q, 1 * kSecond));
  t.record(q, 1 * kSecond);
  EXPECT_TRUE(t.answers(q, 1 * kSecond));
  EXPECT_TRUE(t.answers(q, 5 * kSecond));
  EXPECT_FALSE(t.answers(q, 6 * kSecond + 1));  // 5 s after the query
  t.record(q, 6 * kSecond);  // asked again
  EXPECT_TRUE(t.answers(q, 10 * kSecond));
  // Every field identifies the query.
  for (GroupQuery o : {GroupQuery{v4("198.18.0.2"), 40000, 3702, 0, 0},
                       GroupQuery{v4("198.18.0.1"), 40001, 3702, 0, 0},
                       GroupQuery{v4("198.18.0.1"), 40000, 1900, 0, 0},
                       GroupQuery{v4("198.18.0.1"), 40000, 3702, 10, 0},
                       GroupQuery{v4("198.18.0.1"), 40000, 3702, 0, 20},
                       GroupQuery{*parse_ip("::ffff:198.18.0.1"), 40000, 3702, 0, 0}})
    EXPECT_FALSE(t.answers(o, 7 * kSecond)) << o.client.str() << " " << o.client_port;
  EXPECT_EQ(t.evictions(), 0u);
}

// A full table forgets the query whose window ends first, and counts it; lapsed entries are
// reused without counting.
TEST(GroupQueries, BoundedAndCounted) {
  GroupQueryTable t(4);  // one bucket of four
  EXPECT_EQ(t.capacity(), 4u);
  for (uint16_t i = 0; i < 4; ++i) t.record({v4("198.18.0.1"), uint16_t(40000 + i), 161, 0, 0}, (1 + i) * kSecond);
  EXPECT_EQ(t.evictions(), 0u);
  t.record({v4("198.18.0.1"), 50000, 161, 0, 0}, 5 * kSecond);
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_FALSE(t.answers({v4("198.18.0.1"), 40000, 161, 0, 0}, 5 * kSecond));  // the oldest went
  EXPECT_TRUE(t.answers({v4("198.18.0.1"), 40001, 161, 0, 0}, 5 * kSecond));
  EXPECT_TRUE(t.answers({v4("198.18.0.1"), 50000, 161, 0, 0}, 5 * kSecond));
  t.record({v4("198.18.0.1"), 50001, 161, 0, 0}, 60 * kSecond);  // the others lapsed: no loss
  EXPECT_EQ(t.evictions(), 1u);
}

// Another thread reads while the owner rewrites the slots of one bucket with other queries:
// it never sees a query that was not recorded, such as the address of one write with the ports
// of another (a torn slot). The writer cycles eight queries through four slots: even ports from
// 198.18.0.1, odd ports from 198.18.0.2; the reader asks for 198.18.0.1 with an odd port.
TEST(GroupQueries, ReadsWhileWritten) {
  GroupQueryTable t(4);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> torn{0}, reads{0};
  std::thread reader([&] {
    const GroupQuery never{v4("198.18.0.1"), 1, 161, 0, 0};
    while (!stop.load(std::memory_order_relaxed)) {
      if (t.answers(never, 0)) torn.fetch_add(1);
      reads.fetch_add(1, std::memory_order_relaxed);
    }
  });
  const IpAddr a = v4("198.18.0.1"), b = v4("198.18.0.2");
  for (uint32_t i = 0; i < 400000; ++i) {
    const uint16_t k = static_cast<uint16_t>(i % 8);
    t.record({k % 2 ? b : a, k, 161, 0, 0}, 0);
  }
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GT(t.evictions(), 0u);  // the slots were rewritten with other queries all along
}

}  // namespace
}  // namespace pw::dp
