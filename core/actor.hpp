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

// What an API token may do, as bits of Actor::scopes. A signed-in person has every scope; a
// token has those it was created with, and never more than its creator's role allows.
enum class Scope : std::uint32_t {
  org_read = 1U << 0,       // "org:read": organization details, departments, teams
  org_write = 1U << 1,      // "org:write"
  people_read = 1U << 2,    // "people:read"
  people_write = 1U << 3,   // "people:write": invite, edit, suspend, move
  devices_read = 1U << 4,   // "devices:read"
  devices_write = 1U << 5,  // "devices:write": enrollment tokens, revoke
  reports_read = 1U << 6,   // "reports:read": activity and reports
  audit_read = 1U << 7,     // "audit:read"
};
inline constexpr std::uint32_t kAllScopes = 0xffU;
inline constexpr Scope kScopes[] = {Scope::org_read,     Scope::org_write,    Scope::people_read,
                                    Scope::people_write, Scope::devices_read, Scope::devices_write,
                                    Scope::reports_read, Scope::audit_read};

// "org:read", "people:write", ...
[[nodiscard]] std::string_view scope_name(Scope scope) noexcept;
[[nodiscard]] std::optional<Scope> parse_scope(std::string_view name) noexcept;
[[nodiscard]] constexpr bool has_scope(std::uint32_t scopes, Scope scope) noexcept {
  return (scopes & static_cast<std::uint32_t>(scope)) != 0;
}

// Who is calling: every service call carries one. Built by authentication, never from
// client-supplied fields.
struct Actor {
  UserId user_id = 0;
  OrgId org_id = 0;
  Role role = Role::employee;
  std::vector<TeamId> managed_team_ids;  // Teams this person manages (Role::manager).
  std::uint32_t scopes = kAllScopes;     // Narrower when the caller is an API token.
  std::int64_t session_id = 0;           // The session of a signed-in person, else 0.
  std::int64_t api_token_id = 0;         // The API token used, else 0.
};

// An enrolled agent, authenticated by its device credential.
struct DevicePrincipal {
  DeviceId device_id = 0;
  OrgId org_id = 0;
  std::optional<UserId> user_id;  // The person the device belongs to, when assigned.
};

}  // namespace worktrace
