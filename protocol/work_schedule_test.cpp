#include "protocol/work_schedule.hpp"

#include "protocol/json_reader.hpp"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <vector>

namespace worktrace::protocol {
namespace {

// Epoch ms of a UTC civil time.
EpochMs utc(int year, int month, int day, int hour, int minute, int second = 0) {
  const auto instant = cctz::convert(cctz::civil_second(year, month, day, hour, minute, second),
                                     cctz::utc_time_zone());
  return instant.time_since_epoch().count() * 1000;
}

std::optional<WorkSchedule> schedule_from(std::string_view text) {
  auto json = parse_json(text);
  EXPECT_TRUE(json) << text;
  if (!json) return std::nullopt;
  auto parsed = parse_work_schedule(*json, "$.schedule");
  EXPECT_TRUE(parsed) << parsed.error().message;
  if (!parsed) return std::nullopt;
  EXPECT_TRUE(parsed->has_value());
  return *parsed;
}

std::string error_of(std::string_view text) {
  auto json = parse_json(text);
  if (!json) return "bad test JSON";
  auto parsed = parse_work_schedule(*json, "$.schedule");
  if (parsed) return "accepted";
  EXPECT_TRUE(parsed.error().is(Errc::invalid_argument));
  return parsed.error().message;
}

// Every change in [from, to) found by stepping minute by minute (every zone used here has
// offsets in whole minutes, so each change falls on a UTC minute).
std::vector<EpochMs> changes_by_brute_force(const std::optional<WorkSchedule>& schedule,
                                            EpochMs from, EpochMs to) {
  std::vector<EpochMs> changes;
  bool working = is_work_time(schedule, from);
  for (EpochMs at = from + 60'000; at < to; at += 60'000) {
    if (is_work_time(schedule, at) != working) {
      changes.push_back(at);
      working = !working;
    }
  }
  return changes;
}

std::vector<EpochMs> changes_by_next(const std::optional<WorkSchedule>& schedule, EpochMs from,
                                     EpochMs to) {
  std::vector<EpochMs> changes;
  for (auto at = next_work_change(schedule, from); at && *at < to;
       at = next_work_change(schedule, *at)) {
    changes.push_back(*at);
  }
  return changes;
}

constexpr std::string_view kBerlinOffice =
    R"({"time_zone":"Europe/Berlin","days":{"mon":[["09:00","17:30"]],"tue":[["09:00","17:30"]],
        "wed":[["09:00","17:30"]],"thu":[["09:00","17:30"]],"fri":[["09:00","12:00"],["13:00","17:30"]]}})";

TEST(WorkScheduleTest, NoScheduleMeansAlwaysWork) {
  EXPECT_TRUE(is_work_time(std::nullopt, utc(2026, 3, 29, 1, 30)));
  EXPECT_FALSE(next_work_change(std::nullopt, utc(2026, 3, 29, 1, 30)));
  auto parsed = parse_work_schedule(boost::json::value(nullptr), "$.schedule");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->has_value());
  EXPECT_TRUE(work_schedule_json(std::nullopt).is_null());
}

TEST(WorkScheduleTest, BerlinAcrossTheSpringChange) {
  const auto schedule = schedule_from(kBerlinOffice);
  // Friday 2026-03-27 is still CET (UTC+1).
  EXPECT_FALSE(is_work_time(schedule, utc(2026, 3, 27, 7, 59, 59)));
  EXPECT_TRUE(is_work_time(schedule, utc(2026, 3, 27, 8, 0)));
  EXPECT_FALSE(is_work_time(schedule, utc(2026, 3, 27, 11, 30)));  // the lunch gap
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 27, 8, 0)), utc(2026, 3, 27, 11, 0));
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 27, 11, 0)), utc(2026, 3, 27, 12, 0));
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 27, 12, 0)), utc(2026, 3, 27, 16, 30));
  // Clocks go forward on Sunday 03-29; Monday 09:00 is CEST (UTC+2).
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 27, 16, 30)), utc(2026, 3, 30, 7, 0));
  EXPECT_FALSE(is_work_time(schedule, utc(2026, 3, 30, 6, 59, 59)));
  EXPECT_TRUE(is_work_time(schedule, utc(2026, 3, 30, 7, 0)));
  // From inside an instant: the next whole change, never `at` itself.
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 30, 7, 0) - 1), utc(2026, 3, 30, 7, 0));
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 30, 7, 0)), utc(2026, 3, 30, 15, 30));
}

