#include "collect/x11/x11_desktop_source.hpp"

#include "collect/linux_parsers.hpp"
#include "collect/x11/focus_tracker.hpp"
#include "collect/x11/raw_input.hpp"
#include "collect/x11/x11_connection.hpp"

#include <X11/extensions/Xrandr.h>
#include <X11/extensions/scrnsaver.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace worktrace::agent::collect {
namespace {

int make_eventfd() {
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  return fd;
}

// poll()'s timeout until `deadline`: -1 (none) to sleep until an event.
int timeout_until(std::optional<EpochMs> deadline, EpochMs now) {
  if (!deadline) return -1;
  return static_cast<int>(std::clamp<EpochMs>(*deadline - now, 0, 24 * 3600 * 1000));
}

std::optional<EpochMs> earliest(std::optional<EpochMs> a, std::optional<EpochMs> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

X11DesktopSource::X11DesktopSource(const Clock& clock, std::string display_name)
    : clock_(clock),
      display_name_(std::move(display_name)),
      wake_fd_(make_eventfd()),
      last_input_ms_(clock.now_ms()) {}

X11DesktopSource::~X11DesktopSource() { ::close(wake_fd_); }

Result<void> X11DesktopSource::run(CollectorSink& sink) {
  if (stop_requested_.load()) return {};
  const std::unique_ptr<x11::Connection> connection = x11::Connection::open(display_name_);
  if (!connection) {
    return fail(Errc::unavailable,
                "cannot open the X display " +
                    (display_name_.empty() ? std::string("named by $DISPLAY") : display_name_));
  }
  Display* display = connection->display();
  Result<std::unique_ptr<x11::RawInput>> raw_input = x11::RawInput::start(display, tally_);
  if (!raw_input) return raw_input.error();
  x11::FocusTracker focus(display);
  x11::InputPacer pacer;
  EpochMs last_stamp = 0;
  const auto stamp = [&](EpochMs at) { return last_stamp = std::max(last_stamp, at); };
  const auto lost = [] { return fail(Errc::unavailable, "the X display closed the connection"); };

  sink.on_focus(focus.start(), stamp(clock_.now_ms()));
  for (;;) {
    while (!connection->lost() && !stop_requested_.load() && XPending(display) > 0) {
      XEvent event;
      XNextEvent(display, &event);
      if ((*raw_input)->handle(event)) {
        const EpochMs now = clock_.now_ms();
        last_input_ms_.store(now);
        if (pacer.input(now)) sink.on_input(stamp(now));
      } else if (std::optional<FocusedWindow> window = focus.handle(event)) {
        sink.on_focus(*window, stamp(clock_.now_ms()));
      }
    }
    if (connection->lost()) return lost();
    if (stop_requested_.load()) return {};
    EpochMs now = clock_.now_ms();
    if (const std::optional<EpochMs> held = pacer.take_due(now)) sink.on_input(stamp(*held));
    if (take_due_wake(now)) sink.on_wake(stamp(now));

    XFlush(display);
    now = clock_.now_ms();
    pollfd fds[] = {{ConnectionNumber(display), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int timeout_ms = timeout_until(earliest(pacer.due(), requested_wake()), now);
    if (::poll(fds, 2, timeout_ms) < 0 && errno != EINTR) {
      return fail(Errc::io_error, std::string("poll: ") + std::strerror(errno));
    }
    if ((fds[1].revents & POLLIN) != 0) {
      eventfd_t ignored = 0;
      (void)::eventfd_read(wake_fd_, &ignored);
    }
    if ((fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
      (void)XPending(display);  // lets Xlib see the end and drop what it held
      return lost();
    }
  }
}

void X11DesktopSource::stop() {
  stop_requested_.store(true);
  interrupt_poll();
}

void X11DesktopSource::wake_at(EpochMs at) {
  {
    const std::lock_guard lock(wake_mutex_);
    wake_at_ = at;
  }
  interrupt_poll();
}

bool X11DesktopSource::take_due_wake(EpochMs now) {
  const std::lock_guard lock(wake_mutex_);
  if (!wake_at_ || *wake_at_ > now) return false;
  wake_at_.reset();
  return true;
}

std::optional<EpochMs> X11DesktopSource::requested_wake() {
  const std::lock_guard lock(wake_mutex_);
  return wake_at_;
}

void X11DesktopSource::interrupt_poll() const { (void)::eventfd_write(wake_fd_, 1); }

InputCounts X11DesktopSource::take_counts() { return tally_.take(); }

x11::Connection* X11DesktopSource::query_connection() {
  if (query_connection_ && query_connection_->lost()) query_connection_.reset();
  if (!query_connection_) query_connection_ = x11::Connection::open(display_name_);
  return query_connection_.get();
}

std::int64_t X11DesktopSource::idle_ms() {
  {
    const std::lock_guard lock(query_mutex_);
    if (x11::Connection* connection = query_connection()) {
      Display* display = connection->display();
      int event_base = 0;
      int error_base = 0;
      if (XScreenSaverQueryExtension(display, &event_base, &error_base)) {
        const std::unique_ptr<XScreenSaverInfo, int (*)(void*)> info(XScreenSaverAllocInfo(),
                                                                     XFree);
        if (info && XScreenSaverQueryInfo(display, connection->root(), info.get()) != 0) {
          return static_cast<std::int64_t>(info->idle);
        }
      }
    }
  }
  return std::max<std::int64_t>(0, clock_.now_ms() - last_input_ms_.load());
}

std::vector<protocol::Screen> X11DesktopSource::screens() {
  const std::lock_guard lock(query_mutex_);
  x11::Connection* connection = query_connection();
  if (connection == nullptr) return {};
  Display* display = connection->display();
  std::vector<protocol::Screen> screens;
  int event_base = 0;
  int error_base = 0;
  int major = 0;
  int minor = 0;
  if (XRRQueryExtension(display, &event_base, &error_base) &&
      XRRQueryVersion(display, &major, &minor) && major * 100 + minor >= 105) {
    int count = 0;
    XRRMonitorInfo* monitors = XRRGetMonitors(display, connection->root(), True, &count);
    for (int monitor_idx = 0; monitor_idx < count; ++monitor_idx) {
      if (screens.size() == protocol::kMaxScreens) break;
      const XRRMonitorInfo& monitor = monitors[monitor_idx];
      protocol::Screen screen{.name = "screen",
                              .x = monitor.x,
                              .y = monitor.y,
                              .width = monitor.width,
                              .height = monitor.height,
                              .primary = monitor.primary != 0};
      if (char* name = monitor.name != None ? XGetAtomName(display, monitor.name) : nullptr) {
        screen.name = clean_text(name, protocol::kMaxDeviceTextBytes);
        XFree(name);
      }
      screens.push_back(std::move(screen));
    }
    if (monitors != nullptr) XRRFreeMonitors(monitors);
  }
  if (screens.empty() && !connection->lost()) {
    // The root's size now (Xlib's DisplayWidth is only what it was at connection time).
    Window root_return = None;
    int x = 0;
    int y = 0;
    unsigned int width = 0;
    unsigned int height = 0;
    unsigned int border = 0;
    unsigned int depth = 0;
    if (XGetGeometry(display, connection->root(), &root_return, &x, &y, &width, &height, &border,
                     &depth) != 0) {
      screens.push_back({.name = "screen", .width = width, .height = height, .primary = true});
    }
  }
  return screens;
}

}  // namespace worktrace::agent::collect
