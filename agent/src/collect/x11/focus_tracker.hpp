#pragma once

#include "collect/sources.hpp"
#include "collect/x11/x11_connection.hpp"

#include <optional>

namespace worktrace::agent::collect::x11 {

// Follows the focused window on the event loop's connection: EWMH's _NET_ACTIVE_WINDOW while
// a window manager supports it (_NET_SUPPORTING_WM_CHECK, _NET_SUPPORTED), else the X input
// focus (FocusIn/FocusOut on every top-level window, learnt through SubstructureNotify on the
// root). Watches the focused window's WM_CLASS, titles and _NET_WM_PID. Owns the core event
// mask of the root window on its connection. Not thread-safe: the event loop's thread only.
class FocusTracker {
 public:
  // `display` must outlive the tracker.
  explicit FocusTracker(Display* display);

  // Selects the events it needs and returns the focused window now (empty when none).
  [[nodiscard]] FocusedWindow start();
  // Handles `event`: the focused window when it changed (another window, or new text of the
  // same one), else nullopt.
  [[nodiscard]] std::optional<FocusedWindow> handle(const XEvent& event);
  // True while a window manager says which window is active (EWMH); false: input focus.
  [[nodiscard]] bool follows_window_manager() const { return mode_ == Mode::ewmh; }

 private:
  enum class Mode { none, ewmh, input_focus };

  // Finds the focused window and reads it; `detect`: first see whether an EWMH window manager
  // runs (it started, stopped or was replaced).
  std::optional<FocusedWindow> refresh(bool detect);
  [[nodiscard]] Mode detect_mode();
  void enter(Mode mode);
  [[nodiscard]] Window input_focus_window() const;
  void watch(Window window);
  std::optional<FocusedWindow> report(FocusedWindow window);

  Display* display_;
  Window root_;
  Atoms atoms_;
  Mode mode_ = Mode::none;
  Window wm_check_ = None;  // the EWMH window manager's check window, watched for its end
  Window watched_ = None;   // the focused window
  FocusedWindow current_;
  bool reported_ = false;
};

}  // namespace worktrace::agent::collect::x11
