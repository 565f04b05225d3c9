#include "state/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace worktrace::agent::state {

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "agent.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(Errc::io_error, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  InstanceLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return fail(Errc::conflict,
                  "another worktrace-agent is already running with " + dir.string());
    }
    return fail(Errc::io_error, "cannot lock " + path.string() + ": " + std::strerror(errno));
  }
  return lock;
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace worktrace::agent::state
