#include "core/actor.hpp"

namespace worktrace {

std::string_view role_name(Role role) noexcept {
  switch (role) {
    case Role::owner:
      return "owner";
    case Role::admin:
      return "admin";
    case Role::manager:
      return "manager";
    case Role::employee:
      return "employee";
  }
  return "employee";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
  if (name == "owner") return Role::owner;
  if (name == "admin") return Role::admin;
  if (name == "manager") return Role::manager;
  if (name == "employee") return Role::employee;
  return std::nullopt;
}

std::string_view scope_name(Scope scope) noexcept {
  switch (scope) {
    case Scope::org_read:
      return "org:read";
    case Scope::org_write:
      return "org:write";
    case Scope::people_read:
      return "people:read";
    case Scope::people_write:
      return "people:write";
    case Scope::devices_read:
      return "devices:read";
    case Scope::devices_write:
      return "devices:write";
    case Scope::reports_read:
      return "reports:read";
    case Scope::audit_read:
      return "audit:read";
  }
  return "";
}

std::optional<Scope> parse_scope(std::string_view name) noexcept {
  for (const Scope scope : kScopes) {
    if (scope_name(scope) == name) return scope;
  }
  return std::nullopt;
}

}  // namespace worktrace
