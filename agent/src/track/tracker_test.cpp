#include "track/tracker.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/json_reader.hpp"
#include "testing/temp_dir.hpp"
#include "track/test_support.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include <atomic>
#include <ostream>
#include <set>
#include <thread>
#include <type_traits>

namespace worktrace::agent::track {
namespace {

namespace fs = std::filesystem;

using agent::testing::TempDir;

using test_support::FakeSource;
using test_support::kHour;
using test_support::kMinute;
using test_support::kSecond;
using test_support::kT0;
using test_support::window;

// A written span without its seq and exe, for short expectations.
struct Span {
  EpochMs start = 0;
  EpochMs end = 0;
  std::string app;
  std::string title;
  bool idle = false;

  bool operator==(const Span&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Span& span) {
  return out << "{" << span.start << ".." << span.end << " " << span.app << " '" << span.title
             << "'" << (span.idle ? " idle" : "") << "}";
}

Span active(EpochMs start, EpochMs end, const std::string& app, const std::string& title) {
  return {start, end, app, title, false};
}
Span idle(EpochMs start, EpochMs end, const std::string& app, const std::string& title) {
  return {start, end, app, title, true};
}

class TrackerTest : public ::testing::Test {
 protected:
  void start(TrackingConfig config = {}, TrackerOptions options = {.span_max_ms = kHour}) {
    tracker_ = std::make_unique<Tracker>(
        *outbox_, source_, clock_, std::move(config), options,
        [this](const TrackSnapshot& snapshot) { changes_.push_back(snapshot); });
  }

  // Everything in the outbox, through the server's own validation.
  protocol::ActivityBatch written() {
    auto pending = outbox_->peek(5000, std::size_t{1} << 30);
    EXPECT_TRUE(pending);
    if (!pending || pending->records.empty()) return {};
    auto batch = protocol::parse_activity_batch(
        protocol::activity_batch_body(pending->records, pending->dropped_total),
        clock_.now_ms() + 4 * 24 * kHour);
    EXPECT_TRUE(batch) << batch.error().message;
    return batch ? std::move(*batch) : protocol::ActivityBatch{};
  }

  std::vector<Span> spans() {
    std::vector<Span> out;
    for (const auto& span : written().spans) {
      EXPECT_EQ(span.exe, "/usr/bin/" + span.app);
      out.push_back({span.start, span.end, span.app, span.title, span.idle});
    }
    return out;
  }

  std::vector<protocol::InputRecord> minutes() {
    auto inputs = written().inputs;
    for (auto& input : inputs) input.seq = 0;
    return inputs;
  }

  // Delivers the wake-up the tracker asked for last, at `at` (a real source may be late).
  void wake(EpochMs at) { tracker_->on_wake(at); }

  TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<spool::Outbox> outbox_ =
      std::move(spool::Outbox::open(dir_.path() / "outbox.db", {}, clock_).value());
  FakeSource source_;
  std::vector<TrackSnapshot> changes_;
  std::unique_ptr<Tracker> tracker_;
};

TEST_F(TrackerTest, ScriptedFocusChangesGiveExactSpans) {
  start({}, {.span_max_ms = kMinute});
  tracker_->on_focus(window("xterm", "make"), kT0);
  EXPECT_EQ(source_.last_wake(), kT0 + kMinute);  // the span cut comes before idle (3 min)
  tracker_->on_focus(window("firefox", "docs"), kT0 + 10 * kSecond);
  EXPECT_EQ(source_.last_wake(), kT0 + 70 * kSecond);
  tracker_->on_focus(window("firefox", "docs 2"), kT0 + 30 * kSecond);  // a title change
  EXPECT_EQ(source_.last_wake(), kT0 + 90 * kSecond);
  wake(kT0 + 90 * kSecond);
  EXPECT_EQ(source_.last_wake(), kT0 + 150 * kSecond);
  tracker_->on_focus(window("xterm", "make"), kT0 + 100 * kSecond);
  tracker_->on_focus(window("xterm", "make"), kT0 + 105 * kSecond);  // no change: no span
  tracker_->finish(kT0 + 120 * kSecond);

  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(kT0, kT0 + 10 * kSecond, "xterm", "make"),
                         active(kT0 + 10 * kSecond, kT0 + 30 * kSecond, "firefox", "docs"),
                         active(kT0 + 30 * kSecond, kT0 + 90 * kSecond, "firefox", "docs 2"),
                         active(kT0 + 90 * kSecond, kT0 + 100 * kSecond, "firefox", "docs 2"),
                         active(kT0 + 100 * kSecond, kT0 + 120 * kSecond, "xterm", "make"),
                     }));
  // One report per window change (the cut at 90 s is not one).
  ASSERT_EQ(changes_.size(), 4u);
  EXPECT_EQ(changes_[0].window, window("xterm", "make"));
  EXPECT_EQ(changes_[0].since, kT0);
  EXPECT_EQ(changes_[2].window.title, "docs 2");
  EXPECT_EQ(changes_[2].since, kT0 + 30 * kSecond);
  EXPECT_EQ(changes_[3].since, kT0 + 100 * kSecond);
  EXPECT_EQ(changes_[3].state, TrackState::active);
  EXPECT_EQ(tracker_->snapshot().spans_written, 5);
}

