#include "org/structure_service.hpp"

#include "audit/audit_log.hpp"
#include "auth/policy.hpp"
#include "org/people_rules.hpp"
#include "org/sql.hpp"
#include "org/validation.hpp"

#include <boost/json/array.hpp>

#include <map>

namespace worktrace::org {
namespace {

constexpr std::string_view kDepartmentColumns =
    "SELECT d.id, d.name, d.parent_id, "
    "(SELECT count(*) FROM users u WHERE u.department_id = d.id), "
    "(SELECT count(*) FROM teams t WHERE t.department_id = d.id) FROM departments d ";

Department read_department(const storage::Statement& s) {
  Department department;
  department.id = s.column_int(0);
  department.name = s.column_text(1);
  if (!s.column_is_null(2)) department.parent_id = s.column_int(2);
  department.people_count = s.column_int(3);
  department.team_count = s.column_int(4);
  return department;
}

Result<std::optional<Department>> load_department(storage::Connection& connection, OrgId org_id,
                                                  DepartmentId id) {
  auto statement =
      connection.prepare(std::string(kDepartmentColumns) + "WHERE d.id = ? AND d.org_id = ?");
  if (!statement) return statement.error();
  sql::bind(**statement, {id, org_id});
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Department>();
  return std::optional<Department>(read_department(**statement));
}

constexpr std::string_view kTeamColumns =
    "SELECT t.id, t.name, t.department_id, "
    "(SELECT count(*) FROM team_members m WHERE m.team_id = t.id) FROM teams t ";

// The managers of `org_id`'s teams (only team `only` when set), by team.
Result<std::map<TeamId, std::vector<UserId>>> load_team_managers(storage::Connection& connection,
                                                                 OrgId org_id,
                                                                 std::optional<TeamId> only) {
  auto statement = connection.prepare(
      std::string("SELECT m.team_id, m.user_id FROM team_members m JOIN teams t ON t.id = "
                  "m.team_id WHERE t.org_id = ? AND m.is_manager = 1 ") +
      (only ? "AND t.id = ? " : "") + "ORDER BY m.team_id, m.user_id");
  if (!statement) return statement.error();
  if (only) {
    sql::bind(**statement, {org_id, *only});
  } else {
    sql::bind(**statement, {org_id});
  }
  std::map<TeamId, std::vector<UserId>> managers;
  for (;;) {
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return managers;
    managers[(*statement)->column_int(0)].push_back((*statement)->column_int(1));
  }
}

Result<std::vector<Team>> load_teams(storage::Connection& connection, OrgId org_id,
                                     std::optional<TeamId> only) {
  auto managers = load_team_managers(connection, org_id, only);
  if (!managers) return managers.error();
  auto statement = connection.prepare(std::string(kTeamColumns) +
                                      (only ? "WHERE t.org_id = ? AND t.id = ?"
                                            : "WHERE t.org_id = ? ORDER BY lower(t.name), t.id"));
  if (!statement) return statement.error();
  if (only) {
    sql::bind(**statement, {org_id, *only});
  } else {
    sql::bind(**statement, {org_id});
  }
  std::vector<Team> teams;
  for (;;) {
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return teams;
    const auto& s = **statement;
    Team team{s.column_int(0), s.column_text(1), s.column_int(2), s.column_int(3), {}};
    if (auto found = managers->find(team.id); found != managers->end()) {
      team.manager_ids = found->second;
    }
    teams.push_back(std::move(team));
  }
}

Result<std::optional<Team>> load_team(storage::Connection& connection, OrgId org_id, TeamId id) {
  auto teams = load_teams(connection, org_id, id);
  if (!teams) return teams.error();
  if (teams->empty()) return std::optional<Team>();
  return std::optional<Team>(std::move(teams->front()));
}

Result<void> require_unique_sibling(storage::Connection& connection, OrgId org_id,
                                    std::optional<DepartmentId> parent_id, std::string_view name,
                                    DepartmentId except) {
  auto clash = sql::exists(connection,
                           "SELECT 1 FROM departments WHERE org_id = ? AND coalesce(parent_id, 0) "
                           "= ? AND name = ? AND id <> ?",
                           {org_id, parent_id.value_or(0), name, except});
  if (!clash) return clash.error();
  if (*clash) return fail(Errc::conflict, "name: a department of that name exists there already");
  return {};
}

Result<void> require_unique_team(storage::Connection& connection, OrgId org_id,
                                 std::string_view name, TeamId except) {
  auto clash =
      sql::exists(connection, "SELECT 1 FROM teams WHERE org_id = ? AND name = ? AND id <> ?",
                  {org_id, name, except});
  if (!clash) return clash.error();
  if (*clash) return fail(Errc::conflict, "name: a team of that name exists already");
  return {};
}

audit::Entry entry(const Actor& actor, std::string_view action, std::string_view remote_ip,
                   std::string_view target_type, std::int64_t target_id) {
  auto result = audit::entry_for(actor, action, remote_ip);
  result.target_type = target_type;
  result.target_id = std::to_string(target_id);
  return result;
}

Result<void> record(storage::Connection& connection, audit::Entry entry, EpochMs now) {
  auto appended = audit::append(connection, std::move(entry), now);
  if (!appended) return appended.error();
  return {};
}

boost::json::value optional_id(std::optional<std::int64_t> id) {
  return id ? boost::json::value(*id) : boost::json::value(nullptr);
}

Error department_not_found() { return fail(Errc::not_found, "department not found"); }
Error team_not_found() { return fail(Errc::not_found, "team not found"); }

}  // namespace

boost::json::object department_json(const Department& department) {
  return {{"id", department.id},
          {"name", department.name},
          {"parent_id", optional_id(department.parent_id)},
          {"people_count", department.people_count},
          {"team_count", department.team_count}};
}

boost::json::object team_json(const Team& team) {
  boost::json::array managers;
  for (const UserId id : team.manager_ids) managers.emplace_back(id);
  return {{"id", team.id},
          {"name", team.name},
          {"department_id", team.department_id},
          {"member_count", team.member_count},
          {"manager_ids", std::move(managers)}};
}

boost::json::object team_member_json(const TeamMember& member) {
  return {{"user_id", member.user_id},
          {"name", member.name},
          {"email", member.email},
          {"role", role_name(member.role)},
          {"status", auth::person_status_name(member.status)},
          {"is_manager", member.is_manager}};
}

StructureService::StructureService(storage::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<std::vector<Department>> StructureService::list_departments(const Actor& actor) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin, Role::manager}, Scope::org_read);
      !ok) {
    return ok.error();
  }
  return db_.read([&](storage::Connection& connection) -> Result<std::vector<Department>> {
    auto statement = connection.prepare(std::string(kDepartmentColumns) +
                                        "WHERE d.org_id = ? ORDER BY lower(d.name), d.id");
    if (!statement) return statement.error();
    sql::bind(**statement, {actor.org_id});
    std::vector<Department> departments;
    for (;;) {
      auto row = (*statement)->step();
      if (!row) return row.error();
      if (!*row) return departments;
      departments.push_back(read_department(**statement));
    }
  });
}

