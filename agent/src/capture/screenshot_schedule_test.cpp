#include "capture/screenshot_schedule.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace worktrace::agent::capture {
namespace {

// 2023-11-14 22:20:00 UTC: a multiple of 600 s and of 60 s.
constexpr EpochMs kAligned = 1'699'999'200'000;
static_assert(kAligned % 600'000 == 0);

// Every moment the schedule gives from `from` until `until`, in order.
std::vector<EpochMs> moments(ScreenshotSchedule& schedule, EpochMs from, EpochMs until) {
  std::vector<EpochMs> out;
  EpochMs at = from;
  for (;;) {
    at = schedule.next_after(at);
    if (at >= until) return out;
    out.push_back(at);
  }
}

TEST(ScreenshotScheduleTest, PartsAreAlignedToTheEpochAndSplitTheIntervalEvenly) {
  const ScreenshotSchedule schedule(600, 3, 1);
  // Anywhere in the second part of an interval: [200 s, 400 s).
  EXPECT_EQ(schedule.part_of(kAligned + 250'000).start, kAligned + 200'000);
  EXPECT_EQ(schedule.part_of(kAligned + 250'000).end, kAligned + 400'000);
  EXPECT_EQ(schedule.part_of(kAligned).start, kAligned);
  EXPECT_EQ(schedule.part_of(kAligned - 1).start, kAligned - 200'000);
  EXPECT_EQ(schedule.part_of(kAligned - 1).end, kAligned);
  EXPECT_EQ(schedule.part_of(kAligned + 399'999).end, kAligned + 400'000);
  EXPECT_EQ(schedule.part_of(kAligned + 400'000).start, kAligned + 400'000);

  // Uneven: 60 s in 7 parts, boundaries at floor(k * 60000 / 7).
  const ScreenshotSchedule sevens(60, 7, 1);
  EXPECT_EQ(sevens.part_of(kAligned + 8'570).start, kAligned);
  EXPECT_EQ(sevens.part_of(kAligned + 8'570).end, kAligned + 8'571);
  EXPECT_EQ(sevens.part_of(kAligned + 8'571).start, kAligned + 8'571);
  EXPECT_EQ(sevens.part_of(kAligned + 8'571).end, kAligned + 17'142);
  EXPECT_EQ(sevens.part_of(kAligned + 59'999).start, kAligned + 51'428);
  EXPECT_EQ(sevens.part_of(kAligned + 59'999).end, kAligned + 60'000);
}

TEST(ScreenshotScheduleTest, OneMomentInEachPartOfEachInterval) {
  for (const std::int64_t per_interval : {1, 2, 3, 7, 10}) {
    ScreenshotSchedule schedule(600, per_interval, 42);
    const std::vector<EpochMs> taken = moments(schedule, kAligned - 1, kAligned + 6 * 600'000);
    ASSERT_EQ(taken.size(), static_cast<std::size_t>(6 * per_interval)) << per_interval;
    std::set<EpochMs> parts;
    for (const EpochMs moment : taken) {
      const auto part = schedule.part_of(moment);
      EXPECT_GE(moment, part.start);
      EXPECT_LT(moment, part.end);
      parts.insert(part.start);
    }
    EXPECT_EQ(parts.size(), taken.size()) << "two moments in one part";
  }
}

TEST(ScreenshotScheduleTest, AskingAgainWithinAPartGivesTheSameMoment) {
  ScreenshotSchedule schedule(60, 2, 7);
  const EpochMs first = schedule.next_after(kAligned - 1);
  EXPECT_EQ(schedule.next_after(kAligned - 1), first);
  EXPECT_EQ(schedule.next_after(first - 1), first);
  // Past it: the next part's moment, again stable, and never a second one in the first part.
  const EpochMs second = schedule.next_after(first);
  EXPECT_GE(second, kAligned + 30'000);
  EXPECT_LT(second, kAligned + 60'000);
  EXPECT_EQ(schedule.next_after(first), second);
  EXPECT_EQ(schedule.next_after(kAligned + 29'999), second);
}

TEST(ScreenshotScheduleTest, MomentsAreSpreadUniformlyOverThePart) {
  ScreenshotSchedule schedule(600, 1, 2024);
  const std::vector<EpochMs> taken = moments(schedule, kAligned - 1, kAligned + 2000 * 600'000);
  ASSERT_EQ(taken.size(), 2000U);
  // Offsets within the interval, by tenth: each tenth gets 200 expected; a uniform draw of
  // 2000 stays well within 120..280 (more than 5 standard deviations).
  std::vector<int> tenths(10, 0);
  for (const EpochMs moment : taken)
    ++tenths[static_cast<std::size_t>((moment % 600'000) / 60'000)];
  for (std::size_t tenth = 0; tenth < tenths.size(); ++tenth) {
    EXPECT_GT(tenths[tenth], 120) << tenth;
    EXPECT_LT(tenths[tenth], 280) << tenth;
  }
}

TEST(ScreenshotScheduleTest, ARestartKeepsThePartsAndDrawsNewMoments) {
  // Two agents (or one restarted) with different seeds: the same parts, one moment each.
  ScreenshotSchedule before(600, 2, 1);
  ScreenshotSchedule after(600, 2, 2);
  const EpochMs restart = kAligned + 123'456;
  const std::vector<EpochMs> a = moments(before, restart, restart + 3'600'000);
  const std::vector<EpochMs> b = moments(after, restart, restart + 3'600'000);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  // A part whose moment lay before the restart is skipped, so counts differ by at most one.
  EXPECT_LE(a.size() > b.size() ? a.size() - b.size() : b.size() - a.size(), 1U);
  std::size_t same_parts = 0;
  std::size_t same_moments = 0;
  for (const EpochMs moment : a) {
    for (const EpochMs other : b) {
      if (before.part_of(moment).start == after.part_of(other).start) ++same_parts;
      if (moment == other) ++same_moments;
    }
  }
  EXPECT_GE(same_parts, a.size() - 1);
  EXPECT_LT(same_moments, 2U);
  for (const EpochMs moment : b) EXPECT_EQ(after.part_of(moment).start % 300'000, 0);
}

TEST(ScreenshotScheduleTest, TheSameSeedGivesTheSameMoments) {
  ScreenshotSchedule one(300, 3, 99);
  ScreenshotSchedule two(300, 3, 99);
  EXPECT_EQ(moments(one, kAligned, kAligned + 3'000'000),
            moments(two, kAligned, kAligned + 3'000'000));
}

TEST(ScreenshotScheduleTest, WorksBeforeTheEpochToo) {
  ScreenshotSchedule schedule(60, 1, 5);
  const EpochMs moment = schedule.next_after(-90'000);
  EXPECT_GT(moment, -90'000);
  EXPECT_LT(moment, 0);
  EXPECT_EQ(schedule.part_of(-90'000).start, -120'000);
}

}  // namespace
}  // namespace worktrace::agent::capture