TEST_F(TrackerTest, AMomentWithNothingFocusedIsNotASpan) {
  start();
  tracker_->on_focus(window("xterm", "make"), kT0);
  // The window manager clears the focus for 2 ms while switching.
  tracker_->on_focus(collect::FocusedWindow{}, kT0 + 10 * kSecond);
  tracker_->on_focus(window("firefox", "docs"), kT0 + 10 * kSecond + 2);
  // Cleared and given back to the same window: nothing happened.
  tracker_->on_focus(collect::FocusedWindow{}, kT0 + 15 * kSecond);
  tracker_->on_focus(window("firefox", "docs"), kT0 + 15 * kSecond + 5);
  // Really nothing focused (the desktop was clicked): counted from when it began.
  tracker_->on_focus(collect::FocusedWindow{}, kT0 + 20 * kSecond);
  EXPECT_EQ(source_.last_wake(), kT0 + 20 * kSecond + kBlankFocusGraceMs);
  wake(kT0 + 21 * kSecond + 30);  // a late wake-up changes nothing
  tracker_->on_focus(window("xterm", "make"), kT0 + 30 * kSecond);
  tracker_->finish(kT0 + 40 * kSecond);

  const auto batch = written();
  std::vector<std::tuple<EpochMs, EpochMs, std::string>> got;
  for (const auto& span : batch.spans) got.emplace_back(span.start, span.end, span.app);
  EXPECT_EQ(got, (std::vector<std::tuple<EpochMs, EpochMs, std::string>>{
                     {kT0, kT0 + 10 * kSecond + 2, "xterm"},
                     {kT0 + 10 * kSecond + 2, kT0 + 20 * kSecond, "firefox"},
                     {kT0 + 20 * kSecond, kT0 + 30 * kSecond, ""},
                     {kT0 + 30 * kSecond, kT0 + 40 * kSecond, "xterm"},
                 }));
}

TEST_F(TrackerTest, IdleBeginsExactlyAtTheThresholdAndEndsWithInput) {
  source_.set_idle_ms(30 * kSecond);  // the last input was 30 s before the start
  start({.idle_threshold_s = 180});
  tracker_->on_focus(window("xterm", "make"), kT0);
  EXPECT_EQ(source_.last_wake(), kT0 + 150 * kSecond);
  wake(kT0 + 150 * kSecond - 1);  // early: nothing happens, the request is renewed
  EXPECT_EQ(tracker_->snapshot().state, TrackState::active);
  EXPECT_EQ(source_.last_wake(), kT0 + 150 * kSecond);
  wake(kT0 + 155 * kSecond);  // late: idle still begins at the threshold
  EXPECT_EQ(tracker_->snapshot().state, TrackState::idle);
  EXPECT_EQ(tracker_->snapshot().since, kT0 + 150 * kSecond);

  source_.add({.keys = 5});
  tracker_->on_input(kT0 + 200 * kSecond);
  EXPECT_EQ(tracker_->snapshot().state, TrackState::active);
  EXPECT_EQ(source_.last_wake(), kT0 + 240 * kSecond);  // the minute's end
  wake(kT0 + 240 * kSecond);
  EXPECT_EQ(source_.last_wake(), kT0 + 380 * kSecond);  // the next idle transition
  tracker_->finish(kT0 + 250 * kSecond);

  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(kT0, kT0 + 150 * kSecond, "xterm", "make"),
                         idle(kT0 + 150 * kSecond, kT0 + 200 * kSecond, "xterm", "make"),
                         active(kT0 + 200 * kSecond, kT0 + 250 * kSecond, "xterm", "make"),
                     }));
  EXPECT_EQ(minutes(),
            (std::vector<protocol::InputRecord>{{.minute = kT0 + 3 * kMinute, .keys = 5}}));
  ASSERT_EQ(changes_.size(), 3u);
  EXPECT_EQ(changes_[1].state, TrackState::idle);
  EXPECT_EQ(changes_[1].since, kT0 + 150 * kSecond);
  EXPECT_EQ(changes_[2].state, TrackState::active);
  EXPECT_EQ(changes_[2].since, kT0 + 200 * kSecond);
}

