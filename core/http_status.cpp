#include "core/http_status.hpp"

namespace worktrace {

int http_status(const Error& error) noexcept {
  if (error.code.category() != worktrace_category()) return 500;
  switch (static_cast<Errc>(error.code.value())) {
    case Errc::ok:
      return 200;
    case Errc::invalid_argument:
      return 400;
    case Errc::unauthenticated:
      return 401;
    case Errc::permission_denied:
      return 403;
    case Errc::not_found:
      return 404;
    case Errc::method_not_allowed:
      return 405;
    case Errc::conflict:
      return 409;
    case Errc::payload_too_large:
      return 413;
    case Errc::unsupported_media:
      return 415;
    case Errc::rate_limited:
      return 429;
    case Errc::unavailable:
      return 503;
    case Errc::internal:
      return 500;
    case Errc::io_error:
      return 500;
  }
  return 500;
}

}  // namespace worktrace
