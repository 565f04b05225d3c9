// Integers read from a request's path and query parameters.
#pragma once

#include "api/http_types.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace worktrace::api {

// `text` as a decimal integer in min..max (no sign other than '-', no spaces, nothing after the
// digits); nullopt otherwise, including when it does not fit in 64 bits.
[[nodiscard]] std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min,
                                                    std::int64_t max) noexcept;

// `text` as a positive 64-bit id; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> parse_id(std::string_view text) noexcept;

// The id in path parameter `name` of `request`; Errc::not_found "<what> not found" when it is
// absent or not a positive 64-bit integer (no such resource can exist).
[[nodiscard]] Result<std::int64_t> path_id(const Request& request, std::string_view name,
                                           std::string_view what);

}  // namespace worktrace::api
