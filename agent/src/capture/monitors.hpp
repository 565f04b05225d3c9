#pragma once

#include "capture/frame.hpp"

#include <vector>

namespace worktrace::agent::collect::x11 {
class Connection;
}

namespace worktrace::agent::capture {

// The most monitors captured (protocol::kMaxMonitors).
inline constexpr int kMaxCapturedMonitors = 16;

// The active RandR 1.5 monitors of the connection's screen, in the server's order, at most
// kMaxCapturedMonitors, as RandR reports them (not clipped to the screen). Empty when the
// server has no RandR 1.5 or reports no monitor: callers then capture the whole screen.
[[nodiscard]] std::vector<Rect> list_monitors(collect::x11::Connection& connection);

}  // namespace worktrace::agent::capture
