#include "core/errc.hpp"

namespace worktrace {
namespace {

class WorktraceCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "worktrace"; }
  std::string message(int value) const override { return errc_name(static_cast<Errc>(value)); }
};

}  // namespace

const boost::system::error_category& worktrace_category() noexcept {
  static const WorktraceCategory category;
  return category;
}

const char* errc_name(Errc errc) noexcept {
  switch (errc) {
    case Errc::ok:
      return "ok";
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::unauthenticated:
      return "unauthenticated";
    case Errc::permission_denied:
      return "permission_denied";
    case Errc::not_found:
      return "not_found";
    case Errc::method_not_allowed:
      return "method_not_allowed";
    case Errc::conflict:
      return "conflict";
    case Errc::payload_too_large:
      return "payload_too_large";
    case Errc::unsupported_media:
      return "unsupported_media_type";
    case Errc::rate_limited:
      return "rate_limited";
    case Errc::unavailable:
      return "unavailable";
    case Errc::internal:
      return "internal";
    case Errc::io_error:
      return "io_error";
  }
  return "unknown";
}

}  // namespace worktrace
