#include "auth/policy.hpp"

#include <algorithm>
#include <string>

namespace worktrace::auth {

Result<void> require_role(const Actor& actor, std::initializer_list<Role> roles) {
  if (std::find(roles.begin(), roles.end(), actor.role) != roles.end()) return {};
  return fail(Errc::permission_denied,
              "the role " + std::string(role_name(actor.role)) + " may not do this");
}

Result<void> authorize(const Actor& actor, std::initializer_list<Role> roles, Scope scope) {
  if (auto allowed = require_role(actor, roles); !allowed) return allowed;
  if (!has_scope(actor.scopes, scope)) {
    return fail(Errc::permission_denied,
                "this API token lacks the scope " + std::string(scope_name(scope)));
  }
  return {};
}

Result<void> require_session(const Actor& actor) {
  if (actor.session_id != 0) return {};
  return fail(Errc::permission_denied, "only a signed-in person may do this, not an API token");
}

bool is_admin(const Actor& actor) noexcept {
  return actor.role == Role::owner || actor.role == Role::admin;
}

bool manages_any(const Actor& actor, std::span<const TeamId> teams) noexcept {
  if (actor.role != Role::manager) return false;
  return std::any_of(teams.begin(), teams.end(), [&](TeamId team) {
    return std::find(actor.managed_team_ids.begin(), actor.managed_team_ids.end(), team) !=
           actor.managed_team_ids.end();
  });
}

bool may_view_person(const Actor& actor, OrgId org_id, UserId person,
                     std::span<const TeamId> teams) noexcept {
  if (actor.org_id != org_id) return false;
  if (actor.user_id == person) return true;
  if (is_admin(actor)) return true;
  return manages_any(actor, teams);
}

bool may_view_device(const Actor& actor, OrgId org_id, std::optional<UserId> owner,
                     std::span<const TeamId> owner_teams) noexcept {
  if (actor.org_id != org_id) return false;
  if (is_admin(actor)) return true;
  if (!owner) return false;
  return may_view_person(actor, org_id, *owner, owner_teams);
}

Result<void> require_view_person(const Actor& actor, OrgId org_id, UserId person,
                                 std::span<const TeamId> teams) {
  if (actor.org_id != org_id) return fail(Errc::not_found, "person not found");
  if (may_view_person(actor, org_id, person, teams)) return {};
  return fail(Errc::permission_denied, "you may not see this person");
}

}  // namespace worktrace::auth
