#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace worktrace::agent {

// Shows desktop notifications by running `notify-send` (libnotify's tool, which speaks the
// freedesktop notification protocol over the session bus). Never blocks the caller: the
// program runs on its own and is reaped by the next call or the destructor. Not thread-safe.
class Notifier {
 public:
  // `program`: the notify-send to run (looked up in PATH when it has no slash).
  explicit Notifier(std::string program = "notify-send");
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Shows `summary` and `body` under the application name "Worktrace". False when the
  // program could not be started (not installed): the caller logs it once and goes on.
  bool notify(std::string_view summary, std::string_view body);

 private:
  void reap(bool wait);

  std::string program_;
  std::vector<pid_t> children_;
};

}  // namespace worktrace::agent
