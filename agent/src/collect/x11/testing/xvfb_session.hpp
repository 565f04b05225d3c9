#pragma once

#include "collect/sources.hpp"
#include "core/result.hpp"

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Test support for the X11 collectors: a private X server with its clients, a sink that
// records, and a thread that runs a source.
namespace worktrace::agent::collect::x11::testing {

using namespace std::chrono_literals;

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s);

// A private X server for a test: Xvfb on a display it picks itself (-displayfd), 1280x1024,
// optionally openbox (EWMH), and the clients the test starts, with DISPLAY set. All are in one
// process group, killed when the session ends. Not thread-safe.
class XvfbSession {
 public:
  struct Options {
    bool window_manager = true;
    bool shared_memory = true;  // false: the server offers no MIT-SHM
  };

  [[nodiscard]] static bool xvfb_installed();

  // Starts Xvfb and, if asked, openbox, and waits until openbox manages the screen. Throws
  // std::runtime_error when that fails.
  explicit XvfbSession(Options options);
  XvfbSession() : XvfbSession(Options{}) {}
  ~XvfbSession();
  XvfbSession(const XvfbSession&) = delete;
  XvfbSession& operator=(const XvfbSession&) = delete;

  [[nodiscard]] const std::string& display() const { return display_; }

  // Starts `argv` (found on PATH) in the background, its output discarded.
  pid_t spawn(const std::vector<std::string>& argv);
  // Runs `argv` to its end (at most 10 s) and returns its standard output. Throws when it
  // fails or takes longer.
  std::string run(const std::vector<std::string>& argv);
  // Starts openbox and waits until it manages the screen.
  void start_window_manager();
  struct Xterm {
    pid_t pid = 0;
    std::string window;  // the window id as xdotool prints it (decimal)
  };
  // Opens `xterm -T title` and waits until its window is mapped.
  Xterm open_xterm(const std::string& title);
  // Ends the X server (SIGTERM) and waits for it to exit.
  void stop_server();

 private:
  pid_t spawn_with_output(const std::vector<std::string>& argv, int output_fd);

  pid_t server_pid_ = 0;  // also the process group of every child
  std::string display_;
  std::vector<std::string> environment_;
  std::vector<pid_t> children_;
};

// Moves the pointer with XTestFakeMotionEvent (absolute, like remote desktop servers), which
// xdotool does not offer (its mousemove warps the pointer: no input event at all). libXtst
// is loaded at run time. False when libXtst.so.6 or the display is not there.
bool fake_absolute_motion(const std::string& display, int x, int y);

// Records what a source reports; waits for it. Thread-safe.
class RecordingSink final : public CollectorSink {
 public:
  struct Focus {
    FocusedWindow window;
    EpochMs at = 0;
  };
  struct Calls {
    std::vector<Focus> focuses;
    std::vector<EpochMs> inputs;
    std::vector<std::chrono::steady_clock::time_point> input_calls;
    std::vector<EpochMs> wakes;
  };

  void on_focus(const FocusedWindow& window, EpochMs at) override;
  void on_input(EpochMs at) override;
  void on_wake(EpochMs at) override;

  [[nodiscard]] Calls calls() const;
  // Waits until `condition` holds for the calls so far, at most `timeout`.
  bool wait_until(const std::function<bool(const Calls&)>& condition,
                  std::chrono::milliseconds timeout = 5s);
  // Waits until the latest focus report satisfies `condition`.
  bool wait_for_focus(const std::function<bool(const FocusedWindow&)>& condition,
                      std::chrono::milliseconds timeout = 5s);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Calls calls_;  // guarded by mutex_
};

// Runs source.run(sink) on its own thread from construction until stop() or destruction.
class SourceThread {
 public:
  SourceThread(DesktopSource& source, CollectorSink& sink);
  ~SourceThread();
  SourceThread(const SourceThread&) = delete;
  SourceThread& operator=(const SourceThread&) = delete;

  // Stops the source and returns what run() returned.
  Result<void> stop();
  // Waits (at most `timeout`) for run() to return by itself.
  bool wait_for_end(std::chrono::milliseconds timeout);
  [[nodiscard]] bool ended() const;
  // What run() returned; only after it ended.
  [[nodiscard]] Result<void> result() const;
  // The CPU time (user + system) the run() thread used, once it ended.
  [[nodiscard]] std::chrono::microseconds cpu_time() const;

 private:
  DesktopSource& source_;
  mutable std::mutex mutex_;
  std::condition_variable ended_changed_;
  bool ended_ = false;                     // guarded by mutex_
  Result<void> result_ = Result<void>();   // guarded by mutex_
  std::chrono::microseconds cpu_time_{0};  // guarded by mutex_
  std::thread thread_;
};

}  // namespace worktrace::agent::collect::x11::testing

// Skips a test that needs a real X server when Xvfb is not installed, except in CI (where
// scripts/deps.sh installs it), where the test fails instead: a privacy proof must not pass by
// being skipped.
#define WORKTRACE_REQUIRE_XVFB()                                                     \
  do {                                                                               \
    if (!::worktrace::agent::collect::x11::testing::XvfbSession::xvfb_installed()) { \
      if (std::getenv("CI") != nullptr) FAIL() << "Xvfb is not installed";           \
      GTEST_SKIP() << "Xvfb is not installed";                                       \
    }                                                                                \
  } while (false)
