#pragma once

#include "core/errc.hpp"

#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <utility>

namespace worktrace {

// An expected failure: a code (ours, or from Asio/Beast/SQLite categories) and a message
// that is safe to show to the client that caused it. Internal details (paths, SQL) go to
// the log, never into `message`.
struct Error {
  boost::system::error_code code;
  std::string message;

  Error() = default;
  Error(boost::system::error_code error_code, std::string text)
      : code(error_code), message(std::move(text)) {}
  Error(Errc errc, std::string text) : code(make_error_code(errc)), message(std::move(text)) {}

  // True when this error carries our own code `errc`.
  [[nodiscard]] bool is(Errc errc) const noexcept { return code == make_error_code(errc); }
};

// Thrown by Result<T>::value() on an error: a bug in the caller, caught once per
// connection and once in main.
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

// Shorthand for `return fail(Errc::not_found, "no such device");`.
inline Error fail(Errc errc, std::string message) { return Error(errc, std::move(message)); }

}  // namespace worktrace
