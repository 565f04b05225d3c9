#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "protocol/device_info.hpp"

#include <cstdint>
#include <string>
#include <vector>

// The platform seams of the desktop collectors. X11 implements them in collect/x11/; Windows
// and Wayland can follow behind the same interfaces. Nothing here carries which key was
// pressed or what was typed: input reaches the rest of the agent only as counts.
namespace worktrace::agent::collect {

// The window that has the keyboard focus.
struct FocusedWindow {
  std::string app;    // the application's name: WM_CLASS's class part, e.g. "XTerm"
  std::string exe;    // the executable: /proc/<pid>/exe of _NET_WM_PID; empty when unknown
  std::string title;  // _NET_WM_NAME (UTF-8), else WM_NAME
  std::int64_t pid = 0;

  bool operator==(const FocusedWindow&) const = default;
};

// Input since the last take: counts only.
struct InputCounts {
  std::int64_t keys = 0;         // key presses
  std::int64_t clicks = 0;       // button presses other than scrolling
  std::int64_t scrolls = 0;      // scroll steps (wheel notches, either axis)
  std::int64_t distance_px = 0;  // pointer travel in screen pixels, rounded

  bool operator==(const InputCounts&) const = default;
};

// Receives what a DesktopSource observes. Called on the source's own thread (the one in
// DesktopSource::run), one call at a time.
class CollectorSink {
 public:
  virtual ~CollectorSink() = default;
  // The focused window changed, or its title did. Also called once when run() starts (an
  // empty FocusedWindow when nothing has focus).
  virtual void on_focus(const FocusedWindow& window, EpochMs at) = 0;
  // There was input (any kind); at most about once a second while input goes on.
  virtual void on_input(EpochMs at) = 0;
  // A time asked for with DesktopSource::wake_at has come.
  virtual void on_wake(EpochMs at) = 0;
};

// A desktop session's event source. Event-driven: between events and requested wake-ups it
// sleeps in poll(), using no CPU.
class DesktopSource {
 public:
  virtual ~DesktopSource() = default;
  // Runs the event loop on the calling thread until stop(). Fails (Errc::unavailable) when
  // the display cannot be opened or lacks a needed extension; the message says which.
  [[nodiscard]] virtual Result<void> run(CollectorSink& sink) = 0;
  // Makes run() return. Thread-safe.
  virtual void stop() = 0;
  // Calls sink.on_wake at or soon after `at`; a later call replaces the request. Thread-safe.
  virtual void wake_at(EpochMs at) = 0;
  // The counts since the previous take, then zero. Thread-safe.
  [[nodiscard]] virtual InputCounts take_counts() = 0;
  // Milliseconds since the last input, as the display server sees it. Thread-safe.
  [[nodiscard]] virtual std::int64_t idle_ms() = 0;
  // The monitors of the desktop now. Thread-safe.
  [[nodiscard]] virtual std::vector<protocol::Screen> screens() = 0;
};

}  // namespace worktrace::agent::collect
