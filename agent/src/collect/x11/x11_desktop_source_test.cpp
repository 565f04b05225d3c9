#include "collect/x11/x11_desktop_source.hpp"

#include "collect/x11/testing/xvfb_session.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>

namespace worktrace::agent::collect {
namespace {

using namespace std::chrono_literals;
using x11::testing::RecordingSink;
using x11::testing::SourceThread;
using x11::testing::XvfbSession;

TEST(X11DesktopSourceWithoutDisplayTest, FailsAsUnavailableAndStillAnswers) {
  SystemClock clock;
  X11DesktopSource source(clock, ":4242");  // nothing listens there
  RecordingSink sink;
  const Result<void> ran = source.run(sink);
  ASSERT_FALSE(ran);
  EXPECT_TRUE(ran.error().is(Errc::unavailable));
  EXPECT_EQ(ran.error().message, "cannot open the X display :4242");
  EXPECT_TRUE(source.screens().empty());
  EXPECT_GE(source.idle_ms(), 0);  // the time since the source was made
  EXPECT_EQ(source.take_counts(), InputCounts{});
}

TEST(X11DesktopSourceWithoutDisplayTest, StopBeforeRunMakesRunReturnAtOnce) {
  SystemClock clock;
  X11DesktopSource source(clock, ":4242");
  source.stop();
  RecordingSink sink;
  EXPECT_TRUE(source.run(sink));
  EXPECT_TRUE(sink.calls().focuses.empty());
}

class X11DesktopSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WORKTRACE_REQUIRE_XVFB();
    session_.emplace();
    source_.emplace(clock_, session_->display());
  }

  // Starts run() and waits for its first report.
  void start() {
    running_.emplace(*source_, sink_);
    ASSERT_TRUE(sink_.wait_until([](const auto& calls) { return !calls.focuses.empty(); }));
  }

  SystemClock clock_;
  std::optional<XvfbSession> session_;
  std::optional<X11DesktopSource> source_;
  RecordingSink sink_;
  std::optional<SourceThread> running_;
};

TEST_F(X11DesktopSourceTest, ReportsTheFocusOnceAtStartEvenWhenNothingHasIt) {
  start();
  EXPECT_EQ(sink_.calls().focuses.front().window, FocusedWindow{});
  EXPECT_TRUE(running_->stop());
  EXPECT_EQ(sink_.calls().focuses.size(), 1u);
}

TEST_F(X11DesktopSourceTest, WakesAtTheRequestedTime) {
  start();
  for (const EpochMs delay_ms : {150, 40, 400}) {
    const std::size_t before = sink_.calls().wakes.size();
    const EpochMs at = clock_.now_ms() + delay_ms;
    source_->wake_at(at);
    ASSERT_TRUE(sink_.wait_until([&](const auto& calls) { return calls.wakes.size() > before; },
                                 std::chrono::milliseconds(delay_ms + 1000)));
    const EpochMs woke = clock_.now_ms();
    EXPECT_GE(sink_.calls().wakes.back(), at);
    EXPECT_LE(woke - at, 50) << "woke " << woke - at << " ms late";
  }
}

TEST_F(X11DesktopSourceTest, ALaterWakeRequestReplacesTheEarlierOne) {
  start();
  const EpochMs at = clock_.now_ms() + 300;
  source_->wake_at(clock_.now_ms() + 50);
  source_->wake_at(at);
  ASSERT_TRUE(sink_.wait_until([](const auto& calls) { return !calls.wakes.empty(); }, 2s));
  EXPECT_GE(sink_.calls().wakes.front(), at);
  std::this_thread::sleep_for(100ms);  // no second wake-up follows
  EXPECT_EQ(sink_.calls().wakes.size(), 1u);
}

TEST_F(X11DesktopSourceTest, StopFromAnotherThreadEndsRunWithin100Ms) {
  start();
  std::this_thread::sleep_for(50ms);  // run() is asleep in poll() now
  const auto asked = std::chrono::steady_clock::now();
  std::thread([&] { source_->stop(); }).join();
  ASSERT_TRUE(running_->wait_for_end(1s));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 100ms);
  EXPECT_TRUE(running_->result());
  // A stopped source stays stopped.
  RecordingSink other;
  EXPECT_TRUE(source_->run(other));
  EXPECT_TRUE(other.calls().focuses.empty());
}

TEST_F(X11DesktopSourceTest, IdleTimeGrowsWithoutInputAndDropsAfterIt) {
  const std::int64_t first = source_->idle_ms();
  std::this_thread::sleep_for(300ms);
  const std::int64_t later = source_->idle_ms();
  EXPECT_GE(later, first + 250);
  EXPECT_GE(later, 300);
  session_->run({"xdotool", "mousemove_relative", "5", "5"});
  EXPECT_LT(source_->idle_ms(), 200);
}

TEST_F(X11DesktopSourceTest, ReportsTheScreen) {
  const std::vector<protocol::Screen> screens = source_->screens();
  ASSERT_EQ(screens.size(), 1u);
  EXPECT_EQ(screens[0].width, 1280);
  EXPECT_EQ(screens[0].height, 1024);
  EXPECT_EQ(screens[0].x, 0);
  EXPECT_EQ(screens[0].y, 0);
  EXPECT_EQ(screens[0].name, "screen");  // Xvfb's one RandR monitor
}

TEST_F(X11DesktopSourceTest, TheServerGoingAwayEndsRunWithAnErrorNotTheProcess) {
  start();
  (void)source_->screens();  // the query connection is open too
  session_->stop_server();
  ASSERT_TRUE(running_->wait_for_end(2s));
  const Result<void> ended = running_->result();
  ASSERT_FALSE(ended);
  EXPECT_TRUE(ended.error().is(Errc::unavailable));
  EXPECT_EQ(ended.error().message, "the X display closed the connection");
  EXPECT_TRUE(source_->screens().empty());
  EXPECT_GE(source_->idle_ms(), 0);
}

TEST_F(X11DesktopSourceTest, SleepsWhileNothingHappens) {
  start();
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(running_->stop());
  // Start-up (connection, device and window queries) included; an idle loop would use a lot more.
  EXPECT_LT(running_->cpu_time(), 50ms);
  RecordProperty("cpu_us_per_1s", static_cast<int>(running_->cpu_time().count()));
}

// The figure for the lead: run for 10 s with no input and print the CPU time used.
// Run with --gtest_also_run_disabled_tests --gtest_filter='*MeasureIdleCpu*'.
TEST_F(X11DesktopSourceTest, DISABLED_MeasureIdleCpuFor10s) {
  start();
  std::this_thread::sleep_for(10s);
  ASSERT_TRUE(running_->stop());
  std::printf("run() thread CPU over 10 s without input: %lld us\n",
              static_cast<long long>(running_->cpu_time().count()));
}

}  // namespace
}  // namespace worktrace::agent::collect
