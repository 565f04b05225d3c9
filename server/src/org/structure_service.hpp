#pragma once

#include "auth/person.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::org {

using DepartmentId = std::int64_t;

// Most departments and teams one organization may have.
inline constexpr std::int64_t kMaxDepartments = 1000;
inline constexpr std::int64_t kMaxTeams = 1000;

struct Department {
  DepartmentId id = 0;
  std::string name;
  std::optional<DepartmentId> parent_id;
  std::int64_t people_count = 0;
  std::int64_t team_count = 0;
};

struct Team {
  TeamId id = 0;
  std::string name;
  DepartmentId department_id = 0;
  std::int64_t member_count = 0;
  std::vector<UserId> manager_ids;  // ascending
};

struct TeamMember {
  UserId user_id = 0;
  std::string name;
  std::string email;
  Role role = Role::employee;
  auth::PersonStatus status = auth::PersonStatus::active;
  bool is_manager = false;
};

// {"id","name","parent_id","people_count","team_count"}
[[nodiscard]] boost::json::object department_json(const Department& department);
// {"id","name","department_id","member_count","manager_ids"}
[[nodiscard]] boost::json::object team_json(const Team& team);
// {"user_id","name","email","role","status","is_manager"}
[[nodiscard]] boost::json::object team_member_json(const TeamMember& member);

// A change: absent fields stay; `parent_id` holding nullopt moves a department to the top.
struct DepartmentPatch {
  std::optional<std::string> name;
  std::optional<std::optional<DepartmentId>> parent_id;
};

struct TeamPatch {
  std::optional<std::string> name;
  std::optional<DepartmentId> department_id;
};

// Departments (a tree per organization), teams (each in a department) and team membership.
// Policy: reads need owner/admin/manager (org:read; members: people:read, managers only of
// teams they manage); department and team writes owner/admin (org:write); membership writes
// owner/admin (people:write). Roles are checked before any lookup (permission_denied); path
// ids of another organization are not_found; ids inside changes that do not exist in the
// caller's organization are invalid_argument naming the field. Every write appends its audit
// entry in the same transaction. Thread-safe: no mutable state.
class StructureService {
 public:
  // `db` and `clock` must outlive this service.
  StructureService(storage::Db& db, const Clock& clock);

  // Ordered by name.
  [[nodiscard]] Result<std::vector<Department>> list_departments(const Actor& actor);
  // conflict when a sibling has that name, or the organization has kMaxDepartments.
  [[nodiscard]] Result<Department> create_department(const Actor& actor, std::string_view remote_ip,
                                                     const std::string& name,
                                                     std::optional<DepartmentId> parent_id);
  // conflict on a sibling name clash or when the new parent is the department or below it.
  [[nodiscard]] Result<Department> update_department(const Actor& actor, std::string_view remote_ip,
                                                     DepartmentId id, const DepartmentPatch& patch);
  // conflict while people, teams or sub-departments are in it.
  [[nodiscard]] Result<void> delete_department(const Actor& actor, std::string_view remote_ip,
                                               DepartmentId id);

  // Owners and admins: every team; managers: the teams they manage. Ordered by name.
  [[nodiscard]] Result<std::vector<Team>> list_teams(const Actor& actor);
  // conflict when the organization has a team of that name, or kMaxTeams.
  [[nodiscard]] Result<Team> create_team(const Actor& actor, std::string_view remote_ip,
                                         const std::string& name, DepartmentId department_id);
  [[nodiscard]] Result<Team> update_team(const Actor& actor, std::string_view remote_ip, TeamId id,
                                         const TeamPatch& patch);
  // The memberships go; the people stay. Returns the team as it was (with its managers).
  [[nodiscard]] Result<Team> delete_team(const Actor& actor, std::string_view remote_ip, TeamId id);

  // Ordered by name.
  [[nodiscard]] Result<std::vector<TeamMember>> list_members(const Actor& actor, TeamId team_id);
  // Adds the person or changes is_manager (which needs role manager, admin or owner:
  // invalid_argument otherwise). Audit team.member_added or team.member_updated.
  [[nodiscard]] Result<TeamMember> put_member(const Actor& actor, std::string_view remote_ip,
                                              TeamId team_id, UserId user_id, bool is_manager);
  // not_found when the person is not a member.
  [[nodiscard]] Result<void> remove_member(const Actor& actor, std::string_view remote_ip,
                                           TeamId team_id, UserId user_id);

 private:
  storage::Db& db_;
  const Clock& clock_;
};

}  // namespace worktrace::org
