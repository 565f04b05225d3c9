#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"

#include <initializer_list>

namespace worktrace::auth {

// Succeeds when `actor` has one of `roles`; otherwise Errc::permission_denied. The one place
// role checks are written, so the accounts issue can grow it into the full policy.
[[nodiscard]] Result<void> require_role(const Actor& actor, std::initializer_list<Role> roles);

}  // namespace worktrace::auth
