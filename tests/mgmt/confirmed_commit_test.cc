#include "mgmt/confirmed_commit.h"

#include <gtest/gtest.h>

namespace pw::mgmt {
namespace {

using namespace std::chrono_literals;
using Clock = ConfirmedCommit::Clock;

// A fake clock: time points from an arbitrary origin; one "minute" lasts a second.
const Clock::time_point t0 = Clock::time_point{} + 1000h;

TEST(ConfirmedCommit, IdleByDefault) {
  ConfirmedCommit c(1s);
  EXPECT_FALSE(c.pending());
  EXPECT_FALSE(c.due(t0));
  EXPECT_FALSE(c.deadline());
  EXPECT_FALSE(c.remaining(t0));
  EXPECT_FALSE(c.confirm());
}

TEST(ConfirmedCommit, ExpiresAndRestoresOnce) {
  ConfirmedCommit c(1s);
  ASSERT_TRUE(c.arm(2, "previous", t0));
  EXPECT_TRUE(c.pending());
  EXPECT_EQ(c.minutes(), 2u);
  EXPECT_EQ(c.deadline(), t0 + 2s);
  EXPECT_FALSE(c.due(t0));
  EXPECT_FALSE(c.due(t0 + 1999ms));
  EXPECT_EQ(c.remaining(t0 + 500ms), Clock::duration(1500ms));
  auto text = c.due(t0 + 2s);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "previous");
  EXPECT_FALSE(c.pending());
  EXPECT_FALSE(c.due(t0 + 3s));  // once only
  EXPECT_FALSE(c.confirm());     // too late: nothing pending
}

TEST(ConfirmedCommit, LatePollStillRestores) {
  ConfirmedCommit c(1s);
  ASSERT_TRUE(c.arm(1, "previous", t0));
  EXPECT_EQ(c.remaining(t0 + 10s), Clock::duration::zero());
  EXPECT_EQ(c.due(t0 + 10s), "previous");
}

TEST(ConfirmedCommit, ConfirmInTimeCancels) {
  ConfirmedCommit c(1s);
  ASSERT_TRUE(c.arm(3, "previous", t0));
  EXPECT_FALSE(c.due(t0 + 2s));
  EXPECT_TRUE(c.confirm());
  EXPECT_FALSE(c.pending());
  EXPECT_FALSE(c.due(t0 + 3s));
  EXPECT_FALSE(c.due(t0 + 1h));
  EXPECT_FALSE(c.confirm());
}

TEST(ConfirmedCommit, RearmRestartsTimerAndKeepsFirstPrevious) {
  ConfirmedCommit c(1s);
  ASSERT_TRUE(c.arm(1, "confirmed", t0));
  // A second `commit confirmed 3` half a minute later.
  ASSERT_TRUE(c.arm(3, "unconfirmed", t0 + 500ms));
  EXPECT_EQ(c.minutes(), 3u);
  EXPECT_EQ(c.deadline(), t0 + 3500ms);
  EXPECT_FALSE(c.due(t0 + 1s));  // the first deadline no longer counts
  EXPECT_FALSE(c.due(t0 + 3499ms));
  EXPECT_EQ(c.due(t0 + 3500ms), "confirmed");
}

TEST(ConfirmedCommit, ArmAfterConfirmTakesNewPrevious) {
  ConfirmedCommit c(1s);
  ASSERT_TRUE(c.arm(1, "a", t0));
  c.confirm();
  ASSERT_TRUE(c.arm(1, "b", t0 + 5s));
  EXPECT_EQ(c.due(t0 + 6s), "b");
}

TEST(ConfirmedCommit, MinutesOutOfRange) {
  ConfirmedCommit c(1s);
  EXPECT_FALSE(c.arm(0, "x", t0));
  EXPECT_FALSE(c.arm(ConfirmedCommit::kMaxMinutes + 1, "x", t0));
  EXPECT_FALSE(c.pending());
  EXPECT_TRUE(c.arm(ConfirmedCommit::kMaxMinutes, "x", t0));
  // A rejected re-arm leaves the pending window as it was.
  EXPECT_FALSE(c.arm(0, "y", t0 + 1s));
  EXPECT_EQ(c.deadline(), t0 + std::chrono::seconds(ConfirmedCommit::kMaxMinutes));
}

TEST(ConfirmedCommit, RealMinutesByDefault) {
  ConfirmedCommit c;
  ASSERT_TRUE(c.arm(5, "x", t0));
  EXPECT_EQ(c.deadline(), t0 + 5min);
  EXPECT_FALSE(c.due(t0 + 299s));
  EXPECT_EQ(c.due(t0 + 300s), "x");
}

}  // namespace
}  // namespace pw::mgmt
