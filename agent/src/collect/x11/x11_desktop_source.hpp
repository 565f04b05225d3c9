#pragma once

#include "collect/sources.hpp"
#include "collect/x11/input_tally.hpp"
#include "core/clock.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace worktrace::agent::collect {

namespace x11 {
class Connection;
}  // namespace x11

// The DesktopSource of an X11 session (Xlib; XInput2 raw events, EWMH, XScreenSaver, RandR).
// run() owns one connection: it follows the focused window (x11::FocusTracker) and counts input
// (x11::RawInput) until stop(); between events and wake-ups it sleeps in poll() on that
// connection and an eventfd. idle_ms() and screens() use a second connection, guarded by a
// mutex and opened again after the server came back. Timestamps given to the sink come from
// `clock` and never go backwards within one run(). Thread-safety: as DesktopSource; one run()
// at a time; destroy the source only after run() has returned.
class X11DesktopSource final : public DesktopSource {
 public:
  // `clock` must outlive the source. `display_name` empty: $DISPLAY.
  explicit X11DesktopSource(const Clock& clock, std::string display_name = {});
  ~X11DesktopSource() override;
  X11DesktopSource(const X11DesktopSource&) = delete;
  X11DesktopSource& operator=(const X11DesktopSource&) = delete;

  // Errc::unavailable when the display cannot be opened, lacks XInput 2.1, or closes the
  // connection (the server exited): Xlib's exit() is disarmed, so the caller may run() again
  // later. After stop() it returns at once, and returns at once when called again.
  [[nodiscard]] Result<void> run(CollectorSink& sink) override;
  void stop() override;
  void wake_at(EpochMs at) override;
  [[nodiscard]] InputCounts take_counts() override;
  // XScreenSaver's idle time; without it (or without the display), the time since the last
  // input run() saw (or since the source was made).
  [[nodiscard]] std::int64_t idle_ms() override;
  // RandR 1.5 monitors (at most protocol::kMaxScreens); without them the whole screen as one;
  // empty without the display.
  [[nodiscard]] std::vector<protocol::Screen> screens() override;

 private:
  // Consumes a due wake-up request.
  [[nodiscard]] bool take_due_wake(EpochMs now);
  [[nodiscard]] std::optional<EpochMs> requested_wake();
  void interrupt_poll() const;
  // The idle/screens connection; nullptr when the display is not there. Needs query_mutex_.
  x11::Connection* query_connection();

  const Clock& clock_;
  const std::string display_name_;
  const int wake_fd_;  // an eventfd: stop() and wake_at() interrupt run()'s poll()
  std::atomic<bool> stop_requested_{false};
  std::atomic<EpochMs> last_input_ms_;
  x11::InputTally tally_;

  std::mutex wake_mutex_;
  // Guarded by wake_mutex_:
  std::optional<EpochMs> wake_at_;

  std::mutex query_mutex_;
  // Guarded by query_mutex_:
  std::unique_ptr<x11::Connection> query_connection_;
};

}  // namespace worktrace::agent::collect
