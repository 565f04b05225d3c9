#include "capture/monitors.hpp"

#include "collect/x11/x11_connection.hpp"

#include <X11/extensions/Xrandr.h>

#include <memory>

namespace worktrace::agent::capture {

std::vector<Rect> list_monitors(collect::x11::Connection& connection) {
  std::vector<Rect> monitors;
  if (connection.lost()) return monitors;
  Display* display = connection.display();
  int event_base = 0;
  int error_base = 0;
  int major = 0;
  int minor = 0;
  if (!XRRQueryExtension(display, &event_base, &error_base) ||
      !XRRQueryVersion(display, &major, &minor) || major * 100 + minor < 105) {
    return monitors;
  }
  int count = 0;
  const std::unique_ptr<XRRMonitorInfo, void (*)(XRRMonitorInfo*)> infos(
      XRRGetMonitors(display, connection.root(), True, &count), XRRFreeMonitors);
  if (!infos) return monitors;
  for (int monitor_idx = 0; monitor_idx < count; ++monitor_idx) {
    if (static_cast<int>(monitors.size()) == kMaxCapturedMonitors) break;
    const XRRMonitorInfo& info = infos.get()[monitor_idx];
    if (info.width <= 0 || info.height <= 0) continue;
    monitors.push_back({info.x, info.y, info.width, info.height});
  }
  return monitors;
}

}  // namespace worktrace::agent::capture