TEST_F(TrackerTest, IdleAtTheStartIsNotBackdated) {
  source_.set_idle_ms(500 * kSecond);
  start({.idle_threshold_s = 180});
  EXPECT_EQ(tracker_->snapshot().state, TrackState::idle);
  EXPECT_EQ(tracker_->snapshot().since, kT0);
  tracker_->on_focus(window("xterm", "make"), kT0);
  tracker_->on_input(kT0 + 10 * kSecond);
  tracker_->finish(kT0 + 20 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Span>{
                         idle(kT0, kT0 + 10 * kSecond, "xterm", "make"),
                         active(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "xterm", "make"),
                     }));
}

TEST_F(TrackerTest, LoweringTheThresholdStartsIdleNowNotInThePast) {
  start({.idle_threshold_s = 600});
  tracker_->on_focus(window("xterm", "make"), kT0);
  tracker_->on_input(kT0);
  clock_.set(kT0 + 100 * kSecond);
  tracker_->apply_config({.idle_threshold_s = 60});
  EXPECT_EQ(source_.last_wake(), kT0 + 100 * kSecond);  // the collector thread reports it
  EXPECT_EQ(changes_.size(), 1u);
  wake(kT0 + 100 * kSecond);
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_EQ(changes_[1].state, TrackState::idle);
  EXPECT_EQ(changes_[1].since, kT0 + 100 * kSecond);
  tracker_->finish(kT0 + 130 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(kT0, kT0 + 100 * kSecond, "xterm", "make"),
                         idle(kT0 + 100 * kSecond, kT0 + 130 * kSecond, "xterm", "make"),
                     }));
}

TEST_F(TrackerTest, WorkScheduleInAndOutAcrossTheBerlinSpringChange) {
  // Friday 2026-03-27 16:00 UTC is 17:00 in Berlin (CET); work ends at 17:30 and starts again
  // on Monday 09:00, which is CEST (07:00 UTC) after the change on Sunday.
  const EpochMs friday = 1'774'627'200'000;  // 2026-03-27 16:00:00 UTC
  const EpochMs saturday = friday + 18 * kHour;
  const EpochMs monday = friday + 2 * 24 * kHour + 15 * kHour;  // 2026-03-30 07:00 UTC
  auto schedule = protocol::parse_work_schedule(
      protocol::parse_json(R"({"time_zone":"Europe/Berlin","days":{"mon":[["09:00","17:30"]],
          "tue":[["09:00","17:30"]],"wed":[["09:00","17:30"]],"thu":[["09:00","17:30"]],
          "fri":[["09:00","17:30"]]}})")
          .value(),
      "$.schedule");
  ASSERT_TRUE(schedule) << schedule.error().message;
  clock_.set(friday);
  start({.idle_threshold_s = 3600, .schedule = *schedule}, {.span_max_ms = 10 * kHour});
  tracker_->on_focus(window("xterm", "make"), friday);
  EXPECT_EQ(source_.last_wake(), friday + 30 * kMinute);
  wake(friday + 30 * kMinute);
  EXPECT_EQ(tracker_->snapshot(), (TrackSnapshot{.state = TrackState::off_hours,
                                                 .window = {},
                                                 .since = friday + 30 * kMinute,
                                                 .spans_written = 1,
                                                 .minutes_written = 0}));
  EXPECT_EQ(source_.last_wake(), monday);

  // Off hours: nothing recorded, nothing reported, no wake-ups asked for.
  const auto wakes_before = source_.wakes().size();
  const auto changes_before = changes_.size();
  tracker_->on_focus(window("firefox", "news"), saturday);
  source_.add({.keys = 50});
  tracker_->on_input(saturday + 5 * kSecond);
  EXPECT_EQ(source_.wakes().size(), wakes_before);
  EXPECT_EQ(changes_.size(), changes_before);

  wake(monday);
  EXPECT_EQ(changes_.back().state, TrackState::idle);  // no input since Saturday
  EXPECT_EQ(changes_.back().since, monday);
  EXPECT_EQ(changes_.back().window, window("firefox", "news"));
  source_.add({.keys = 3});
  tracker_->on_input(monday + 10 * kSecond);
  wake(monday + kMinute);
  tracker_->finish(monday + 2 * kMinute);

  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(friday, friday + 30 * kMinute, "xterm", "make"),
                         idle(monday, monday + 10 * kSecond, "firefox", "news"),
                         active(monday + 10 * kSecond, monday + 2 * kMinute, "firefox", "news"),
                     }));
  // Saturday's 50 keys were taken off hours and discarded.
  EXPECT_EQ(minutes(), (std::vector<protocol::InputRecord>{{.minute = monday, .keys = 3}}));
}

