#pragma once

#include "api/http_types.hpp"

#include <filesystem>
#include <string_view>

namespace worktrace::net {

// Serves the built dashboard from one directory. Thread-safe: immutable after construction.
// Reads files, so serve() blocks: call it on the blocking pool.
class StaticFiles {
 public:
  // An empty `root` disables static files (every serve() is 404). The root is resolved once
  // here; it need not exist (then every file is missing).
  explicit StaticFiles(const std::filesystem::path& root);

  [[nodiscard]] bool enabled() const noexcept { return !root_.empty(); }

  // Answers a GET (or HEAD: same headers, the caller drops the body) for `path`, which is
  // percent-decoded and starts with '/'. Cache-Control is immutable for /assets/ (hashed
  // file names) and no-cache otherwise; ETag from size and mtime, and `if_none_match`
  // matching it gives 304. A path with no file and no extension in its last segment serves
  // index.html (SPA routes); a missing file with an extension is 404. Paths with `..`
  // segments or NUL are 400; anything resolving outside the root (a symlink) is 404.
  [[nodiscard]] api::Response serve(std::string_view path, std::string_view if_none_match) const;

 private:
  std::filesystem::path root_;  // absolute and canonical, or empty when disabled
};

// The Content-Type for a file name by its extension; application/octet-stream if unknown.
[[nodiscard]] std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace worktrace::net
