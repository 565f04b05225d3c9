// StructureService: team membership (the rest is in structure_service.cpp).
#include "org/structure_service.hpp"

#include "audit/audit_log.hpp"
#include "auth/policy.hpp"
#include "org/people_rules.hpp"
#include "org/sql.hpp"

namespace worktrace::org {
namespace {

constexpr std::string_view kMemberColumns =
    "SELECT u.id, u.name, u.email, u.role, u.status, m.is_manager FROM team_members m "
    "JOIN users u ON u.id = m.user_id ";

Result<TeamMember> read_member(const storage::Statement& s) {
  TeamMember member;
  member.user_id = s.column_int(0);
  member.name = s.column_text(1);
  member.email = s.column_text(2);
  auto role = parse_role(s.column_text(3));
  auto status = auth::parse_person_status(s.column_text(4));
  if (!role || !status) return fail(Errc::internal, "users: unknown role or status");
  member.role = *role;
  member.status = *status;
  member.is_manager = s.column_int(5) != 0;
  return member;
}

Result<void> require_team(storage::Connection& connection, OrgId org_id, TeamId team_id) {
  auto found =
      sql::exists(connection, "SELECT 1 FROM teams WHERE id = ? AND org_id = ?", {team_id, org_id});
  if (!found) return found.error();
  if (!*found) return fail(Errc::not_found, "team not found");
  return {};
}

Result<std::optional<TeamMember>> load_member(storage::Connection& connection, TeamId team_id,
                                              UserId user_id) {
  auto statement =
      connection.prepare(std::string(kMemberColumns) + "WHERE m.team_id = ? AND m.user_id = ?");
  if (!statement) return statement.error();
  sql::bind(**statement, {team_id, user_id});
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<TeamMember>();
  auto member = read_member(**statement);
  if (!member) return member.error();
  return std::optional<TeamMember>(std::move(*member));
}

audit::Entry member_entry(const Actor& actor, std::string_view action, std::string_view remote_ip,
                          TeamId team_id, UserId user_id) {
  auto entry = audit::entry_for(actor, action, remote_ip);
  entry.target_type = "team";
  entry.target_id = std::to_string(team_id);
  entry.subject_user_id = user_id;
  return entry;
}

}  // namespace

Result<std::vector<TeamMember>> StructureService::list_members(const Actor& actor, TeamId team_id) {
  if (auto ok =
          auth::authorize(actor, {Role::owner, Role::admin, Role::manager}, Scope::people_read);
      !ok) {
    return ok.error();
  }
  return db_.read([&](storage::Connection& connection) -> Result<std::vector<TeamMember>> {
    if (auto ok = require_team(connection, actor.org_id, team_id); !ok) return ok.error();
    const TeamId ids[] = {team_id};
    if (!auth::is_admin(actor) && !auth::manages_any(actor, ids)) {
      return fail(Errc::permission_denied, "only owners, admins and its managers see a team");
    }
    auto statement = connection.prepare(std::string(kMemberColumns) +
                                        "WHERE m.team_id = ? ORDER BY lower(u.name), u.id");
    if (!statement) return statement.error();
    sql::bind(**statement, {team_id});
    std::vector<TeamMember> members;
    for (;;) {
      auto row = (*statement)->step();
      if (!row) return row.error();
      if (!*row) return members;
      auto member = read_member(**statement);
      if (!member) return member.error();
      members.push_back(std::move(*member));
    }
  });
}

Result<TeamMember> StructureService::put_member(const Actor& actor, std::string_view remote_ip,
                                                TeamId team_id, UserId user_id, bool is_manager) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::people_write); !ok) {
    return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<TeamMember> {
    if (auto ok = require_team(connection, actor.org_id, team_id); !ok) return ok.error();
    auto role = connection.prepare("SELECT role FROM users WHERE id = ? AND org_id = ?");
    if (!role) return role.error();
    sql::bind(**role, {user_id, actor.org_id});
    auto row = (*role)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::not_found, "person not found");
    const auto person_role = parse_role((*role)->column_text(0));
    role->reset();
    if (!person_role) return fail(Errc::internal, "users: unknown role");
    if (auto ok = people_rules::require_may_change(actor, *person_role); !ok) return ok.error();
    if (is_manager && person_role == Role::employee) {
      return fail(Errc::invalid_argument,
                  "is_manager: only managers, admins and owners can manage a team");
    }
    auto existing = load_member(connection, team_id, user_id);
    if (!existing) return existing.error();
    if (*existing && (*existing)->is_manager == is_manager) return std::move(**existing);
    if (auto ok = sql::execute(connection,
                               "INSERT INTO team_members (team_id, user_id, is_manager, added_at) "
                               "VALUES (?, ?, ?, ?) ON CONFLICT (team_id, user_id) DO UPDATE "
                               "SET is_manager = excluded.is_manager",
                               {team_id, user_id, std::int64_t{is_manager ? 1 : 0}, now});
        !ok) {
      return ok.error();
    }
    auto entry = member_entry(actor, *existing ? "team.member_updated" : "team.member_added",
                              remote_ip, team_id, user_id);
    entry.details = {{"is_manager", is_manager}};
    if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
    auto member = load_member(connection, team_id, user_id);
    if (!member) return member.error();
    if (!*member) return fail(Errc::internal, "team member vanished");
    return std::move(**member);
  });
}

Result<void> StructureService::remove_member(const Actor& actor, std::string_view remote_ip,
                                             TeamId team_id, UserId user_id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::people_write); !ok) {
    return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<void> {
    if (auto ok = require_team(connection, actor.org_id, team_id); !ok) return ok.error();
    auto member = load_member(connection, team_id, user_id);
    if (!member) return member.error();
    if (!*member) return fail(Errc::not_found, "member not found");
    if (auto ok = people_rules::require_may_change(actor, (*member)->role); !ok) return ok.error();
    if (auto ok =
            sql::execute(connection, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                         {team_id, user_id});
        !ok) {
      return ok.error();
    }
    auto appended = audit::append(
        connection, member_entry(actor, "team.member_removed", remote_ip, team_id, user_id), now);
    if (!appended) return appended.error();
    return {};
  });
}

}  // namespace worktrace::org