Result<Department> StructureService::create_department(const Actor& actor,
                                                       std::string_view remote_ip,
                                                       const std::string& name,
                                                       std::optional<DepartmentId> parent_id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write); !ok) {
    return ok.error();
  }
  if (auto ok = check_line("name", name, 1, kMaxNameCharacters); !ok) return ok.error();
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<Department> {
    if (parent_id) {
      if (auto ok =
              people_rules::require_department(connection, actor.org_id, *parent_id, "parent_id");
          !ok) {
        return ok.error();
      }
    }
    auto count = sql::query_int(connection, "SELECT count(*) FROM departments WHERE org_id = ?",
                                {actor.org_id});
    if (!count) return count.error();
    if (count->value_or(0) >= kMaxDepartments) {
      return fail(Errc::conflict, "departments: at most 1000 per organization");
    }
    if (auto ok = require_unique_sibling(connection, actor.org_id, parent_id, name, 0); !ok) {
      return ok.error();
    }
    auto id = sql::query_int(
        connection,
        "INSERT INTO departments (org_id, parent_id, name, created_at) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        {actor.org_id, parent_id ? sql::Value(*parent_id) : sql::Value(nullptr),
         std::string_view(name), now});
    if (!id) return id.error();
    if (!*id) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    auto audit_entry = entry(actor, "department.created", remote_ip, "department", **id);
    audit_entry.details = {{"name", name}, {"parent_id", optional_id(parent_id)}};
    if (auto ok = record(connection, std::move(audit_entry), now); !ok) return ok.error();
    return Department{**id, name, parent_id, 0, 0};
  });
}

