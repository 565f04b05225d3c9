#include "collect/x11/testing/xvfb_session.hpp"

#include "collect/x11/x11_connection.hpp"

#include <X11/Xatom.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace worktrace::agent::collect::x11::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string joined(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

// Reads `fd` until end of file or, when `until_newline`, the first line; at most `timeout`.
std::string read_all(int fd, bool until_newline, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string text;
  for (;;) {
    if (until_newline && text.find('\n') != std::string::npos) return text;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) throw std::runtime_error("timed out reading a child's output");
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return text;
    text.append(buffer, static_cast<std::size_t>(count));
  }
}

// Waits for `pid` to exit, at most `timeout`; true when it did.
bool reap(pid_t pid, std::chrono::milliseconds timeout, int* status = nullptr) {
  const auto deadline = Clock::now() + timeout;
  int ignored = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, status != nullptr ? status : &ignored, WNOHANG);
    if (done == pid || (done < 0 && errno == ECHILD)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
}

}  // namespace

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

bool XvfbSession::xvfb_installed() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const std::string_view dir = dirs.substr(0, dirs.find(':'));
    if (::access((std::string(dir) + "/Xvfb").c_str(), X_OK) == 0) return true;
    dirs.remove_prefix(std::min(dirs.size(), dir.size() + 1));
  }
  return false;
}

XvfbSession::XvfbSession(Options options) {
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "DISPLAY=", 8) != 0) environment_.emplace_back(*entry);
  }
  int display_pipe[2];
  if (::pipe2(display_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  int child_fd = 9;  // where Xvfb writes its display number; any fd the pipe does not use
  while (child_fd == display_pipe[0] || child_fd == display_pipe[1]) ++child_fd;
  std::vector<std::string> argv{"Xvfb",         "-screen",    "0",
                                "1280x1024x24", "-nolisten",  "tcp",
                                "-noreset",     "-displayfd", std::to_string(child_fd)};
  if (!options.shared_memory) argv.insert(argv.end(), {"-extension", "MIT-SHM"});
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, display_pipe[1], child_fd);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);  // a new group: the session's
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int spawned =
      ::posix_spawnp(&server_pid_, "Xvfb", &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(display_pipe[1]);
  if (spawned != 0) {
    ::close(display_pipe[0]);
    throw std::runtime_error(std::string("cannot start Xvfb: ") + std::strerror(spawned));
  }
  children_.push_back(server_pid_);
  std::string number;
  try {
    number = read_all(display_pipe[0], true, 10s);
  } catch (...) {
    ::close(display_pipe[0]);
    throw;
  }
  ::close(display_pipe[0]);
  number = number.substr(0, number.find('\n'));
  if (number.empty()) throw std::runtime_error("Xvfb did not say its display");
  display_ = ":" + number;
  environment_.push_back("DISPLAY=" + display_);
  if (options.window_manager) start_window_manager();
}

XvfbSession::~XvfbSession() {
  ::kill(-server_pid_, SIGTERM);
  bool all_ended = true;
  for (const pid_t child : children_) all_ended = reap(child, 2s) && all_ended;
  if (!all_ended) {
    ::kill(-server_pid_, SIGKILL);
    for (const pid_t child : children_) (void)reap(child, 2s);
  }
}

pid_t XvfbSession::spawn(const std::vector<std::string>& argv) {
  return spawn_with_output(argv, -1);
}

