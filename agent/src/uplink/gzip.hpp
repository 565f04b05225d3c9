#pragma once

#include <string>
#include <string_view>

namespace worktrace::agent::uplink {

// `data` as a gzip stream (RFC 1952) at zlib's default level.
[[nodiscard]] std::string gzip(std::string_view data);

}  // namespace worktrace::agent::uplink
