#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

// Which browser origins may call the local API.
namespace worktrace::agent::local_api {

// True for "chrome-extension://<id>" and "moz-extension://<uuid>" with a non-empty id of
// [A-Za-z0-9-] (the origins a browser extension calls from).
[[nodiscard]] bool is_extension_origin(std::string_view origin) noexcept;

// True for an extension origin, or "http://host[:port]" / "https://host[:port]" with a host of
// letters, digits, '.' and '-' (or a bracketed IPv6 address) and a port of 1..65535: the forms
// `--allow-origin` accepts (an Origin header never has a path or a trailing slash).
[[nodiscard]] bool is_valid_origin(std::string_view origin) noexcept;

// The allowed origins: a fixed list (built in and --allow-origin) and the paired ones, which
// pairing replaces while the listener runs. Thread-safe: one mutex guards the paired list.
class OriginSet {
 public:
  explicit OriginSet(std::vector<std::string> fixed) : fixed_(std::move(fixed)) {}

  [[nodiscard]] bool contains(std::string_view origin) const;
  void set_paired(std::vector<std::string> paired);

 private:
  const std::vector<std::string> fixed_;

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::vector<std::string> paired_;
};

}  // namespace worktrace::agent::local_api
