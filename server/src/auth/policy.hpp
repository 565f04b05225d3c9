#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"

#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

// The one access policy of Worktrace. Every service asks it; no handler compares roles or
// organizations itself. The order of checks is fixed so answers never leak another tenant's
// data: first the caller's role and scope (403 permission_denied, before any ID is looked up),
// then the resource's organization (404 not_found, as if it did not exist), then the caller's
// relation to the person (403).
namespace worktrace::auth {

// Succeeds when `actor` has one of `roles`; otherwise Errc::permission_denied.
[[nodiscard]] Result<void> require_role(const Actor& actor, std::initializer_list<Role> roles);

// Succeeds when `actor` has one of `roles` and, for an API token, `scope`; otherwise
// Errc::permission_denied naming what is missing.
[[nodiscard]] Result<void> authorize(const Actor& actor, std::initializer_list<Role> roles,
                                     Scope scope);

// Succeeds for a signed-in person (a session); API tokens get Errc::permission_denied. For
// managing one's own account: password, sessions, 2FA, API tokens.
[[nodiscard]] Result<void> require_session(const Actor& actor);

// Owner or admin.
[[nodiscard]] bool is_admin(const Actor& actor) noexcept;

// True when `actor` manages one of `teams`.
[[nodiscard]] bool manages_any(const Actor& actor, std::span<const TeamId> teams) noexcept;

// May `actor` see data about `person` of organization `org_id`, who is a member of `teams`?
// Everyone sees themselves; owners and admins see their whole organization; managers see the
// members of the teams they manage; nobody sees another organization.
[[nodiscard]] bool may_view_person(const Actor& actor, OrgId org_id, UserId person,
                                   std::span<const TeamId> teams) noexcept;

// The same for a device of `owner` (none: not assigned, which only owners and admins see).
// `owner_teams` are the owner's teams.
[[nodiscard]] bool may_view_device(const Actor& actor, OrgId org_id, std::optional<UserId> owner,
                                   std::span<const TeamId> owner_teams = {}) noexcept;

// may_view_person as a Result: Errc::not_found for another organization,
// Errc::permission_denied for a person of the same organization the actor may not see.
[[nodiscard]] Result<void> require_view_person(const Actor& actor, OrgId org_id, UserId person,
                                               std::span<const TeamId> teams);

}  // namespace worktrace::auth