Result<Department> StructureService::update_department(const Actor& actor,
                                                       std::string_view remote_ip, DepartmentId id,
                                                       const DepartmentPatch& patch) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write); !ok) {
    return ok.error();
  }
  if (patch.name) {
    if (auto ok = check_line("name", *patch.name, 1, kMaxNameCharacters); !ok) return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<Department> {
    auto loaded = load_department(connection, actor.org_id, id);
    if (!loaded) return loaded.error();
    if (!*loaded) return department_not_found();
    Department department = std::move(**loaded);
    boost::json::array changed;
    if (patch.parent_id && *patch.parent_id != department.parent_id) {
      if (const auto& parent = *patch.parent_id) {
        if (auto ok =
                people_rules::require_department(connection, actor.org_id, *parent, "parent_id");
            !ok) {
          return ok.error();
        }
        // Walk up from the new parent: meeting the department itself would close a loop.
        std::optional<DepartmentId> step = *parent;
        for (std::int64_t depth = 0; step; ++depth) {
          if (*step == id || depth > kMaxDepartments) {
            return fail(Errc::conflict, "parent_id: would make a cycle");
          }
          auto up = sql::query_int(connection,
                                   "SELECT parent_id FROM departments WHERE id = ? AND org_id = ?",
                                   {*step, actor.org_id});
          if (!up) return up.error();
          step = *up;
        }
      }
      department.parent_id = *patch.parent_id;
      changed.emplace_back("parent_id");
    }
    if (patch.name && *patch.name != department.name) {
      department.name = *patch.name;
      changed.emplace_back("name");
    }
    if (changed.empty()) return department;
    if (auto ok = require_unique_sibling(connection, actor.org_id, department.parent_id,
                                         department.name, id);
        !ok) {
      return ok.error();
    }
    if (auto ok = sql::execute(
            connection,
            "UPDATE departments SET name = ?, parent_id = ? WHERE id = ? AND org_id = ?",
            {std::string_view(department.name),
             department.parent_id ? sql::Value(*department.parent_id) : sql::Value(nullptr), id,
             actor.org_id});
        !ok) {
      return ok.error();
    }
    auto audit_entry = entry(actor, "department.updated", remote_ip, "department", id);
    audit_entry.details["changed"] = std::move(changed);
    if (auto ok = record(connection, std::move(audit_entry), now); !ok) return ok.error();
    return department;
  });
}

Result<void> StructureService::delete_department(const Actor& actor, std::string_view remote_ip,
                                                 DepartmentId id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write); !ok) {
    return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<void> {
    auto loaded = load_department(connection, actor.org_id, id);
    if (!loaded) return loaded.error();
    if (!*loaded) return department_not_found();
    auto children = sql::exists(connection, "SELECT 1 FROM departments WHERE parent_id = ?", {id});
    if (!children) return children.error();
    if ((*loaded)->people_count > 0 || (*loaded)->team_count > 0 || *children) {
      return fail(Errc::conflict, "department still has people/teams/sub-departments");
    }
    if (auto ok = sql::execute(connection, "DELETE FROM departments WHERE id = ? AND org_id = ?",
                               {id, actor.org_id});
        !ok) {
      return ok.error();
    }
    auto audit_entry = entry(actor, "department.deleted", remote_ip, "department", id);
    audit_entry.details = {{"name", (*loaded)->name}};
    return record(connection, std::move(audit_entry), now);
  });
}

Result<std::vector<Team>> StructureService::list_teams(const Actor& actor) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin, Role::manager}, Scope::org_read);
      !ok) {
    return ok.error();
  }
  auto teams = db_.read([&](storage::Connection& connection) {
    return load_teams(connection, actor.org_id, std::nullopt);
  });
  if (!teams || auth::is_admin(actor)) return teams;
  std::erase_if(*teams, [&](const Team& team) {
    const TeamId ids[] = {team.id};
    return !auth::manages_any(actor, ids);
  });
  return teams;
}

