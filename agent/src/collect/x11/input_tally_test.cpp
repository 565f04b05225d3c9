#include "collect/x11/input_tally.hpp"

#include <gtest/gtest.h>

namespace worktrace::agent::collect::x11 {
namespace {

constexpr PointerAxes kRelative{};
constexpr PointerAxes kXtest{.kind = PointerAxes::Kind::xtest};

TEST(InputTallyTest, CountsKeysClicksAndScrollSteps) {
  InputTally tally;
  for (int press_idx = 0; press_idx < 12; ++press_idx) tally.add_key();
  tally.add_button(1);
  tally.add_button(2);
  tally.add_button(3);
  tally.add_button(8);  // "back": a click
  for (int button = 4; button <= 7; ++button) tally.add_button(button);
  EXPECT_EQ(tally.take(), (InputCounts{.keys = 12, .clicks = 4, .scrolls = 4}));
}

TEST(InputTallyTest, TakeReturnsTheCountsSinceTheLastTakeThenZero) {
  InputTally tally;
  tally.add_key();
  EXPECT_EQ(tally.take().keys, 1);
  EXPECT_EQ(tally.take(), InputCounts{});
  tally.add_button(5);
  EXPECT_EQ(tally.take(), (InputCounts{.scrolls = 1}));
}

TEST(InputTallyTest, RelativeMotionAddsTheLengthOfEachDelta) {
  InputTally tally;
  tally.add_motion(6, kRelative, {3.0, 4.0});
  tally.add_motion(6, kRelative, {-3.0, -4.0});  // back again: travel, not displacement
  tally.add_motion(6, kRelative, {std::nullopt, 2.0});
  EXPECT_EQ(tally.take().distance_px, 12);
}

TEST(InputTallyTest, FractionsCarryOverToTheNextTake) {
  InputTally tally;
  for (int event_idx = 0; event_idx < 3; ++event_idx) tally.add_motion(6, kRelative, {0.4, 0.0});
  EXPECT_EQ(tally.take().distance_px, 1);  // 1.2
  for (int event_idx = 0; event_idx < 3; ++event_idx) tally.add_motion(6, kRelative, {0.4, 0.0});
  EXPECT_EQ(tally.take().distance_px, 1);  // 0.2 + 1.2 = 1.4
  tally.add_motion(6, kRelative, {0.2, 0.0});
  EXPECT_EQ(tally.take().distance_px, 1);  // 0.4 + 0.2 = 0.6: the total is 3 of 3.0
  EXPECT_EQ(tally.take().distance_px, 0);
}

TEST(InputTallyTest, AbsoluteMotionMapsTheRangeOntoTheScreen) {
  InputTally tally;
  tally.set_screen_size(1281, 1025);  // pixels 0..1280 x 0..1024
  const PointerAxes tablet{
      .kind = PointerAxes::Kind::absolute, .x_min = 0, .x_max = 32767, .y_min = 0, .y_max = 32767};
  tally.add_motion(10, tablet, {0.0, 0.0});  // the first position: no travel yet
  EXPECT_EQ(tally.take().distance_px, 0);
  tally.add_motion(10, tablet, {32767.0 * 300 / 1280, 32767.0 * 400 / 1024});  // to 300, 400
  EXPECT_EQ(tally.take().distance_px, 500);
  tally.add_motion(10, tablet, {std::nullopt, 0.0});  // y only: x stays at 300
  EXPECT_EQ(tally.take().distance_px, 400);
}

TEST(InputTallyTest, AbsoluteAxesWithoutARangeAreScreenPixels) {
  InputTally tally;
  tally.set_screen_size(1280, 1024);
  const PointerAxes pixels{.kind = PointerAxes::Kind::absolute};
  tally.add_motion(10, pixels, {100.0, 100.0});
  tally.add_motion(10, pixels, {400.0, 500.0});
  EXPECT_EQ(tally.take().distance_px, 500);
}

TEST(InputTallyTest, EachAbsoluteDeviceHasItsOwnPosition) {
  InputTally tally;
  const PointerAxes pixels{.kind = PointerAxes::Kind::absolute};
  tally.add_motion(10, pixels, {0.0, 0.0});
  tally.add_motion(11, pixels, {1000.0, 1000.0});  // another device's first position
  tally.add_motion(10, pixels, {30.0, 40.0});
  tally.add_motion(11, pixels, {1000.0, 1010.0});
  EXPECT_EQ(tally.take().distance_px, 60);
  tally.forget_devices();
  tally.add_motion(10, pixels, {500.0, 500.0});  // a first position again
  EXPECT_EQ(tally.take().distance_px, 0);
}

// What Xvfb's XTEST pointer reports: XTestFakeMotionEvent (x11vnc, remote desktops) gives the
// target position in screen pixels; XTestFakeRelativeMotionEvent (xdotool mousemove_relative)
// the delta; both with the same relative, range-less valuators.
TEST(InputTallyTest, XtestPositionsAreToldFromDeltasByThePointer) {
  InputTally tally;
  tally.add_motion(4, kXtest, {0.0, 0.0}, ScreenPoint{0, 0});          // a position: the first
  tally.add_motion(4, kXtest, {300.0, 400.0}, ScreenPoint{300, 400});  // a position
  EXPECT_EQ(tally.take().distance_px, 500);
  tally.add_motion(4, kXtest, {30.0, 40.0}, ScreenPoint{330, 440});  // a delta
  EXPECT_EQ(tally.take().distance_px, 50);
  tally.add_motion(4, kXtest, {330.0, 140.0}, ScreenPoint{330, 140});  // a position again
  EXPECT_EQ(tally.take().distance_px, 300);
  tally.add_motion(4, kXtest, {-5.0, 0.0}, ScreenPoint{0, 140});  // a delta clamped at the edge
  EXPECT_EQ(tally.take().distance_px, 5);
}

TEST(InputTallyTest, XtestWithoutThePointerGoesOnAsTheDeviceLastMoved) {
  InputTally tally;
  tally.add_motion(4, kXtest, {0.0, 0.0});  // nothing known yet: a position
  tally.add_motion(4, kXtest, {300.0, 400.0});
  EXPECT_EQ(tally.take().distance_px, 500);
  tally.add_motion(4, kXtest, {3.0, 4.0}, ScreenPoint{303, 404});  // a delta
  tally.add_motion(4, kXtest, {3.0, 4.0});                         // so deltas again
  EXPECT_EQ(tally.take().distance_px, 10);
  // A position after a delta of unknown outcome only sets where the pointer is.
  tally.add_motion(4, kXtest, {500.0, 500.0}, ScreenPoint{500, 500});
  tally.add_motion(4, kXtest, {500.0, 600.0});  // a position again
  EXPECT_EQ(tally.take().distance_px, 100);
}

TEST(InputTallyTest, InputsOfTheSameKindAreIndistinguishable) {
  // Two different texts of the same length leave the same counts: nothing else is kept.
  InputTally first;
  InputTally second;
  for (const char ignored : std::string_view("correct horse")) {
    (void)ignored;
    first.add_key();
  }
  for (const char ignored : std::string_view("battery stapl")) {
    (void)ignored;
    second.add_key();
  }
  EXPECT_EQ(first.take(), second.take());
}

TEST(InputPacerTest, ReportsTheFirstInputAtOnce) {
  InputPacer pacer;
  EXPECT_TRUE(pacer.input(10'000));
  EXPECT_EQ(pacer.due(), std::nullopt);
}

TEST(InputPacerTest, HoldsInputWithinASecondAndReportsItWhenDue) {
  InputPacer pacer;
  ASSERT_TRUE(pacer.input(10'000));
  EXPECT_FALSE(pacer.input(10'200));
  EXPECT_FALSE(pacer.input(10'700));
  EXPECT_EQ(pacer.due(), 11'000);
  EXPECT_EQ(pacer.take_due(10'999), std::nullopt);
  EXPECT_EQ(pacer.take_due(11'002), 10'700);  // the latest held input
  EXPECT_EQ(pacer.due(), std::nullopt);
  EXPECT_EQ(pacer.take_due(13'000), std::nullopt);
  // Continuing input is held again, a second after the last report (11'002).
  EXPECT_FALSE(pacer.input(11'500));
  EXPECT_EQ(pacer.due(), 12'002);
}

TEST(InputPacerTest, ContinuousInputIsReportedOncePerSecond) {
  InputPacer pacer;
  int reports = 0;
  for (EpochMs now = 0; now < 10'000; now += 10) {  // input every 10 ms for 10 s
    if (pacer.take_due(now)) ++reports;
    if (pacer.input(now)) ++reports;
  }
  EXPECT_EQ(reports, 10);
}

TEST(InputPacerTest, InputAfterAQuietSecondIsReportedAtOnce) {
  InputPacer pacer;
  ASSERT_TRUE(pacer.input(0));
  EXPECT_TRUE(pacer.input(1'000));
  EXPECT_TRUE(pacer.input(5'000));
  EXPECT_FALSE(pacer.input(5'999));
}

}  // namespace
}  // namespace worktrace::agent::collect::x11