TEST_F(TrackerTest, PauseRecordsNothingAndAsksForNoWakeUps) {
  start();
  tracker_->on_focus(window("xterm", "make"), kT0);
  source_.add({.keys = 4});
  tracker_->on_input(kT0 + 5 * kSecond);
  clock_.set(kT0 + 20 * kSecond);
  tracker_->apply_config({.paused = true});
  wake(kT0 + 20 * kSecond);
  EXPECT_EQ(changes_.back(), (TrackSnapshot{.state = TrackState::paused,
                                            .window = {},
                                            .since = kT0 + 20 * kSecond,
                                            .spans_written = 1,
                                            .minutes_written = 1}));

  const auto wakes_before = source_.wakes().size();
  const auto changes_before = changes_.size();
  tracker_->on_focus(window("firefox", "private"), kT0 + 30 * kSecond);
  source_.add({.keys = 100, .clicks = 7});
  tracker_->on_input(kT0 + 31 * kSecond);
  tracker_->on_wake(kT0 + 90 * kSecond);
  EXPECT_EQ(source_.wakes().size(), wakes_before);
  EXPECT_EQ(changes_.size(), changes_before);
  EXPECT_EQ(tracker_->snapshot().window, collect::FocusedWindow{});
  EXPECT_EQ(outbox_->stats().records, 2);

  clock_.set(kT0 + 300 * kSecond);
  tracker_->apply_config({});
  wake(kT0 + 300 * kSecond);
  // Input during the pause still says someone was there; it was 269 s ago: idle.
  EXPECT_EQ(changes_.back().state, TrackState::idle);
  EXPECT_EQ(changes_.back().window, window("firefox", "private"));
  tracker_->finish(kT0 + 310 * kSecond);

  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(kT0, kT0 + 20 * kSecond, "xterm", "make"),
                         idle(kT0 + 300 * kSecond, kT0 + 310 * kSecond, "firefox", "private"),
                     }));
  EXPECT_EQ(minutes(), (std::vector<protocol::InputRecord>{{.minute = kT0, .keys = 4}}));
}

TEST_F(TrackerTest, PausedFromTheStartRecordsNothing) {
  start({.paused = true});
  tracker_->on_focus(window("xterm", "make"), kT0);
  source_.add({.keys = 9});
  tracker_->on_input(kT0 + kSecond);
  tracker_->finish(kT0 + 10 * kMinute);
  EXPECT_TRUE(source_.wakes().empty());
  EXPECT_EQ(outbox_->stats().records, 0);
  ASSERT_EQ(changes_.size(), 1u);  // the first report only
  EXPECT_EQ(changes_[0].state, TrackState::paused);
  EXPECT_EQ(changes_[0].window, collect::FocusedWindow{});
}

