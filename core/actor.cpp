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

}  // namespace worktrace
