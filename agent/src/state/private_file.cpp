#include "state/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace worktrace::agent::state {
namespace {

Error io_failure(const std::string& what, const std::filesystem::path& path, int error_number) {
  return fail(Errc::io_error, what + " " + path.string() + ": " + std::strerror(error_number));
}

// Owns a file descriptor; closes it on scope exit unless released by `close_checked`.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }
  // close(2)'s result: on NFS a failed close can be the first sign of a lost write.
  [[nodiscard]] int close_checked() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

}  // namespace

Result<void> ensure_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (dir.has_parent_path()) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) return io_failure("cannot create", dir.parent_path(), ec.value());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_failure("cannot create", dir, errno);
  }
  return {};
}

Result<void> write_private_file(const std::filesystem::path& path, std::string_view content) {
  std::string temp_name = path.string() + ".XXXXXX";
  Fd fd(::mkostemp(temp_name.data(), O_CLOEXEC));  // mkostemp creates the file with mode 0600
  if (fd.get() < 0) return io_failure("cannot create a file beside", path, errno);
  const std::filesystem::path temp_path = temp_name;
  auto abandon = [&](const char* what) {
    const int error_number = errno;
    ::unlink(temp_path.c_str());
    return io_failure(what, path, error_number);
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t count = ::write(fd.get(), content.data() + written, content.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return abandon("cannot write");
    written += static_cast<std::size_t>(count);
  }
  if (::fsync(fd.get()) != 0) return abandon("cannot sync");
  if (fd.close_checked() != 0) return abandon("cannot close");
  if (::rename(temp_path.c_str(), path.c_str()) != 0) return abandon("cannot replace");
  return {};
}

Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return fail(Errc::not_found, path.string() + " does not exist");
    return io_failure("cannot open", path, errno);
  }
  std::string content;
  char chunk[4096];
  for (;;) {
    const ssize_t count = ::read(fd.get(), chunk, sizeof chunk);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return io_failure("cannot read", path, errno);
    if (count == 0) break;
    content.append(chunk, static_cast<std::size_t>(count));
    if (content.size() > max_bytes) {
      return fail(Errc::invalid_argument,
                  path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return content;
}

}  // namespace worktrace::agent::state