TEST(WorkScheduleTest, BerlinAcrossTheAutumnChange) {
  const auto schedule = schedule_from(kBerlinOffice);
  // Friday 2026-10-23 is CEST; clocks go back on Sunday 10-25; Monday is CET.
  EXPECT_EQ(next_work_change(schedule, utc(2026, 10, 23, 12, 0)), utc(2026, 10, 23, 15, 30));
  EXPECT_EQ(next_work_change(schedule, utc(2026, 10, 23, 15, 30)), utc(2026, 10, 26, 8, 0));
  EXPECT_FALSE(is_work_time(schedule, utc(2026, 10, 26, 7, 30)));
  EXPECT_TRUE(is_work_time(schedule, utc(2026, 10, 26, 8, 0)));
}

TEST(WorkScheduleTest, BoundaryInsideTheSkippedHourTakesEffectAtTheTransition) {
  // 02:30 does not exist in Berlin on 2026-03-29: the clock jumps from 02:00 CET to 03:00 CEST
  // at 01:00 UTC, and work begins there.
  const auto schedule =
      schedule_from(R"({"time_zone":"Europe/Berlin","days":{"sun":[["02:30","04:00"]]}})");
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 28, 23, 0)), utc(2026, 3, 29, 1, 0));
  EXPECT_FALSE(is_work_time(schedule, utc(2026, 3, 29, 1, 0) - 1));
  EXPECT_TRUE(is_work_time(schedule, utc(2026, 3, 29, 1, 0)));
  EXPECT_EQ(next_work_change(schedule, utc(2026, 3, 29, 1, 0)), utc(2026, 3, 29, 2, 0));
}

TEST(WorkScheduleTest, RepeatedHourWorksTwice) {
  // 02:00-03:00 happens twice in Berlin on 2026-10-25 (CEST, then CET from 01:00 UTC).
  const auto schedule =
      schedule_from(R"({"time_zone":"Europe/Berlin","days":{"sun":[["02:15","02:45"]]}})");
  const std::vector<EpochMs> expected = {utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 45),
                                         utc(2026, 10, 25, 1, 15), utc(2026, 10, 25, 1, 45)};
  EXPECT_EQ(changes_by_next(schedule, utc(2026, 10, 24, 12, 0), utc(2026, 10, 26, 0, 0)), expected);
}

TEST(WorkScheduleTest, HalfAndQuarterHourZones) {
  const auto kathmandu =
      schedule_from(R"({"time_zone":"Asia/Kathmandu","days":{"mon":[["09:00","17:00"]]}})");
  // Monday 2026-01-05, UTC+5:45.
  EXPECT_EQ(next_work_change(kathmandu, utc(2026, 1, 5, 0, 0)), utc(2026, 1, 5, 3, 15));
  EXPECT_EQ(next_work_change(kathmandu, utc(2026, 1, 5, 3, 15)), utc(2026, 1, 5, 11, 15));
  EXPECT_TRUE(is_work_time(kathmandu, utc(2026, 1, 5, 3, 15)));
  EXPECT_FALSE(is_work_time(kathmandu, utc(2026, 1, 5, 3, 14, 59)));
  // Next Monday, a week on.
  EXPECT_EQ(next_work_change(kathmandu, utc(2026, 1, 5, 11, 15)), utc(2026, 1, 12, 3, 15));

  const auto kolkata =
      schedule_from(R"({"time_zone":"Asia/Kolkata","days":{"mon":[["09:00","17:00"]]}})");
  EXPECT_EQ(next_work_change(kolkata, utc(2026, 1, 5, 0, 0)), utc(2026, 1, 5, 3, 30));
  EXPECT_EQ(next_work_change(kolkata, utc(2026, 1, 5, 3, 30)), utc(2026, 1, 5, 11, 30));
  // Monday starts at 18:30 UTC on Sunday there; 09:00 is what counts, not the UTC day.
  EXPECT_FALSE(is_work_time(kolkata, utc(2026, 1, 4, 18, 29)));
  EXPECT_FALSE(is_work_time(kolkata, utc(2026, 1, 5, 3, 29)));
  EXPECT_TRUE(is_work_time(kolkata, utc(2026, 1, 5, 3, 30)));
}

