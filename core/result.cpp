#include "core/result.hpp"

#include <boost/throw_exception.hpp>

namespace worktrace {

void throw_exception_from_error(const Error& error, const boost::source_location& loc) {
  boost::throw_exception(boost::system::system_error(error.code, error.message), loc);
}

}  // namespace worktrace
