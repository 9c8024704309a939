// The lcores an EAL command line gives, as printwalld reads them before a commit that changes the
// worker count: every spelling of -l, --lcores and -c, and what the EAL would refuse.
#include "dataplane/eal_lcores.h"

#include <gtest/gtest.h>

namespace pw::dp {
namespace {

std::optional<unsigned> count(std::vector<std::string> a, unsigned cpus = 8) {
  return eal_lcore_count(a, cpus);
}

TEST(EalLcores, ListsMasksAndGroups) {
  EXPECT_EQ(count({"--no-huge", "-m", "512"}), 8u);  // no lcore option: every CPU
  EXPECT_EQ(count({"-l", "0-3"}), 4u);
  EXPECT_EQ(count({"-l0,2,4-5"}), 4u);
  EXPECT_EQ(count({"-l", "1"}), 1u);
  EXPECT_EQ(count({"--lcores", "(0-2)@(0,1)"}), 3u);
  EXPECT_EQ(count({"--lcores=1@2,3@4"}), 2u);
  EXPECT_EQ(count({"--lcores", "0-3"}), 4u);
  EXPECT_EQ(count({"--lcores", "(0,1),2@3"}), 3u);
  EXPECT_EQ(count({"-c", "0xf"}), 4u);
  EXPECT_EQ(count({"-c5"}), 2u);
  EXPECT_EQ(count({"-l", "0-1", "-l", "0-5"}), 6u);  // the last one counts
  EXPECT_EQ(count({"--vdev=net_null0", "--", "-l", "0-9"}), 8u);  // after --: not the EAL's
}

TEST(EalLcores, WhatTheEalRefuses) {
  EXPECT_EQ(count({"-l"}), std::nullopt);
  EXPECT_EQ(count({"-l", "3-1"}), std::nullopt);
  EXPECT_EQ(count({"-l", "a"}), std::nullopt);
  EXPECT_EQ(count({"-l", "0,"}), std::nullopt);
  EXPECT_EQ(count({"--lcores", "(0-2@1"}), std::nullopt);
  EXPECT_EQ(count({"--lcores", "0,"}), std::nullopt);
  EXPECT_EQ(count({"-c", "0x0"}), std::nullopt);
  EXPECT_EQ(count({"-c", "0xg"}), std::nullopt);
  EXPECT_EQ(count({"-l", "99999"}), std::nullopt);
}

TEST(EalLcores, OptionsSplitAtSpaces) {
  EXPECT_EQ(split_eal_options("  -l 0-1  --no-huge "),
            (std::vector<std::string>{"-l", "0-1", "--no-huge"}));
  EXPECT_TRUE(split_eal_options("").empty());
}

}  // namespace
}  // namespace pw::dp