pid_t XvfbSession::spawn_with_output(const std::vector<std::string>& argv, int output_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (output_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, server_pid_);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (std::string& entry : environment_) env.push_back(entry.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      ::posix_spawnp(&pid, argv.front().c_str(), &actions, &attributes, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    throw std::runtime_error("cannot start " + joined(argv) + ": " + std::strerror(spawned));
  }
  children_.push_back(pid);
  return pid;
}

std::string XvfbSession::run(const std::vector<std::string>& argv) {
  int output[2];
  if (::pipe2(output, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_t pid = 0;
  try {
    pid = spawn_with_output(argv, output[1]);
  } catch (...) {
    ::close(output[0]);
    ::close(output[1]);
    throw;
  }
  ::close(output[1]);
  std::string text;
  try {
    text = read_all(output[0], false, 10s);
  } catch (...) {
    ::close(output[0]);
    ::kill(pid, SIGKILL);
    throw std::runtime_error(joined(argv) + " took longer than 10 s");
  }
  ::close(output[0]);
  int status = 0;
  if (!reap(pid, 10s, &status)) {
    ::kill(pid, SIGKILL);
    throw std::runtime_error(joined(argv) + " did not exit");
  }
  children_.erase(std::remove(children_.begin(), children_.end(), pid), children_.end());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(joined(argv) + " failed");
  }
  return text;
}

void XvfbSession::start_window_manager() {
  spawn({"openbox"});
  const std::unique_ptr<Connection> connection = Connection::open(display_);
  if (!connection) throw std::runtime_error("cannot connect to " + display_);
  // openbox sets its check window early in its start-up and _NET_CLIENT_LIST last: a window
  // mapped in between is shown only after seconds.
  const Atom client_list = XInternAtom(connection->display(), "_NET_CLIENT_LIST", False);
  const bool managed = eventually(
      [&] {
        const std::optional<Property> clients =
            read_property(connection->display(), connection->root(), client_list, 4);
        return clients && clients->type != None;
      },
      10s);
  if (!managed) throw std::runtime_error("openbox did not start");
}

namespace {

// A viewable window named `title` at or below `window` (clients sit in frames); None if none.
Window find_viewable(Display* display, Window window, const std::string& title, int depth) {
  const std::optional<Property> name = read_property(display, window, XA_WM_NAME, 1024);
  XWindowAttributes attributes{};
  if (name && name->bytes == title && XGetWindowAttributes(display, window, &attributes) != 0 &&
      attributes.map_state == IsViewable) {
    return window;
  }
  if (depth == 0) return None;
  Window root_return = None;
  Window parent = None;
  Window* children = nullptr;
  unsigned int child_count = 0;
  if (XQueryTree(display, window, &root_return, &parent, &children, &child_count) == 0) {
    return None;
  }
  Window found = None;
  for (unsigned int child_idx = 0; child_idx < child_count && found == None; ++child_idx) {
    found = find_viewable(display, children[child_idx], title, depth - 1);
  }
  if (children != nullptr) XFree(children);
  return found;
}

}  // namespace

XvfbSession::Xterm XvfbSession::open_xterm(const std::string& title) {
  Xterm xterm;
  xterm.pid = spawn({"xterm", "-T", title});
  // Not `xdotool search --sync`: it polls slowly (seconds).
  const std::unique_ptr<Connection> connection = Connection::open(display_);
  if (!connection) throw std::runtime_error("cannot connect to " + display_);
  Window window = None;
  const bool shown = eventually(
      [&] {
        window = find_viewable(connection->display(), connection->root(), title, 3);
        return window != None;
      },
      10s);
  if (!shown) throw std::runtime_error("no window for xterm " + title);
  xterm.window = std::to_string(window);
  return xterm;
}

void XvfbSession::stop_server() {
  ::kill(server_pid_, SIGTERM);
  if (!reap(server_pid_, 5s)) {
    ::kill(server_pid_, SIGKILL);
    (void)reap(server_pid_, 5s);
  }
  children_.erase(std::remove(children_.begin(), children_.end(), server_pid_), children_.end());
}

bool fake_absolute_motion(const std::string& display, int x, int y) {
  using FakeMotion = int (*)(Display*, int, int, int, unsigned long);
  static void* const library = ::dlopen("libXtst.so.6", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return false;
  const auto fake = reinterpret_cast<FakeMotion>(::dlsym(library, "XTestFakeMotionEvent"));
  const std::unique_ptr<Connection> connection = Connection::open(display);
  if (fake == nullptr || !connection) return false;
  fake(connection->display(), -1, x, y, CurrentTime);
  XSync(connection->display(), False);  // the server has made the events before this returns
  return true;
}

void RecordingSink::on_focus(const FocusedWindow& window, EpochMs at) {
  const std::lock_guard lock(mutex_);
  calls_.focuses.push_back({window, at});
  changed_.notify_all();
}

void RecordingSink::on_input(EpochMs at) {
  const std::lock_guard lock(mutex_);
  calls_.inputs.push_back(at);
  calls_.input_calls.push_back(std::chrono::steady_clock::now());
  changed_.notify_all();
}

void RecordingSink::on_wake(EpochMs at) {
  const std::lock_guard lock(mutex_);
  calls_.wakes.push_back(at);
  changed_.notify_all();
}

RecordingSink::Calls RecordingSink::calls() const {
  const std::lock_guard lock(mutex_);
  return calls_;
}

bool RecordingSink::wait_until(const std::function<bool(const Calls&)>& condition,
                               std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return condition(calls_); });
}

bool RecordingSink::wait_for_focus(const std::function<bool(const FocusedWindow&)>& condition,
                                   std::chrono::milliseconds timeout) {
  return wait_until(
      [&](const Calls& calls) {
        return !calls.focuses.empty() && condition(calls.focuses.back().window);
      },
      timeout);
}

SourceThread::SourceThread(DesktopSource& source, CollectorSink& sink) : source_(source) {
  thread_ = std::thread([this, &sink] {
    Result<void> result = source_.run(sink);
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    const auto micros = [](const timeval& time) {
      return std::chrono::seconds(time.tv_sec) + std::chrono::microseconds(time.tv_usec);
    };
    const std::lock_guard lock(mutex_);
    result_ = std::move(result);
    cpu_time_ = micros(usage.ru_utime) + micros(usage.ru_stime);
    ended_ = true;
    ended_changed_.notify_all();
  });
}

SourceThread::~SourceThread() {
  if (thread_.joinable()) (void)stop();
}

Result<void> SourceThread::stop() {
  source_.stop();
  if (thread_.joinable()) thread_.join();
  return result();
}

bool SourceThread::wait_for_end(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return ended_changed_.wait_for(lock, timeout, [&] { return ended_; });
}

bool SourceThread::ended() const {
  const std::lock_guard lock(mutex_);
  return ended_;
}

Result<void> SourceThread::result() const {
  const std::lock_guard lock(mutex_);
  return result_;
}

std::chrono::microseconds SourceThread::cpu_time() const {
  const std::lock_guard lock(mutex_);
  return cpu_time_;
}

}  // namespace worktrace::agent::collect::x11::testing