TEST(WorkScheduleTest, OvernightAsTwoIntervalsHasNoChangeAtMidnight) {
  const auto schedule = schedule_from(
      R"({"time_zone":"UTC","days":{"mon":[["22:00","24:00"]],"tue":[["00:00","06:00"]]}})");
  EXPECT_EQ(next_work_change(schedule, utc(2026, 1, 5, 21, 0)), utc(2026, 1, 5, 22, 0));
  EXPECT_EQ(next_work_change(schedule, utc(2026, 1, 5, 22, 0)), utc(2026, 1, 6, 6, 0));
  EXPECT_TRUE(is_work_time(schedule, utc(2026, 1, 6, 0, 0) - 1));
  EXPECT_TRUE(is_work_time(schedule, utc(2026, 1, 6, 0, 0)));
  EXPECT_FALSE(is_work_time(schedule, utc(2026, 1, 6, 6, 0)));
  // Touching intervals within a day are one stretch too.
  const auto touching =
      schedule_from(R"({"time_zone":"UTC","days":{"mon":[["09:00","12:00"],["12:00","17:00"]]}})");
  EXPECT_EQ(next_work_change(touching, utc(2026, 1, 5, 10, 0)), utc(2026, 1, 5, 17, 0));
}

TEST(WorkScheduleTest, EmptyAndFullWeeksNeverChange) {
  const auto empty = schedule_from(R"({"time_zone":"Europe/Berlin","days":{"mon":[]}})");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(is_work_time(empty, utc(2026, 1, 5, 10, 0)));
  EXPECT_FALSE(next_work_change(empty, utc(2026, 1, 5, 10, 0)));

  std::string all_week = R"({"time_zone":"Europe/Berlin","days":{)";
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
    all_week += std::string(day == std::string_view("mon") ? "" : ",") + "\"" + day +
                "\":[[\"00:00\",\"24:00\"]]";
  }
  all_week += "}}";
  const auto full = schedule_from(all_week);
  EXPECT_TRUE(is_work_time(full, utc(2026, 3, 29, 1, 30)));
  EXPECT_FALSE(next_work_change(full, utc(2026, 3, 28, 0, 0)));
}

TEST(WorkScheduleTest, NextChangeAgreesWithAMinuteByMinuteScan) {
  const std::string_view schedules[] = {
      kBerlinOffice,
      R"({"time_zone":"Europe/Berlin","days":{"sat":[["01:00","02:30"],["02:30","03:30"]],
          "sun":[["00:00","02:15"],["02:45","03:10"],["23:00","24:00"]],"mon":[["00:00","01:00"]]}})",
      R"({"time_zone":"Asia/Kathmandu","days":{"wed":[["00:00","00:15"],["23:45","24:00"]],
          "thu":[["00:00","08:00"]]}})",
      R"({"time_zone":"America/New_York","days":{"sun":[["01:30","02:30"]],"sat":[["18:00","24:00"]]}})",
  };
  const std::pair<EpochMs, EpochMs> windows[] = {
      {utc(2026, 3, 25, 0, 0), utc(2026, 4, 5, 0, 0)},    // Berlin spring
      {utc(2026, 10, 21, 0, 0), utc(2026, 11, 5, 0, 0)},  // Berlin autumn, New York autumn
      {utc(2026, 3, 4, 0, 0), utc(2026, 3, 12, 0, 0)},    // New York spring
  };
  for (const auto text : schedules) {
    const auto schedule = schedule_from(text);
    for (const auto& [from, to] : windows) {
      const auto expected = changes_by_brute_force(schedule, from, to);
      EXPECT_FALSE(expected.empty());
      EXPECT_EQ(changes_by_next(schedule, from, to), expected) << text << " from " << from;
    }
  }
}