TEST_F(TrackerTest, MinuteRecordsOnlyForMinutesWithInput) {
  start();
  tracker_->on_focus(window("xterm", "make"), kT0);
  source_.add({.keys = 3, .clicks = 1});
  tracker_->on_input(kT0 + 5 * kSecond);
  source_.add({.keys = 7, .distance_px = 300});
  tracker_->on_input(kT0 + 30 * kSecond);
  EXPECT_EQ(source_.last_wake(), kT0 + kMinute);
  wake(kT0 + kMinute);
  EXPECT_EQ(source_.last_wake(), kT0 + 210 * kSecond);  // no input yet: only idle is due

  tracker_->on_input(kT0 + 130 * kSecond);  // input reported, but nothing counted
  EXPECT_EQ(source_.last_wake(), kT0 + 3 * kMinute);
  wake(kT0 + 3 * kMinute);
  source_.add({.scrolls = 2});
  tracker_->on_input(kT0 + 185 * kSecond);
  wake(kT0 + 250 * kSecond);  // late: the minute still ends at 240 s
  tracker_->finish(kT0 + 260 * kSecond);

  EXPECT_EQ(minutes(), (std::vector<protocol::InputRecord>{
                           {.minute = kT0, .keys = 10, .clicks = 1, .distance_px = 300},
                           {.minute = kT0 + 3 * kMinute, .scrolls = 2},
                       }));
  EXPECT_EQ(tracker_->snapshot().minutes_written, 2);
}

TEST_F(TrackerTest, FinishWritesTheOpenMinute) {
  start();
  tracker_->on_focus(window("xterm", "make"), kT0);
  source_.add({.keys = 1});
  tracker_->on_input(kT0 + 61 * kSecond);
  source_.add({.keys = 1});
  tracker_->finish(kT0 + 70 * kSecond);
  EXPECT_EQ(minutes(), (std::vector<protocol::InputRecord>{{.minute = kT0 + kMinute, .keys = 2}}));
  // After finish, events change nothing.
  tracker_->on_focus(window("firefox", "x"), kT0 + 80 * kSecond);
  tracker_->finish(kT0 + 90 * kSecond);
  EXPECT_EQ(spans().size(), 1u);
}

TEST_F(TrackerTest, SpansAreCutWithoutReports) {
  start({.idle_threshold_s = 180}, {.span_max_ms = kMinute});
  tracker_->on_focus(window("xterm", "make"), kT0);
  for (const EpochMs at : {kT0 + kMinute, kT0 + 2 * kMinute, kT0 + 3 * kMinute}) {
    EXPECT_EQ(source_.last_wake(), at);
    wake(at);
  }
  EXPECT_EQ(source_.last_wake(), kT0 + 4 * kMinute);  // the idle span's cut
  tracker_->finish(kT0 + 210 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(kT0, kT0 + kMinute, "xterm", "make"),
                         active(kT0 + kMinute, kT0 + 2 * kMinute, "xterm", "make"),
                         active(kT0 + 2 * kMinute, kT0 + 3 * kMinute, "xterm", "make"),
                         idle(kT0 + 3 * kMinute, kT0 + 210 * kSecond, "xterm", "make"),
                     }));
  ASSERT_EQ(changes_.size(), 2u);  // the start and idle; no report for the cuts
  EXPECT_EQ(changes_[1].state, TrackState::idle);
}

TEST_F(TrackerTest, ALongSilenceWhileRecordingIsNotRecorded) {
  start({}, {.span_max_ms = kMinute});
  tracker_->on_focus(window("xterm", "make"), kT0);
  source_.add({.keys = 2});
  tracker_->on_input(kT0 + 30 * kSecond);
  wake(kT0 + 3 * kHour);  // the machine slept through the wake-up at 60 s
  tracker_->finish(kT0 + 3 * kHour + 10 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(kT0, kT0 + 30 * kSecond, "xterm", "make"),
                         idle(kT0 + 3 * kHour, kT0 + 3 * kHour + 10 * kSecond, "xterm", "make"),
                     }));
  EXPECT_EQ(minutes(), (std::vector<protocol::InputRecord>{{.minute = kT0, .keys = 2}}));
  EXPECT_EQ(changes_.back().state, TrackState::idle);
  EXPECT_EQ(changes_.back().since, kT0 + 3 * kHour);
}

TEST_F(TrackerTest, TimeNeverGoesBackAndEmptySpansAreNotWritten) {
  start();
  tracker_->on_focus(window("xterm", "make"), kT0 + 10 * kSecond);
  tracker_->on_focus(window("firefox", "docs"), kT0 + 5 * kSecond);  // counts as 10 s
  tracker_->finish(kT0 + 20 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Span>{
                         active(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "firefox", "docs"),
                     }));
}

