#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"

#include <initializer_list>
#include <optional>

namespace worktrace::auth {

// Succeeds when `actor` has one of `roles`; otherwise Errc::permission_denied. The one place
// role checks are written, so the accounts issue can grow it into the full policy.
[[nodiscard]] Result<void> require_role(const Actor& actor, std::initializer_list<Role> roles);

// True when `actor` may see data about a person's device in organization `org_id` that
// belongs to `owner` (none: unassigned). Employees see only their own; owners, admins and
// (until teams exist) managers see their whole organization; nobody sees another's.
[[nodiscard]] bool may_view_device(const Actor& actor, OrgId org_id, std::optional<UserId> owner);

}  // namespace worktrace::auth
