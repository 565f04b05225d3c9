#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace worktrace {

// The expected failures of every Worktrace component. Each maps to one HTTP status
// (see core/http_status.hpp) and one stable string code that clients may rely on.
enum class Errc {
  ok = 0,
  invalid_argument,    // 400: the input is malformed or breaks a rule; the message says which.
  unauthenticated,     // 401: no or bad credentials.
  permission_denied,   // 403: authenticated, but not allowed.
  not_found,           // 404
  method_not_allowed,  // 405
  conflict,            // 409: already exists, or a concurrent change.
  payload_too_large,   // 413
  unsupported_media,   // 415
  rate_limited,        // 429
  unavailable,         // 503: shutting down or overloaded; retry later.
  internal,            // 500: a bug or an unexpected failure; details only in the log.
  io_error,            // 500: a file or device failed.
};

const boost::system::error_category& worktrace_category() noexcept;

inline boost::system::error_code make_error_code(Errc errc) noexcept {
  return {static_cast<int>(errc), worktrace_category()};
}

// The stable snake_case name of `errc`, used as `error.code` in JSON bodies.
const char* errc_name(Errc errc) noexcept;

}  // namespace worktrace

namespace boost::system {
template <>
struct is_error_code_enum<worktrace::Errc> : std::true_type {};
}  // namespace boost::system
