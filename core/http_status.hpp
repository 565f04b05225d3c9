#pragma once

#include "core/result.hpp"

namespace worktrace {

// The HTTP status for `error`: each Errc maps to one status (see core/errc.hpp); codes of
// other categories (SQLite, Asio) become 500. Used by the server's API and the agent's local
// API alike.
[[nodiscard]] int http_status(const Error& error) noexcept;

}  // namespace worktrace
