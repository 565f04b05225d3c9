#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace worktrace::protocol {

// `data` as one gzip stream (RFC 1952) at zlib's default level. Pure function; thread-safe.
[[nodiscard]] std::string gzip(std::string_view data);

// Inflates one gzip stream (RFC 1952) of `compressed`. Errc::payload_too_large when the
// inflated data would exceed `max_bytes`; Errc::invalid_argument for a corrupt or truncated
// stream or data after its end. Pure function; thread-safe.
[[nodiscard]] Result<std::string> gunzip(std::string_view compressed, std::size_t max_bytes);

}  // namespace worktrace::protocol
