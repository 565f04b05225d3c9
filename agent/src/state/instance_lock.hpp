#pragma once

#include "core/result.hpp"

#include <filesystem>

namespace worktrace::agent::state {

// Proof that this process is the only `run` using a configuration directory: an exclusive
// flock(2) on DIR/agent.lock, released when the lock is destroyed or the process dies.
class InstanceLock {
 public:
  // Fails with Errc::conflict when another process holds the lock, Errc::io_error when the
  // lock file cannot be opened.
  [[nodiscard]] static Result<InstanceLock> acquire(const std::filesystem::path& dir);

  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&&) = delete;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace worktrace::agent::state
