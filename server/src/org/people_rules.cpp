#include "org/people_rules.hpp"

#include "auth/tokens.hpp"
#include "org/sql.hpp"

#include <algorithm>
#include <string>

namespace worktrace::org::people_rules {

Result<void> require_may_change(const Actor& actor, Role person_role) {
  if (person_role == Role::owner && actor.role != Role::owner) {
    return fail(Errc::permission_denied, "only owners can change owners");
  }
  return {};
}

Result<void> require_department(storage::Connection& connection, OrgId org_id,
                                std::int64_t department_id, std::string_view field) {
  auto found = sql::exists(connection, "SELECT 1 FROM departments WHERE id = ? AND org_id = ?",
                           {department_id, org_id});
  if (!found) return found.error();
  if (!*found) return fail(Errc::invalid_argument, std::string(field) + ": no such department");
  return {};
}

Result<void> require_teams(storage::Connection& connection, OrgId org_id,
                           std::span<const TeamId> team_ids) {
  for (const TeamId team_id : team_ids) {
    auto found = sql::exists(connection, "SELECT 1 FROM teams WHERE id = ? AND org_id = ?",
                             {team_id, org_id});
    if (!found) return found.error();
    if (!*found) return fail(Errc::invalid_argument, "team_ids: no such team");
  }
  return {};
}

Result<void> require_free_email(storage::Connection& connection, std::string_view email) {
  auto taken = sql::exists(connection, "SELECT 1 FROM users WHERE email = ?", {email});
  if (!taken) return taken.error();
  if (*taken) return fail(Errc::conflict, "email: already registered");
  return {};
}

Result<void> require_free_login(storage::Connection& connection, OrgId org_id,
                                std::string_view login, UserId except) {
  auto taken =
      sql::exists(connection, "SELECT 1 FROM users WHERE org_id = ? AND login = ? AND id <> ?",
                  {org_id, login, except});
  if (!taken) return taken.error();
  if (*taken) return fail(Errc::conflict, "login: already taken");
  return {};
}

Result<void> require_free_seat(storage::Connection& connection, OrgId org_id) {
  auto statement = connection.prepare(
      "SELECT seats, (SELECT count(*) FROM users u WHERE u.org_id = o.id AND u.status IN "
      "('active', 'invited')) FROM organizations o WHERE id = ?");
  if (!statement) return statement.error();
  sql::bind(**statement, {org_id});
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return fail(Errc::not_found, "organization not found");
  const std::int64_t seats = (*statement)->column_int(0);
  if ((*statement)->column_int(1) >= seats) {
    return fail(Errc::conflict, "seats: all " + std::to_string(seats) + " seats are taken");
  }
  return {};
}

Result<IssuedInvitation> issue_invitation(storage::Connection& connection, OrgId org_id,
                                          UserId user_id, std::optional<UserId> created_by,
                                          EpochMs now) {
  if (auto ok = sql::execute(connection,
                             "UPDATE invitations SET revoked_at = ? WHERE user_id = ? AND "
                             "accepted_at IS NULL AND revoked_at IS NULL",
                             {now, user_id});
      !ok) {
    return ok.error();
  }
  IssuedInvitation invitation;
  invitation.token = auth::generate_token(kInvitationTokenPrefix);
  invitation.expires_at = now + kInvitationLifetimeMs;
  const auth::TokenHash hash = auth::hash_token(invitation.token);
  auto statement = connection.prepare(
      "INSERT INTO invitations (org_id, user_id, token_hash, created_by, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, org_id);
  s.bind_int(2, user_id);
  s.bind_blob(3, hash);
  s.bind_optional_int(4, created_by);
  s.bind_int(5, now);
  s.bind_int(6, invitation.expires_at);
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
  invitation.id = s.column_int(0);
  statement->reset();

  auto names = connection.prepare(
      "SELECT u.email, u.name, o.name FROM users u JOIN organizations o ON o.id = u.org_id "
      "WHERE u.id = ?");
  if (!names) return names.error();
  sql::bind(**names, {user_id});
  auto found = (*names)->step();
  if (!found) return found.error();
  if (!*found) return fail(Errc::internal, "invited person vanished");
  invitation.email = (*names)->column_text(0);
  invitation.name = (*names)->column_text(1);
  invitation.org_name = (*names)->column_text(2);
  return invitation;
}

Result<std::vector<TeamId>> normalize_team_ids(std::vector<TeamId> team_ids) {
  if (team_ids.size() > kMaxTeamIds) {
    return fail(Errc::invalid_argument,
                "team_ids: must have at most " + std::to_string(kMaxTeamIds) + " items");
  }
  std::sort(team_ids.begin(), team_ids.end());
  team_ids.erase(std::unique(team_ids.begin(), team_ids.end()), team_ids.end());
  return team_ids;
}

}  // namespace worktrace::org::people_rules
