// The input counting of X11DesktopSource (x11::RawInput) on a real X server driven by xdotool
// through XTEST. Each action is followed by a marker input of another kind, chained in the
// same xdotool call or (after `type`) in the next one: once the marker is counted, everything
// before it has been, since the server delivers events in the order it made them.
// gtest before Xlib: Xlib's None macro breaks gtest's own headers.
#include <gtest/gtest.h>

#include "collect/x11/raw_input.hpp"

#include "collect/x11/testing/xvfb_session.hpp"
#include "collect/x11/x11_desktop_source.hpp"

#include <optional>

namespace worktrace::agent::collect::x11 {
namespace {

using testing::RecordingSink;
using testing::SourceThread;
using testing::XvfbSession;

class RawInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WORKTRACE_REQUIRE_XVFB();
    session_.emplace();
    xterm_ = session_->open_xterm("wt-input");
    session_->run({"xdotool", "windowactivate", "--sync", xterm_.window});
    source_.emplace(clock_, session_->display());
    running_.emplace(*source_, sink_);
    ASSERT_TRUE(sink_.wait_until([](const auto& calls) { return !calls.focuses.empty(); }));
  }

  void TearDown() override {
    if (running_) {
      EXPECT_TRUE(running_->stop());
    }
  }

  // Runs `xdotool args...` and, when given, `xdotool marker...` (xdotool's `type` takes all
  // that follows as text, so its marker needs a call of its own; xdotool syncs with the server
  // before it exits). Then takes counts until `marker_field` reaches 1; returns their sum.
  InputCounts drive(const std::vector<std::string>& args, std::int64_t InputCounts::*marker_field,
                    const std::vector<std::string>& marker = {}) {
    std::vector<std::string> argv{"xdotool"};
    argv.insert(argv.end(), args.begin(), args.end());
    session_->run(argv);
    argv.assign({"xdotool"});
    argv.insert(argv.end(), marker.begin(), marker.end());
    if (!marker.empty()) session_->run(argv);
    InputCounts total;
    const bool marked = testing::eventually([&] {
      const InputCounts taken = source_->take_counts();
      total.keys += taken.keys;
      total.clicks += taken.clicks;
      total.scrolls += taken.scrolls;
      total.distance_px += taken.distance_px;
      return total.*marker_field >= 1;
    });
    EXPECT_TRUE(marked) << "the marker input never arrived";
    return total;
  }

  SystemClock clock_;
  std::optional<XvfbSession> session_;
  XvfbSession::Xterm xterm_;
  std::optional<X11DesktopSource> source_;
  RecordingSink sink_;
  std::optional<SourceThread> running_;
};

TEST_F(RawInputTest, CountsEachTypedCharacterOnce) {
  const InputCounts counts =
      drive({"type", "--delay", "1", "abcdefghijkl"}, &InputCounts::scrolls, {"click", "5"});
  EXPECT_EQ(counts, (InputCounts{.keys = 12, .scrolls = 1}));
}

TEST_F(RawInputTest, CountsClicksAndScrollStepsApart) {
  EXPECT_EQ(
      drive({"click", "--repeat", "3", "--delay", "1", "1", "key", "shift"}, &InputCounts::keys),
      (InputCounts{.keys = 1, .clicks = 3}));
  EXPECT_EQ(
      drive({"click", "--repeat", "5", "--delay", "1", "4", "key", "shift"}, &InputCounts::keys),
      (InputCounts{.keys = 1, .scrolls = 5}));
  EXPECT_EQ(drive({"click", "--delay", "1", "6", "click", "7", "click", "3", "key", "shift"},
                  &InputCounts::keys),
            (InputCounts{.keys = 1, .clicks = 1, .scrolls = 2}));
}

TEST_F(RawInputTest, SameLengthTextsGiveIdenticalCounts) {
  const InputCounts first =
      drive({"type", "--delay", "1", "correct horse"}, &InputCounts::scrolls, {"click", "5"});
  const InputCounts second =
      drive({"type", "--delay", "1", "battery stapl"}, &InputCounts::scrolls, {"click", "5"});
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.keys, 13);
}

TEST_F(RawInputTest, MeasuresRelativeXtestMotionExactly) {
  // mousemove warps the pointer (XWarpPointer): no device moved, so nothing is counted.
  EXPECT_EQ(drive({"mousemove", "--sync", "10", "10", "key", "shift"}, &InputCounts::keys),
            (InputCounts{.keys = 1}));
  EXPECT_EQ(
      drive({"mousemove_relative", "--sync", "300", "400", "key", "shift"}, &InputCounts::keys),
      (InputCounts{.keys = 1, .distance_px = 500}));
  EXPECT_EQ(drive({"mousemove_relative", "--sync", "--", "-30", "-40", "key", "shift"},
                  &InputCounts::keys),
            (InputCounts{.keys = 1, .distance_px = 50}));
}

TEST_F(RawInputTest, MeasuresAbsoluteXtestMotionExactly) {
  // XTestFakeMotionEvent, as remote desktop servers move the pointer: 0,0 then 300,400.
  ASSERT_TRUE(testing::fake_absolute_motion(session_->display(), 0, 0))
      << "libXtst.so.6 (xdotool's dependency) is missing";
  ASSERT_TRUE(testing::fake_absolute_motion(session_->display(), 300, 400));
  ASSERT_TRUE(testing::fake_absolute_motion(session_->display(), 300, 100));
  EXPECT_EQ(drive({"key", "shift"}, &InputCounts::keys),
            (InputCounts{.keys = 1, .distance_px = 800}));
}

TEST_F(RawInputTest, ReportsInputAtOnceThenAtMostOncePerSecond) {
  const std::size_t before = sink_.calls().inputs.size();
  const EpochMs started = clock_.now_ms();
  session_->run({"xdotool", "type", "--delay", "110", std::string(40, 'x')});  // over 2 s
  const EpochMs ended = clock_.now_ms();
  ASSERT_GE(ended - started, 2000);
  // Wait until the reports stop: the held input of the last second comes at most 1 s later.
  std::size_t reports = 0;
  while (sink_.wait_until([&](const auto& calls) { return calls.inputs.size() > reports; },
                          std::chrono::milliseconds(1500))) {
    reports = sink_.calls().inputs.size();
  }
  const RecordingSink::Calls calls = sink_.calls();
  ASSERT_GT(calls.inputs.size(), before);
  EXPECT_LE(calls.inputs[before] - started, 100) << "the first input was not reported at once";
  // All input was reported: the last report names input near the end of the typing.
  EXPECT_GE(calls.inputs.back(), ended - 200);
  // Once a second: 2+ s of input gives 3 or 4 reports, each at least a second after the last.
  EXPECT_GE(calls.inputs.size() - before, 3u);
  EXPECT_LE(calls.inputs.size() - before, static_cast<std::size_t>((ended - started) / 1000 + 2));
  for (std::size_t call_idx = before + 1; call_idx < calls.input_calls.size(); ++call_idx) {
    EXPECT_GE(calls.input_calls[call_idx] - calls.input_calls[call_idx - 1],
              std::chrono::milliseconds(990));
  }
}

}  // namespace
}  // namespace worktrace::agent::collect::x11
