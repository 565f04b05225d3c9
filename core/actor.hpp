#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace worktrace {

using OrgId = std::int64_t;
using UserId = std::int64_t;
using DeviceId = std::int64_t;
using TeamId = std::int64_t;

enum class Role { owner, admin, manager, employee };

[[nodiscard]] std::string_view role_name(Role role) noexcept;
[[nodiscard]] std::optional<Role> parse_role(std::string_view name) noexcept;

// Who is calling: every service call carries one. Built by authentication, never from
// client-supplied fields.
struct Actor {
  UserId user_id = 0;
  OrgId org_id = 0;
  Role role = Role::employee;
  std::vector<TeamId> managed_team_ids;  // Only for Role::manager.
};

// An enrolled agent, authenticated by its device credential.
struct DevicePrincipal {
  DeviceId device_id = 0;
  OrgId org_id = 0;
  std::optional<UserId> user_id;  // The person the device belongs to, when assigned.
};

}  // namespace worktrace