TEST(WorkScheduleTest, JsonRoundTrip) {
  const auto schedule = schedule_from(kBerlinOffice);
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->days[4], (std::vector<WorkInterval>{{540, 720}, {780, 1050}}));
  const boost::json::value json = work_schedule_json(schedule);
  EXPECT_EQ(json.at("days").at("fri"),
            boost::json::parse(R"([["09:00","12:00"],["13:00","17:30"]])"));
  EXPECT_EQ(json.at("days").at("sun"), boost::json::array());
  auto again = parse_work_schedule(json, "$");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, schedule);
  const auto midnight = schedule_from(R"({"time_zone":"UTC","days":{"mon":[["00:00","24:00"]]}})");
  EXPECT_EQ(boost::json::serialize(work_schedule_json(midnight).at("days").at("mon")),
            R"([["00:00","24:00"]])");
}

TEST(WorkScheduleTest, MalformedInputNamesThePath) {
  EXPECT_EQ(
      error_of(
          R"({"time_zone":"Europe/Berlin","days":{"tue":[["09:00","12:00"],["11:00","13:00"]]}})"),
      "$.schedule.days.tue[1]: overlaps the interval before it");
  EXPECT_EQ(
      error_of(
          R"({"time_zone":"Europe/Berlin","days":{"tue":[["13:00","14:00"],["09:00","10:00"]]}})"),
      "$.schedule.days.tue[1]: must start after the interval before it (list them in order)");
  EXPECT_EQ(error_of(R"({"time_zone":"Mars/Olympus_Mons","days":{}})"),
            "$.schedule.time_zone: is not a known time zone");
  EXPECT_EQ(error_of(R"({"time_zone":"../../../etc/passwd","days":{}})"),
            "$.schedule.time_zone: is not a known time zone");
  EXPECT_EQ(error_of(R"({"time_zone":"/usr/share/zoneinfo/UTC","days":{}})"),
            "$.schedule.time_zone: is not a known time zone");
  EXPECT_EQ(error_of(R"({"time_zone":"localtime","days":{}})"),
            "$.schedule.time_zone: is not a known time zone");
  EXPECT_EQ(error_of(R"({"days":{}})"), "$.schedule.time_zone: is required");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC"})"), "$.schedule.days: is required");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{},"extra":1})"),
            "$.schedule.extra: is not a known field");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"monday":[]}})"),
            "$.schedule.days.monday: is not a known field");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"mon":{}}})"),
            "$.schedule.days.mon: must be an array");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":[["9:00","10:00"]]}})"),
            "$.schedule.days.wed[0][0]: must be a time \"HH:MM\" from 00:00 to 24:00");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":[["09:00","24:01"]]}})"),
            "$.schedule.days.wed[0][1]: must be a time \"HH:MM\" from 00:00 to 24:00");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":[["10:60","11:00"]]}})"),
            "$.schedule.days.wed[0][0]: must be a time \"HH:MM\" from 00:00 to 24:00");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":[["10:00","10:00"]]}})"),
            "$.schedule.days.wed[0]: must end after it starts");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":[["24:00","24:00"]]}})"),
            "$.schedule.days.wed[0]: must end after it starts");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":[["10:00"]]}})"),
            "$.schedule.days.wed[0]: must be a pair of times [\"HH:MM\",\"HH:MM\"]");
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":[[600,660]]}})"),
            "$.schedule.days.wed[0]: must be a pair of times [\"HH:MM\",\"HH:MM\"]");
  std::string nine = R"({"time_zone":"UTC","days":{"sat":[)";
  for (int hour = 10; hour < 19; ++hour) {
    nine += (hour == 10 ? "" : ",") + std::string("[\"") + std::to_string(hour) + ":00\",\"" +
            std::to_string(hour) + ":30\"]";
  }
  nine += "]}}";
  EXPECT_EQ(error_of(nine), "$.schedule.days.sat: must have at most 8 items");
  EXPECT_EQ(error_of("[]"), "$.schedule: must be an object");
  // A null day is a missing day.
  EXPECT_EQ(error_of(R"({"time_zone":"UTC","days":{"wed":null}})"), "accepted");
}

}  // namespace
}  // namespace worktrace::protocol
