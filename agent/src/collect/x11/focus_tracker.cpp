#include "collect/x11/focus_tracker.hpp"

#include <X11/Xatom.h>

#include <algorithm>
#include <utility>

namespace worktrace::agent::collect::x11 {
namespace {

// What is selected on every top-level window while following the input focus.
constexpr long kTopLevelMask = FocusChangeMask | PropertyChangeMask;
// Bounds the walk from a focused subwindow up to its application's window.
constexpr int kMaxTreeDepth = 32;

}  // namespace

FocusTracker::FocusTracker(Display* display)
    : display_(display), root_(DefaultRootWindow(display)), atoms_(display) {}

FocusedWindow FocusTracker::start() {
  (void)refresh(true);
  reported_ = true;
  return current_;
}

std::optional<FocusedWindow> FocusTracker::handle(const XEvent& event) {
  switch (event.type) {
    case PropertyNotify: {
      const XPropertyEvent& property = event.xproperty;
      if (property.window == root_) {
        if (property.atom == atoms_.net_supporting_wm_check) return refresh(true);
        if (property.atom == atoms_.net_active_window) return refresh(mode_ != Mode::ewmh);
        return std::nullopt;
      }
      const Atom atom = property.atom;
      if (property.window == watched_ && (atom == atoms_.net_wm_name || atom == XA_WM_NAME ||
                                          atom == XA_WM_CLASS || atom == atoms_.net_wm_pid)) {
        return report(read_window(display_, atoms_, watched_));
      }
      return std::nullopt;
    }
    case DestroyNotify:
      if (event.xdestroywindow.window == wm_check_) {
        wm_check_ = None;
        return refresh(true);
      }
      if (mode_ == Mode::input_focus && event.xdestroywindow.window == watched_) {
        return refresh(false);
      }
      return std::nullopt;
    case CreateNotify:
      // A new top-level window may take the focus: watch it, then look (it may have already).
      if (mode_ == Mode::input_focus && event.xcreatewindow.parent == root_ &&
          !event.xcreatewindow.override_redirect) {
        XSelectInput(display_, event.xcreatewindow.window, kTopLevelMask);
        return refresh(false);
      }
      return std::nullopt;
    case ReparentNotify:
      if (mode_ == Mode::input_focus && event.xreparent.parent == root_) {
        XSelectInput(display_, event.xreparent.window, kTopLevelMask);
        return refresh(false);
      }
      return std::nullopt;
    case FocusIn:
    case FocusOut:
      if (mode_ == Mode::input_focus) return refresh(false);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<FocusedWindow> FocusTracker::refresh(bool detect) {
  if (detect) enter(detect_mode());
  Window focused = None;
  if (mode_ == Mode::ewmh) {
    focused = read_window_property(display_, root_, atoms_.net_active_window).value_or(None);
  } else {
    focused = input_focus_window();
  }
  watch(focused);
  return report(focused == None ? FocusedWindow{} : read_window(display_, atoms_, focused));
}

FocusTracker::Mode FocusTracker::detect_mode() {
  // EWMH: the root names a check window that names itself, and the manager supports
  // _NET_ACTIVE_WINDOW. A stale property of a manager that died fails the self-reference.
  const std::optional<Window> check =
      read_window_property(display_, root_, atoms_.net_supporting_wm_check);
  if (!check || read_window_property(display_, *check, atoms_.net_supporting_wm_check) != *check) {
    return Mode::input_focus;
  }
  const std::optional<Property> supported =
      read_property(display_, root_, atoms_.net_supported, 4096);
  if (!supported ||
      std::find(supported->items.begin(), supported->items.end(),
                static_cast<long>(atoms_.net_active_window)) == supported->items.end()) {
    return Mode::input_focus;
  }
  if (*check != wm_check_) {
    wm_check_ = *check;
    XSelectInput(display_, wm_check_, StructureNotifyMask);
  }
  return Mode::ewmh;
}

void FocusTracker::enter(Mode mode) {
  if (mode == mode_) return;
  mode_ = mode;
  if (mode == Mode::ewmh) {
    XSelectInput(display_, root_, PropertyChangeMask);
    return;
  }
  XSelectInput(display_, root_, PropertyChangeMask | SubstructureNotifyMask | FocusChangeMask);
  Window root_return = None;
  Window parent = None;
  Window* children = nullptr;
  unsigned int child_count = 0;
  if (XQueryTree(display_, root_, &root_return, &parent, &children, &child_count) == 0) return;
  for (unsigned int child_idx = 0; child_idx < child_count; ++child_idx) {
    XSelectInput(display_, children[child_idx], kTopLevelMask);
  }
  if (children != nullptr) XFree(children);
}

Window FocusTracker::input_focus_window() const {
  Window focus = None;
  int revert_to = 0;
  XGetInputFocus(display_, &focus, &revert_to);
  // The focus may be on a subwindow: the application's window is the nearest with WM_CLASS.
  Window window = focus;
  for (int depth = 0; depth < kMaxTreeDepth; ++depth) {
    if (window == None || window == PointerRoot || window == root_) return None;
    if (has_wm_class(display_, window)) return window;
    Window root_return = None;
    Window parent = None;
    Window* children = nullptr;
    unsigned int child_count = 0;
    if (XQueryTree(display_, window, &root_return, &parent, &children, &child_count) == 0) {
      return None;
    }
    if (children != nullptr) XFree(children);
    window = parent;
  }
  return None;
}

void FocusTracker::watch(Window window) {
  // Selected again even when the id is the one already watched: X reuses the ids of destroyed
  // windows, and a new window under an old id carries none of our selection (its title
  // changes would go unseen).
  if (mode_ == Mode::ewmh) {
    // Errors for a window that is already gone are expected and ignored.
    if (watched_ != None && watched_ != window) XSelectInput(display_, watched_, NoEventMask);
    if (window != None) XSelectInput(display_, window, PropertyChangeMask);
  } else if (window != None) {
    XSelectInput(display_, window, kTopLevelMask);
  }
  watched_ = window;
}

std::optional<FocusedWindow> FocusTracker::report(FocusedWindow window) {
  if (reported_ && window == current_) return std::nullopt;
  current_ = std::move(window);
  return current_;
}

}  // namespace worktrace::agent::collect::x11
