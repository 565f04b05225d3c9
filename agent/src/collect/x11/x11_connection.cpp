#include "collect/x11/x11_connection.hpp"

#include "collect/x11/window_text.hpp"

#include <X11/Xatom.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <mutex>
#include <string_view>

namespace worktrace::agent::collect::x11 {
namespace {

int log_x_error(Display* /*display*/, XErrorEvent* error) {
  spdlog::debug("X error {} (request {}.{}, resource {:#x})", error->error_code,
                error->request_code, error->minor_code, error->resourceid);
  return 0;
}

// Xlib prints "XIO: fatal IO error" before calling the connection's exit handler; the loss is
// reported through Connection::lost() instead.
int quiet_io_error(Display* /*display*/) { return 0; }

std::string host_name() {
  std::array<char, HOST_NAME_MAX + 1> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return {};
  return name.data();
}

// WM_CLIENT_MACHINE names this host: the same name, or one the other's domain-qualified form
// ("vm" and "vm.example.com").
bool is_this_host(std::string_view machine) {
  const std::string host = host_name();
  const auto qualifies = [](std::string_view longer, std::string_view shorter) {
    return longer.size() > shorter.size() && longer.starts_with(shorter) &&
           longer[shorter.size()] == '.';
  };
  return machine == host || qualifies(machine, host) || qualifies(host, machine);
}

}  // namespace

void DisplayCloser::operator()(Display* display) const { XCloseDisplay(display); }

std::unique_ptr<Connection> Connection::open(const std::string& display_name) {
  static std::once_flag handlers_installed;
  std::call_once(handlers_installed, [] {
    XSetErrorHandler(log_x_error);
    XSetIOErrorHandler(quiet_io_error);
  });
  Display* display = XOpenDisplay(display_name.empty() ? nullptr : display_name.c_str());
  if (display == nullptr) return nullptr;
  auto connection = std::make_unique<Connection>(Private{});
  connection->display_.reset(display);
  XSetIOErrorExitHandler(display, &Connection::on_connection_lost, connection.get());
  return connection;
}

void Connection::on_connection_lost(Display* /*display*/, void* self) {
  static_cast<Connection*>(self)->lost_.store(true);
}

Atoms::Atoms(Display* display)
    : net_active_window(XInternAtom(display, "_NET_ACTIVE_WINDOW", False)),
      net_supporting_wm_check(XInternAtom(display, "_NET_SUPPORTING_WM_CHECK", False)),
      net_supported(XInternAtom(display, "_NET_SUPPORTED", False)),
      net_wm_name(XInternAtom(display, "_NET_WM_NAME", False)),
      net_wm_pid(XInternAtom(display, "_NET_WM_PID", False)) {}

std::optional<Property> read_property(Display* display, Window window, Atom property,
                                      std::size_t max_bytes) {
  Property result;
  unsigned long item_count = 0;
  unsigned long bytes_after = 0;
  unsigned char* data = nullptr;
  const long max_units = static_cast<long>((max_bytes + 3) / 4);  // 32-bit units
  if (XGetWindowProperty(display, window, property, 0, max_units, False, AnyPropertyType,
                         &result.type, &result.format, &item_count, &bytes_after,
                         &data) != Success) {
    return std::nullopt;
  }
  const std::unique_ptr<unsigned char, int (*)(void*)> owned(data, XFree);
  result.cut_short = bytes_after > 0;
  if (data == nullptr) return result;
  if (result.format == 8) {
    result.bytes.assign(reinterpret_cast<const char*>(data), item_count);
  } else if (result.format == 32) {
    const auto* items = reinterpret_cast<const long*>(data);
    result.items.assign(items, items + item_count);
  }
  return result;
}

std::optional<Window> read_window_property(Display* display, Window window, Atom property) {
  const std::optional<Property> value = read_property(display, window, property, 4);
  if (!value || value->type != XA_WINDOW || value->items.empty() || value->items[0] == None) {
    return std::nullopt;
  }
  return static_cast<Window>(value->items[0]);
}

bool has_wm_class(Display* display, Window window) {
  const std::optional<Property> wm_class = read_property(display, window, XA_WM_CLASS, 4);
  return wm_class && wm_class->type != None;
}

FocusedWindow read_window(Display* display, const Atoms& atoms, Window window) {
  FocusedWindow result;
  // Enough for a long instance name before the class.
  const std::optional<Property> wm_class = read_property(display, window, XA_WM_CLASS, 1024);
  if (!wm_class) return result;  // the window is gone
  if (wm_class->format == 8) {
    result.app = window_text(wm_class_name(wm_class->bytes), wm_class->cut_short, kMaxAppBytes);
  }
  for (const Atom name : {atoms.net_wm_name, XA_WM_NAME}) {
    const std::optional<Property> title = read_property(display, window, name, kMaxTitleBytes);
    if (title && title->format == 8 && !title->bytes.empty()) {
      result.title = window_text(title->bytes, title->cut_short, kMaxTitleBytes);
      break;
    }
  }
  const std::optional<Property> pid = read_property(display, window, atoms.net_wm_pid, 4);
  if (!pid || pid->type != XA_CARDINAL || pid->items.empty() || pid->items[0] <= 0) {
    return result;
  }
  // _NET_WM_PID is a process on the client's machine, which need not be this one.
  const std::optional<Property> machine =
      read_property(display, window, XA_WM_CLIENT_MACHINE, HOST_NAME_MAX + 1);
  if (machine && machine->format == 8 && !machine->bytes.empty() &&
      !is_this_host(std::string_view(machine->bytes).substr(0, machine->bytes.find('\0')))) {
    return result;
  }
  result.pid = pid->items[0];
  result.exe = executable_of(result.pid);
  return result;
}

std::string executable_of(std::int64_t pid) {
  const std::string link = "/proc/" + std::to_string(pid) + "/exe";
  std::array<char, PATH_MAX> target{};
  const ssize_t length = ::readlink(link.c_str(), target.data(), target.size());
  if (length <= 0 || static_cast<std::size_t>(length) >= target.size()) return {};
  std::string_view path(target.data(), static_cast<std::size_t>(length));
  // A running program whose file was replaced (an upgrade) still names that program.
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.ends_with(kDeleted)) path.remove_suffix(kDeleted.size());
  return window_text(path, false, kMaxExeBytes);
}

}  // namespace worktrace::agent::collect::x11
