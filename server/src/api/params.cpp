#include "api/params.hpp"

#include <charconv>
#include <limits>
#include <string>
#include <system_error>

namespace worktrace::api {

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min,
                                      std::int64_t max) noexcept {
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [last, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || last != end || value < min || value > max) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
  return parse_int(text, 1, std::numeric_limits<std::int64_t>::max());
}

Result<std::int64_t> path_id(const Request& request, std::string_view name, std::string_view what) {
  if (const auto found = request.params.find(name); found != request.params.end()) {
    if (const auto id = parse_id(found->second)) return *id;
  }
  return fail(Errc::not_found, std::string(what) + " not found");
}

}  // namespace worktrace::api
