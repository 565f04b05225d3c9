#include "app/notifier.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <thread>

extern char** environ;

namespace worktrace::agent {

Notifier::Notifier(std::string program) : program_(std::move(program)) {}

Notifier::~Notifier() { reap(/*wait=*/true); }

bool Notifier::notify(std::string_view summary, std::string_view body) {
  reap(/*wait=*/false);
  std::string app_name = "--app-name=Worktrace";
  std::string summary_text(summary);
  std::string body_text(body);
  char* argv[] = {program_.data(), app_name.data(), summary_text.data(), body_text.data(), nullptr};
  pid_t child = 0;
  if (::posix_spawnp(&child, program_.c_str(), nullptr, nullptr, argv, environ) != 0) {
    return false;
  }
  children_.push_back(child);
  return true;
}

void Notifier::reap(bool wait) {
  // notify-send returns as soon as the notification server has it; on exit give the
  // children a moment, then leave any that hang (the bus is gone) to init.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    std::erase_if(children_, [](pid_t child) { return ::waitpid(child, nullptr, WNOHANG) != 0; });
    if (!wait || children_.empty() || std::chrono::steady_clock::now() > deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace worktrace::agent