TEST_F(TrackerTest, TheTrackerSeesOnlyCounts) {
  // The seam carries no key identity by type: input is a time, counts are four integers.
  static_assert(std::is_same_v<decltype(&collect::CollectorSink::on_input),
                               void (collect::CollectorSink::*)(EpochMs)>);
  static_assert(sizeof(collect::InputCounts) == 4 * sizeof(std::int64_t));
  const auto [keys, clicks, scrolls, distance_px] = collect::InputCounts{};  // exactly four
  static_assert(std::is_same_v<std::remove_const_t<decltype(keys)>, std::int64_t>);
  static_assert(std::is_same_v<std::remove_const_t<decltype(distance_px)>, std::int64_t>);
  EXPECT_EQ(keys + clicks + scrolls + distance_px, 0);

  start();
  tracker_->on_focus(window("xterm", "make"), kT0);
  source_.add({.keys = 1'000'000, .clicks = 2, .scrolls = 3, .distance_px = 4});
  tracker_->on_input(kT0 + kSecond);
  tracker_->finish(kT0 + 2 * kSecond);
  auto pending = outbox_->peek(10, 1 << 20);
  ASSERT_TRUE(pending);
  std::size_t input_records = 0;
  for (const auto& text : pending->records) {
    auto json = protocol::parse_json(text).value();
    if (json.at("type") != "input") continue;
    ++input_records;
    std::set<std::string> fields;
    for (const auto& field : json.as_object()) fields.emplace(field.key());
    EXPECT_EQ(fields, (std::set<std::string>{"seq", "type", "minute", "keys", "clicks", "scrolls",
                                             "distance_px"}));
    EXPECT_EQ(json.at("keys"), protocol::kMaxInputCount);  // clamped to what the wire allows
  }
  EXPECT_EQ(input_records, 1u);
}

TEST_F(TrackerTest, ConfigFromAnotherThreadKeepsTheRecordsValid) {
  start({}, {.span_max_ms = 20 * kSecond});
  std::atomic<bool> done = false;
  std::atomic<int> toggles = 0;
  std::thread control([&] {
    bool paused = false;
    while (!done.load()) {
      paused = !paused;
      tracker_->apply_config({.idle_threshold_s = paused ? 60 : 120, .paused = paused});
      (void)tracker_->snapshot();
      toggles.fetch_add(1);
      std::this_thread::yield();
    }
  });
  // At least 2000 steps, and on until the threads really interleaved (on a loaded machine the
  // control thread may sleep through the first 2000, all paused).
  auto interleaved = [&] {
    const auto snapshot = tracker_->snapshot();
    return toggles.load() >= 100 && snapshot.spans_written > 10 && snapshot.minutes_written > 0;
  };
  for (int step_idx = 0; step_idx < 2000 || (!interleaved() && step_idx < 200'000); ++step_idx) {
    clock_.advance(700);
    const EpochMs now = clock_.now_ms();
    switch (step_idx % 4) {
      case 0:
        tracker_->on_focus(window(step_idx % 8 == 0 ? "xterm" : "firefox", "t"), now);
        break;
      case 1:
        source_.add({.keys = 1});
        tracker_->on_input(now);
        break;
      default:
        tracker_->on_wake(now);
    }
  }
  done = true;
  control.join();
  tracker_->finish(clock_.now_ms());
  // Through the server's validation: spans in order, never overlapping, minutes in order.
  const auto batch = written();
  EXPECT_GT(batch.spans.size(), 10u);
  EXPECT_GT(batch.inputs.size(), 0u);
  EXPECT_EQ(static_cast<std::int64_t>(batch.record_count()), outbox_->stats().records);
  EXPECT_EQ(tracker_->snapshot().spans_written, static_cast<std::int64_t>(batch.spans.size()));
}

TEST(TrackStateTest, WireNames) {
  EXPECT_EQ(track_state_name(TrackState::active), "active");
  EXPECT_EQ(track_state_name(TrackState::idle), "idle");
  EXPECT_EQ(track_state_name(TrackState::paused), "paused");
  EXPECT_EQ(track_state_name(TrackState::off_hours), "off_hours");
}

}  // namespace
}  // namespace worktrace::agent::track
