#pragma once

#include <string_view>

namespace worktrace::auth {

// The shipped list of the most common passwords (server/data/common_passwords.txt, embedded at
// build time): one password per line, '\n'-separated, comment lines removed.
[[nodiscard]] std::string_view embedded_common_passwords() noexcept;

}  // namespace worktrace::auth
