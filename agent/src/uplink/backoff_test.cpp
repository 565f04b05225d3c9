#include "uplink/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace worktrace::agent::uplink {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, CeilingDoublesFromBaseUpToTheCap) {
  Backoff backoff(BackoffPolicy{}, 1);
  const std::int64_t expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
  for (const std::int64_t ceiling_ms : expected) {
    EXPECT_EQ(backoff.ceiling(), milliseconds(ceiling_ms));
    const milliseconds delay = backoff.next_delay();
    EXPECT_GE(delay, milliseconds(0));
    EXPECT_LE(delay, milliseconds(ceiling_ms));
  }
  for (int attempt_idx = 0; attempt_idx < 1000; ++attempt_idx) {
    EXPECT_LE(backoff.next_delay(), milliseconds(60'000));
  }
  EXPECT_EQ(backoff.ceiling(), milliseconds(60'000));
}

TEST(BackoffTest, FullJitterSpreadsOverTheWholeRange) {
  Backoff backoff(BackoffPolicy{.base = milliseconds(60'000)}, 42);
  std::int64_t lowest = 60'000;
  std::int64_t highest = 0;
  std::set<std::int64_t> distinct;
  for (int draw_idx = 0; draw_idx < 2000; ++draw_idx) {
    const std::int64_t delay_ms = backoff.next_delay().count();
    ASSERT_GE(delay_ms, 0);
    ASSERT_LE(delay_ms, 60'000);
    lowest = std::min(lowest, delay_ms);
    highest = std::max(highest, delay_ms);
    distinct.insert(delay_ms);
  }
  // Uniform over [0, 60 s]: 2000 draws reach both ends' neighbourhoods and rarely repeat.
  EXPECT_LT(lowest, 1'000);
  EXPECT_GT(highest, 59'000);
  EXPECT_GT(distinct.size(), 1900u);
}

TEST(BackoffTest, DifferentSeedsGiveDifferentSequences) {
  Backoff first(BackoffPolicy{.base = milliseconds(60'000)}, 1);
  Backoff second(BackoffPolicy{.base = milliseconds(60'000)}, 2);
  int same = 0;
  for (int draw_idx = 0; draw_idx < 20; ++draw_idx) {
    if (first.next_delay() == second.next_delay()) ++same;
  }
  EXPECT_LT(same, 3);
}

TEST(BackoffTest, OnlyALongLivedConnectionResets) {
  Backoff backoff(BackoffPolicy{}, 7);
  for (int attempt_idx = 0; attempt_idx < 4; ++attempt_idx) (void)backoff.next_delay();
  EXPECT_EQ(backoff.ceiling(), milliseconds(16'000));
  backoff.connection_ended(milliseconds(30'000));  // not longer than 30 s: still failing
  EXPECT_EQ(backoff.ceiling(), milliseconds(16'000));
  backoff.connection_ended(milliseconds(30'001));
  EXPECT_EQ(backoff.ceiling(), milliseconds(1'000));
  EXPECT_LE(backoff.next_delay(), milliseconds(1'000));
  EXPECT_EQ(backoff.ceiling(), milliseconds(2'000));
}

TEST(BackoffTest, ZeroBaseStaysZero) {
  Backoff backoff(BackoffPolicy{.base = milliseconds(0)}, 3);
  for (int attempt_idx = 0; attempt_idx < 10; ++attempt_idx) {
    EXPECT_EQ(backoff.next_delay(), milliseconds(0));
  }
}

}  // namespace
}  // namespace worktrace::agent::uplink
