#pragma once

#include "collect/sources.hpp"

#include <X11/Xlib.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Xlib without its fatal paths, and what a window says about itself. Includes Xlib.h: keep
// this header out of headers that others include.
namespace worktrace::agent::collect::x11 {

struct DisplayCloser {
  void operator()(Display* display) const;
};
using DisplayPtr = std::unique_ptr<Display, DisplayCloser>;

// One Xlib connection whose failure does not end the process. Process-wide (once): X protocol
// errors are logged at debug level and otherwise ignored, since windows vanish between two
// requests and every read here checks its result; Xlib's I/O error message is silenced. Per
// connection: when the server goes away, lost() becomes true instead of Xlib calling exit();
// every later call on the connection then fails quickly. A connection is used by one thread
// at a time (Xlib 1.8 locks the display anyway).
class Connection {
  struct Private {
    explicit Private() = default;
  };

 public:
  // nullptr when the display cannot be opened. `display_name` empty: $DISPLAY.
  [[nodiscard]] static std::unique_ptr<Connection> open(const std::string& display_name);

  explicit Connection(Private) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] Display* display() const { return display_.get(); }
  [[nodiscard]] Window root() const { return DefaultRootWindow(display_.get()); }
  // The connection broke (the server exited or the socket closed).
  [[nodiscard]] bool lost() const { return lost_.load(); }

 private:
  static void on_connection_lost(Display* display, void* self);

  std::atomic<bool> lost_{false};
  DisplayPtr display_;
};

// The EWMH atoms used here (ICCCM's are predefined: XA_WM_CLASS, XA_WM_NAME, ...).
struct Atoms {
  explicit Atoms(Display* display);

  Atom net_active_window, net_supporting_wm_check, net_supported, net_wm_name, net_wm_pid;
};

// A property's value, read up to a bound.
struct Property {
  Atom type = None;
  int format = 0;           // 8, 16 or 32
  std::vector<long> items;  // format 32: one long per item, as Xlib returns them
  std::string bytes;        // format 8
  bool cut_short = false;   // the property is longer than what was read
};

// Reads `property` of `window`, at most `max_bytes` of it. nullopt when the request failed
// (the window vanished: no error); `type` None when the window has no such property.
[[nodiscard]] std::optional<Property> read_property(Display* display, Window window, Atom property,
                                                    std::size_t max_bytes);

// A WINDOW property's window (e.g. _NET_ACTIVE_WINDOW); nullopt when absent, empty or None.
[[nodiscard]] std::optional<Window> read_window_property(Display* display, Window window,
                                                         Atom property);

// What `window` says about itself: WM_CLASS's class as app, _NET_WM_NAME else WM_NAME as title,
// _NET_WM_PID and its /proc/PID/exe (only when WM_CLIENT_MACHINE, if set, is this host), all
// bounded as the wire requires. A window that vanished reads as an empty FocusedWindow.
[[nodiscard]] FocusedWindow read_window(Display* display, const Atoms& atoms, Window window);

// True when `window` carries WM_CLASS (it is an application's window, not a frame).
[[nodiscard]] bool has_wm_class(Display* display, Window window);

// The executable of process `pid` (/proc/PID/exe), at most kMaxExeBytes; empty when unknown.
[[nodiscard]] std::string executable_of(std::int64_t pid);

}  // namespace worktrace::agent::collect::x11
