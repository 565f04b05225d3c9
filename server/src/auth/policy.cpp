#include "auth/policy.hpp"

#include <algorithm>
#include <string>

namespace worktrace::auth {

Result<void> require_role(const Actor& actor, std::initializer_list<Role> roles) {
  if (std::find(roles.begin(), roles.end(), actor.role) != roles.end()) return {};
  return fail(Errc::permission_denied,
              "the role " + std::string(role_name(actor.role)) + " may not do this");
}

bool may_view_device(const Actor& actor, OrgId org_id, std::optional<UserId> owner) {
  if (actor.org_id != org_id) return false;
  if (actor.role == Role::employee) return owner.has_value() && *owner == actor.user_id;
  return true;
}

}  // namespace worktrace::auth
