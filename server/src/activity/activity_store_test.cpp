#include "activity/activity_store.hpp"

#include "activity/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::activity {
namespace {

using namespace testing;

// Six hours before the fixture's clock, on a slot boundary.
constexpr EpochMs kT0 = slot_of(devices::testing::kStart) - 6 * 3600 * 1000;

TEST(SlotsTest, SplitsAnIntervalAtSlotBoundaries) {
  std::vector<std::pair<EpochMs, std::int64_t>> pieces;
  for_each_slot(kT0 + 590'000, kT0 + 1'210'000,
                [&](EpochMs slot, std::int64_t ms) { pieces.emplace_back(slot, ms); });
  EXPECT_EQ(pieces, (std::vector<std::pair<EpochMs, std::int64_t>>{
                        {kT0, 10'000}, {kT0 + 600'000, 600'000}, {kT0 + 1'200'000, 10'000}}));
  pieces.clear();
  for_each_slot(kT0, kT0 + 600'000,
                [&](EpochMs slot, std::int64_t ms) { pieces.emplace_back(slot, ms); });
  EXPECT_EQ(pieces, (std::vector<std::pair<EpochMs, std::int64_t>>{{kT0, 600'000}}));
  pieces.clear();
  for_each_slot(kT0 + 5, kT0 + 5,
                [&](EpochMs slot, std::int64_t ms) { pieces.emplace_back(slot, ms); });
  EXPECT_TRUE(pieces.empty());
  EXPECT_EQ(slot_of(kT0 + 599'999), kT0);
  EXPECT_EQ(slot_of(kT0 + 600'000), kT0 + 600'000);
}

class ActivityStoreTest : public ActivityTest {
 protected:
  ActivityStoreTest() {
    device_ = enroll_into(acme_, "laptop").first;
    target_ = {.org_id = acme_, .device_id = device_, .user_id = acme_employee_};
    give_device(acme_employee_, 0);
  }

  // The device row's owner, as apply_batch reads it: `user` since `assigned_at`.
  void give_device(std::optional<UserId> user, EpochMs assigned_at) {
    ASSERT_TRUE(db().write([&](storage::Connection& connection) -> Result<void> {
      auto statement =
          connection.prepare("UPDATE devices SET user_id = ?, assigned_at = ? WHERE id = ?");
      if (!statement) return statement.error();
      (*statement)->bind_optional_int(1, user);
      (*statement)->bind_int(2, assigned_at);
      (*statement)->bind_int(3, device_);
      auto done = (*statement)->step();
      if (!done) return done.error();
      return {};
    }));
  }

  std::int64_t slot_value(std::string_view column, EpochMs slot) {
    return scalar("SELECT " + std::string(column) + " FROM rollup_slots WHERE slot_ms = ?", slot);
  }
  std::int64_t app_active(std::string_view app, EpochMs slot) {
    return scalar(
        "SELECT active_ms FROM rollup_apps WHERE app = '" + std::string(app) + "' AND slot_ms = ?",
        slot);
  }

  DeviceId device_ = 0;
  IngestTarget target_;
};

TEST_F(ActivityStoreTest, StoresSpansAndRollsThemUpExactlyAcrossSlots) {
  const auto receipt =
      apply(target_, batch({span(1, kT0 + 590'000, kT0 + 1'210'000),
                            span(2, kT0 + 1'210'000, kT0 + 1'230'000, "emacs", "notes", true)}));
  EXPECT_EQ(receipt, (IngestReceipt{.acked_seq = 2, .accepted = 2, .duplicates = 0}));
  EXPECT_EQ(stored_spans(device_),
            (std::vector<StoredSpan>{
                {kT0 + 590'000, kT0 + 1'210'000, "xterm", "build", false, acme_employee_},
                {kT0 + 1'210'000, kT0 + 1'230'000, "emacs", "notes", true, acme_employee_}}));
  EXPECT_EQ(slot_value("active_ms", kT0), 10'000);
  EXPECT_EQ(slot_value("active_ms", kT0 + 600'000), 600'000);
  EXPECT_EQ(slot_value("active_ms", kT0 + 1'200'000), 10'000);
  EXPECT_EQ(slot_value("idle_ms", kT0 + 1'200'000), 20'000);
  EXPECT_EQ(app_active("xterm", kT0 + 600'000), 600'000);
  EXPECT_EQ(app_active("xterm", kT0 + 1'200'000), 10'000);
  EXPECT_EQ(scalar("SELECT idle_ms FROM rollup_apps WHERE app = 'emacs' AND slot_ms = ?",
                   kT0 + 1'200'000),
            20'000);
  EXPECT_EQ(scalar("SELECT count(*) FROM rollup_slots"), 3);
  EXPECT_EQ(scalar("SELECT org_id FROM rollup_slots WHERE slot_ms = ?", kT0), acme_);
}

TEST_F(ActivityStoreTest, MergesAnAdjacentEqualSpanAndRollsUpOnlyTheAddedPart) {
  apply(target_, batch({span(1, kT0, kT0 + 60'000)}));
  // 500 ms after the stored end: merged, the gap included.
  apply(target_, batch({span(2, kT0 + 60'500, kT0 + 120'000)}));
  // Within the same batch too, up to exactly 1,000 ms.
  apply(target_,
        batch({span(3, kT0 + 121'000, kT0 + 180'000), span(4, kT0 + 180'000, kT0 + 240'000)}));
  EXPECT_EQ(
      stored_spans(device_),
      (std::vector<StoredSpan>{{kT0, kT0 + 240'000, "xterm", "build", false, acme_employee_}}));
  EXPECT_EQ(slot_value("active_ms", kT0), 240'000);
  EXPECT_EQ(app_active("xterm", kT0), 240'000);
}

TEST_F(ActivityStoreTest, DoesNotMergeWhatDiffers) {
  apply(target_, batch({span(1, kT0, kT0 + 10'000)}));
  apply(target_, batch({span(2, kT0 + 11'001, kT0 + 20'000)}));                    // gap > 1 s
  apply(target_, batch({span(3, kT0 + 20'000, kT0 + 30'000, "xterm", "other")}));  // title
  apply(target_, batch({span(4, kT0 + 30'000, kT0 + 40'000, "xterm", "other", true)}));  // idle
  auto other_exe = span(5, kT0 + 40'000, kT0 + 50'000, "xterm", "other", true);
  other_exe.exe = "/opt/xterm";
  apply(target_, batch({other_exe}));
  // Another person now: the device was reassigned.
  give_device(acme_admin_, 0);
  apply({acme_, device_, acme_admin_},
        batch({span(6, kT0 + 50'000, kT0 + 60'000, "xterm", "other", true)}));
  EXPECT_EQ(stored_spans(device_).size(), 6U);
  EXPECT_EQ(slot_value("active_ms", kT0), 30'000 - 1'001);
}

TEST_F(ActivityStoreTest, MergingStopsAtTheLongestStoredSpan) {
  // 24 hours of one window in 1-hour spans, sent 12 hours at a time.
  const EpochMs start = devices::testing::kStart - 25LL * 3600 * 1000;
  std::vector<protocol::SpanRecord> spans;
  for (int hour = 0; hour < 25; ++hour) {
    spans.push_back(span(hour + 1, start + hour * 3'600'000LL, start + (hour + 1) * 3'600'000LL));
  }
  apply(target_, batch(std::vector(spans.begin(), spans.begin() + 12)));
  apply(target_, batch(std::vector(spans.begin() + 12, spans.end())));
  const auto stored = stored_spans(device_);
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(stored[0].end - stored[0].start, kMaxStoredSpanMs);
  EXPECT_EQ(stored[1].end, start + 25 * 3'600'000LL);
  EXPECT_EQ(scalar("SELECT sum(active_ms) FROM rollup_slots"), 25 * 3'600'000LL);
}

TEST_F(ActivityStoreTest, SkipsDuplicatesAndKeepsTheCursor) {
  const auto first = batch({span(1, kT0, kT0 + 1'000), span(3, kT0 + 5'000, kT0 + 6'000, "emacs")},
                           {input(2, kT0, 5), input(4, kT0 + 60'000, 7)}, 2);
  EXPECT_EQ(apply(target_, first), (IngestReceipt{4, 4, 0}));
  const std::string before = snapshot();
  EXPECT_EQ(apply(target_, first), (IngestReceipt{4, 0, 4}));
  EXPECT_EQ(snapshot(), before);

  // Half old, half new.
  const auto overlapping = batch(
      {span(3, kT0 + 5'000, kT0 + 6'000, "emacs"), span(5, kT0 + 10'000, kT0 + 11'000, "vim")},
      {input(4, kT0 + 60'000, 7), input(6, kT0 + 60'000, 1)}, 1);
  EXPECT_EQ(apply(target_, overlapping), (IngestReceipt{6, 2, 2}));
  EXPECT_EQ(stored_spans(device_).size(), 3U);
  EXPECT_EQ(scalar("SELECT keys FROM input_minutes WHERE minute_ms = ?", kT0 + 60'000), 8);
  EXPECT_EQ(scalar("SELECT last_seq FROM ingest_cursors WHERE device_id = ?", device_), 6);
  // dropped_total only grows.
  EXPECT_EQ(scalar("SELECT dropped_total FROM ingest_cursors WHERE device_id = ?", device_), 2);
  EXPECT_EQ(scalar("SELECT updated_ms FROM ingest_cursors WHERE device_id = ?", device_),
            devices::testing::kStart);

  auto cursor = db().read(
      [&](storage::Connection& connection) { return store::read_cursor(connection, device_); });
  ASSERT_TRUE(cursor && *cursor);
  EXPECT_EQ((*cursor)->last_seq, 6);
  EXPECT_EQ(ingest_.last_seq(device_).value(), 6);
  EXPECT_EQ(ingest_.last_seq(device_ + 100).value(), 0);
}

TEST_F(ActivityStoreTest, AddsInputMinutesAndRollsThemUp) {
  apply(target_, batch({}, {input(1, kT0, 5, 1), input(2, kT0, 3, 1), input(3, kT0 + 60'000, 2)}));
  apply(target_, batch({}, {input(4, kT0 + 60'000, 10), input(5, kT0 + 600'000, 4)}));
  EXPECT_EQ(scalar("SELECT keys FROM input_minutes WHERE minute_ms = ?", kT0), 8);
  EXPECT_EQ(scalar("SELECT clicks FROM input_minutes WHERE minute_ms = ?", kT0), 2);
  EXPECT_EQ(scalar("SELECT scrolls FROM input_minutes WHERE minute_ms = ?", kT0), 2);
  EXPECT_EQ(scalar("SELECT distance_px FROM input_minutes WHERE minute_ms = ?", kT0), 20);
  EXPECT_EQ(scalar("SELECT keys FROM input_minutes WHERE minute_ms = ?", kT0 + 60'000), 12);
  EXPECT_EQ(scalar("SELECT user_id FROM input_minutes WHERE minute_ms = ?", kT0), acme_employee_);
  EXPECT_EQ(slot_value("keys", kT0), 20);
  EXPECT_EQ(slot_value("clicks", kT0), 2);
  EXPECT_EQ(slot_value("scrolls", kT0), 4);
  EXPECT_EQ(slot_value("distance_px", kT0), 40);
  EXPECT_EQ(slot_value("keys", kT0 + 600'000), 4);
  EXPECT_EQ(slot_value("active_ms", kT0), 0);
}

TEST_F(ActivityStoreTest, ADeviceWithoutAPersonIsStoredButNotRolledUp) {
  give_device(std::nullopt, 0);
  apply({acme_, device_, std::nullopt}, batch({span(1, kT0, kT0 + 1'000)}, {input(2, kT0, 5)}));
  const auto stored = stored_spans(device_);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_FALSE(stored[0].user_id);
  EXPECT_EQ(scalar("SELECT count(*) FROM input_minutes WHERE user_id IS NULL"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM rollup_slots"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM rollup_apps"), 0);
}

TEST_F(ActivityStoreTest, WhatWasRecordedBeforeTheDeviceWasGivenToSomeoneIsNotTheirs) {
  // Given to the employee at kT0 + 60 s; the request still names the device's old owner.
  give_device(acme_employee_, kT0 + 60'000);
  apply({acme_, device_, acme_owner_},
        batch({span(1, kT0, kT0 + 60'000), span(2, kT0 + 60'000, kT0 + 120'000, "vim")},
              {input(3, kT0, 7), input(4, kT0 + 60'000, 2)}));
  const auto stored = stored_spans(device_);
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_FALSE(stored[0].user_id);
  EXPECT_EQ(stored[1].user_id, acme_employee_);
  EXPECT_EQ(slot_value("active_ms", kT0), 60'000);  // only the employee's minute
  EXPECT_EQ(slot_value("keys", kT0), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM input_minutes WHERE user_id IS NULL"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM rollup_slots WHERE user_id = ?", acme_owner_), 0);
}

TEST_F(ActivityStoreTest, TimeAlreadyAccountedForIsNotCountedTwice) {
  apply(target_, batch({span(1, kT0, kT0 + 60'000)}));
  // Overlaps the stored span by 30 s (a clock set back, or a forged batch): clipped.
  apply(target_, batch({span(2, kT0 + 30'000, kT0 + 90'000, "vim")}));
  // Entirely inside what is stored: nothing.
  apply(target_, batch({span(3, kT0 + 10'000, kT0 + 20'000, "emacs")}));
  EXPECT_EQ(stored_spans(device_),
            (std::vector<StoredSpan>{
                {kT0, kT0 + 60'000, "xterm", "build", false, acme_employee_},
                {kT0 + 60'000, kT0 + 90'000, "vim", "build", false, acme_employee_}}));
  EXPECT_EQ(slot_value("active_ms", kT0), 90'000);
}

TEST_F(ActivityStoreTest, ReadsClippedSpansSlotsAndMinutes) {
  apply(target_, batch({span(1, kT0, kT0 + 600'000), span(2, kT0 + 600'000, kT0 + 900'000, "vim")},
                       {input(3, kT0 + 60'000, 5), input(4, kT0 + 660'000, 6)}));
  const auto other = enroll_into(acme_, "desktop").first;
  const DeviceId first = device_;
  device_ = other;
  give_device(acme_employee_, 0);
  device_ = first;
  apply({acme_, other, acme_employee_}, batch({}, {input(1, kT0 + 60'000, 1)}));

  std::vector<TimelineSpan> spans;
  auto listed = db().read([&](storage::Connection& connection) {
    return store::for_each_span(connection, acme_, acme_employee_, kT0 + 300'000, kT0 + 700'000,
                                [&](const TimelineSpan& span) {
                                  spans.push_back(span);
                                  return true;
                                });
  });
  ASSERT_TRUE(listed);
  ASSERT_EQ(spans.size(), 2U);
  EXPECT_EQ(spans[0].start, kT0 + 300'000);
  EXPECT_EQ(spans[0].end, kT0 + 600'000);
  EXPECT_EQ(spans[1].start, kT0 + 600'000);
  EXPECT_EQ(spans[1].end, kT0 + 700'000);
  EXPECT_EQ(spans[1].app, "vim");
  EXPECT_EQ(spans[1].exe, "/usr/bin/vim");
  EXPECT_EQ(spans[1].device_id, device_);

  auto slots = db().read([&](storage::Connection& connection) {
    return store::read_slots(connection, acme_, acme_employee_, kT0 + 300'000, kT0 + 700'000);
  });
  ASSERT_TRUE(slots);
  ASSERT_EQ(slots->size(), 2U);  // both slots overlap the range
  EXPECT_EQ((*slots)[0].slot, kT0);
  EXPECT_EQ((*slots)[0].keys, 6);
  EXPECT_EQ((*slots)[1].active_ms, 300'000);

  auto minutes = db().read([&](storage::Connection& connection) {
    return store::read_minutes(connection, acme_, acme_employee_, kT0, kT0 + 700'000);
  });
  ASSERT_TRUE(minutes);
  ASSERT_EQ(minutes->size(), 2U);
  EXPECT_EQ((*minutes)[0].minute, kT0 + 60'000);
  EXPECT_EQ((*minutes)[0].keys, 6);  // summed over both devices
  EXPECT_EQ((*minutes)[1].keys, 6);

  // Another organization's id reads nothing.
  auto foreign = db().read([&](storage::Connection& connection) {
    return store::read_minutes(connection, globex_, acme_employee_, kT0, kT0 + 700'000);
  });
  ASSERT_TRUE(foreign);
  EXPECT_TRUE(foreign->empty());
}

}  // namespace
}  // namespace worktrace::activity