Result<Team> StructureService::create_team(const Actor& actor, std::string_view remote_ip,
                                           const std::string& name, DepartmentId department_id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write); !ok) {
    return ok.error();
  }
  if (auto ok = check_line("name", name, 1, kMaxNameCharacters); !ok) return ok.error();
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<Team> {
    if (auto ok = people_rules::require_department(connection, actor.org_id, department_id,
                                                   "department_id");
        !ok) {
      return ok.error();
    }
    auto count =
        sql::query_int(connection, "SELECT count(*) FROM teams WHERE org_id = ?", {actor.org_id});
    if (!count) return count.error();
    if (count->value_or(0) >= kMaxTeams) {
      return fail(Errc::conflict, "teams: at most 1000 per organization");
    }
    if (auto ok = require_unique_team(connection, actor.org_id, name, 0); !ok) return ok.error();
    auto id = sql::query_int(connection,
                             "INSERT INTO teams (org_id, department_id, name, created_at) "
                             "VALUES (?, ?, ?, ?) RETURNING id",
                             {actor.org_id, department_id, std::string_view(name), now});
    if (!id) return id.error();
    if (!*id) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    auto audit_entry = entry(actor, "team.created", remote_ip, "team", **id);
    audit_entry.details = {{"name", name}, {"department_id", department_id}};
    if (auto ok = record(connection, std::move(audit_entry), now); !ok) return ok.error();
    return Team{**id, name, department_id, 0, {}};
  });
}

Result<Team> StructureService::update_team(const Actor& actor, std::string_view remote_ip,
                                           TeamId id, const TeamPatch& patch) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write); !ok) {
    return ok.error();
  }
  if (patch.name) {
    if (auto ok = check_line("name", *patch.name, 1, kMaxNameCharacters); !ok) return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<Team> {
    auto loaded = load_team(connection, actor.org_id, id);
    if (!loaded) return loaded.error();
    if (!*loaded) return team_not_found();
    Team team = std::move(**loaded);
    boost::json::array changed;
    if (patch.name && *patch.name != team.name) {
      if (auto ok = require_unique_team(connection, actor.org_id, *patch.name, id); !ok) {
        return ok.error();
      }
      team.name = *patch.name;
      changed.emplace_back("name");
    }
    if (patch.department_id && *patch.department_id != team.department_id) {
      if (auto ok = people_rules::require_department(connection, actor.org_id, *patch.department_id,
                                                     "department_id");
          !ok) {
        return ok.error();
      }
      team.department_id = *patch.department_id;
      changed.emplace_back("department_id");
    }
    if (changed.empty()) return team;
    if (auto ok = sql::execute(
            connection, "UPDATE teams SET name = ?, department_id = ? WHERE id = ? AND org_id = ?",
            {std::string_view(team.name), team.department_id, id, actor.org_id});
        !ok) {
      return ok.error();
    }
    auto audit_entry = entry(actor, "team.updated", remote_ip, "team", id);
    audit_entry.details["changed"] = std::move(changed);
    if (auto ok = record(connection, std::move(audit_entry), now); !ok) return ok.error();
    return team;
  });
}

Result<Team> StructureService::delete_team(const Actor& actor, std::string_view remote_ip,
                                           TeamId id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write); !ok) {
    return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<Team> {
    auto loaded = load_team(connection, actor.org_id, id);
    if (!loaded) return loaded.error();
    if (!*loaded) return team_not_found();
    if (auto ok = sql::execute(connection, "DELETE FROM team_members WHERE team_id = ?", {id});
        !ok) {
      return ok.error();
    }
    if (auto ok = sql::execute(connection, "DELETE FROM teams WHERE id = ? AND org_id = ?",
                               {id, actor.org_id});
        !ok) {
      return ok.error();
    }
    auto audit_entry = entry(actor, "team.deleted", remote_ip, "team", id);
    audit_entry.details = {{"name", (*loaded)->name}, {"member_count", (*loaded)->member_count}};
    if (auto ok = record(connection, std::move(audit_entry), now); !ok) return ok.error();
    return std::move(**loaded);
  });
}

}  // namespace worktrace::org
