// The focus tracking of X11DesktopSource (x11::FocusTracker) on real X servers: with openbox
// (EWMH) and without a window manager (the X input focus).
// gtest before Xlib: Xlib's None macro breaks gtest's own headers.
#include <gtest/gtest.h>

#include "collect/x11/focus_tracker.hpp"

#include "collect/x11/testing/xvfb_session.hpp"
#include "collect/x11/x11_desktop_source.hpp"

#include <signal.h>

#include <filesystem>
#include <optional>

namespace worktrace::agent::collect::x11 {
namespace {

using testing::RecordingSink;
using testing::SourceThread;
using testing::XvfbSession;

bool is_xterm(const FocusedWindow& window, const std::string& title) {
  return window.app == "XTerm" && window.title == title && window.pid > 0 &&
         (window.exe == "/usr/bin/xterm" ||
          window.exe == std::filesystem::canonical("/usr/bin/xterm").string());
}

// No two reports in a row name the same window: on_focus only for real changes.
void expect_no_repeated_reports(const RecordingSink::Calls& calls) {
  for (std::size_t focus_idx = 1; focus_idx < calls.focuses.size(); ++focus_idx) {
    EXPECT_NE(calls.focuses[focus_idx].window, calls.focuses[focus_idx - 1].window)
        << "report " << focus_idx << " repeats " << calls.focuses[focus_idx].window.title;
  }
}

class FocusTrackerTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    WORKTRACE_REQUIRE_XVFB();
    session_.emplace(XvfbSession::Options{.window_manager = window_manager()});
    source_.emplace(clock_, session_->display());
  }

  [[nodiscard]] bool window_manager() const { return GetParam(); }

  // Gives `xterm` the focus: through the window manager, or directly without one.
  void focus(const XvfbSession::Xterm& xterm) {
    if (window_manager()) {
      session_->run({"xdotool", "windowactivate", "--sync", xterm.window});
    } else {
      session_->run({"xdotool", "windowfocus", "--sync", xterm.window});
    }
  }

  SystemClock clock_;
  std::optional<XvfbSession> session_;
  std::optional<X11DesktopSource> source_;
  RecordingSink sink_;
};

TEST_P(FocusTrackerTest, ReportsTheFocusedWindowWhenItChanges) {
  const XvfbSession::Xterm first = session_->open_xterm("wt-first");
  const XvfbSession::Xterm second = session_->open_xterm("wt-second");
  SourceThread running(*source_, sink_);
  ASSERT_TRUE(sink_.wait_until([](const auto& calls) { return !calls.focuses.empty(); }))
      << "no report at start";

  focus(first);
  ASSERT_TRUE(
      sink_.wait_for_focus([](const auto& window) { return is_xterm(window, "wt-first"); }));
  focus(second);
  ASSERT_TRUE(
      sink_.wait_for_focus([](const auto& window) { return is_xterm(window, "wt-second"); }));
  focus(first);
  ASSERT_TRUE(
      sink_.wait_for_focus([](const auto& window) { return is_xterm(window, "wt-first"); }));
  EXPECT_EQ(sink_.calls().focuses.back().window.pid, first.pid);

  ASSERT_TRUE(running.stop());
  const RecordingSink::Calls calls = sink_.calls();
  expect_no_repeated_reports(calls);
  for (std::size_t focus_idx = 1; focus_idx < calls.focuses.size(); ++focus_idx) {
    EXPECT_GE(calls.focuses[focus_idx].at, calls.focuses[focus_idx - 1].at);
  }
}

TEST_P(FocusTrackerTest, ReportsATitleChangeOfTheFocusedWindow) {
  const XvfbSession::Xterm xterm = session_->open_xterm("wt-before");
  SourceThread running(*source_, sink_);
  focus(xterm);
  ASSERT_TRUE(
      sink_.wait_for_focus([](const auto& window) { return is_xterm(window, "wt-before"); }));

  session_->run({"xdotool", "set_window", "--name", "wt-after – ünïcode", xterm.window});
  ASSERT_TRUE(sink_.wait_for_focus(
      [](const auto& window) { return is_xterm(window, "wt-after – ünïcode"); }));
  ASSERT_TRUE(running.stop());
  expect_no_repeated_reports(sink_.calls());
}

TEST_P(FocusTrackerTest, SurvivesTheFocusedWindowVanishing) {
  const XvfbSession::Xterm doomed = session_->open_xterm("wt-doomed");
  const XvfbSession::Xterm other = session_->open_xterm("wt-other");
  SourceThread running(*source_, sink_);
  focus(doomed);
  ASSERT_TRUE(
      sink_.wait_for_focus([](const auto& window) { return is_xterm(window, "wt-doomed"); }));

  ASSERT_EQ(::kill(doomed.pid, SIGKILL), 0);
  ASSERT_TRUE(sink_.wait_for_focus([](const auto& window) { return window.title != "wt-doomed"; }))
      << "the vanished window is still reported as focused";
  EXPECT_FALSE(running.ended());

  focus(other);
  ASSERT_TRUE(
      sink_.wait_for_focus([](const auto& window) { return is_xterm(window, "wt-other"); }));
  ASSERT_TRUE(running.stop());
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutWindowManager, FocusTrackerTest,
                         ::testing::Values(true, false), [](const auto& info) {
                           return info.param ? "Openbox" : "NoWindowManager";
                         });

TEST(FocusTrackerModeTest, FollowsAWindowManagerThatStartsLater) {
  WORKTRACE_REQUIRE_XVFB();
  XvfbSession session(XvfbSession::Options{.window_manager = false});
  const std::unique_ptr<Connection> connection = Connection::open(session.display());
  ASSERT_NE(connection, nullptr);
  FocusTracker tracker(connection->display());
  EXPECT_EQ(tracker.start(), FocusedWindow{});
  EXPECT_FALSE(tracker.follows_window_manager());

  session.start_window_manager();
  const XvfbSession::Xterm xterm = session.open_xterm("wt-managed");
  session.run({"xdotool", "windowactivate", "--sync", xterm.window});
  // Drive the tracker by hand: handle events until it reports the activated window.
  std::optional<FocusedWindow> latest;
  ASSERT_TRUE(testing::eventually([&] {
    while (XPending(connection->display()) > 0) {
      XEvent event;
      XNextEvent(connection->display(), &event);
      if (auto window = tracker.handle(event)) latest = *window;
    }
    return latest && is_xterm(*latest, "wt-managed");
  }));
  EXPECT_TRUE(tracker.follows_window_manager());
}

}  // namespace
}  // namespace worktrace::agent::collect::x11
