// PeopleService: invitation links (the rest is in people_service.cpp).
#include "org/people_service.hpp"

#include "audit/audit_log.hpp"
#include "auth/password.hpp"
#include "auth/policy.hpp"
#include "auth/tokens.hpp"
#include "org/people_rules.hpp"
#include "org/sql.hpp"
#include "org/validation.hpp"

namespace worktrace::org {
namespace {

Error unknown_invitation() {
  return fail(Errc::not_found, "invitation is unknown, used or expired");
}

struct LiveInvitation {
  std::int64_t id = 0;
  UserId user_id = 0;
  OrgId org_id = 0;
  Role role = Role::employee;
  InvitationView view;
};

// The live invitation of `token`: not used, not voided, not expired, its person still invited.
Result<std::optional<LiveInvitation>> find_live(storage::Connection& connection,
                                                std::string_view token, EpochMs now) {
  if (token.size() > auth::kMaxTokenBytes || !token.starts_with(kInvitationTokenPrefix)) {
    return std::optional<LiveInvitation>();
  }
  const auth::TokenHash hash = auth::hash_token(token);
  auto statement = connection.prepare(
      "SELECT i.id, u.id, u.org_id, u.role, u.email, u.name, o.name, i.expires_at "
      "FROM invitations i JOIN users u ON u.id = i.user_id AND u.org_id = i.org_id "
      "JOIN organizations o ON o.id = u.org_id WHERE i.token_hash = ? AND "
      "i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? AND "
      "u.status = 'invited'");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_blob(1, hash);
  s.bind_int(2, now);
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return std::optional<LiveInvitation>();
  LiveInvitation live;
  live.id = s.column_int(0);
  live.user_id = s.column_int(1);
  live.org_id = s.column_int(2);
  live.role = parse_role(s.column_text(3)).value_or(Role::employee);
  live.view = InvitationView{s.column_text(4), s.column_text(5), s.column_text(6), s.column_int(7)};
  return std::optional<LiveInvitation>(std::move(live));
}

}  // namespace

Result<IssuedInvitation> PeopleService::reissue_invitation(const Actor& actor,
                                                           std::string_view remote_ip, UserId id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::people_write); !ok) {
    return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<IssuedInvitation> {
    auto person = auth::load_person(connection, actor.org_id, id);
    if (!person) return person.error();
    if (!*person) return fail(Errc::not_found, "person not found");
    if ((*person)->status != auth::PersonStatus::invited) {
      return fail(Errc::conflict, "invitation: only invited people get a new invitation");
    }
    if ((*person)->role == Role::owner && actor.role != Role::owner) {
      return fail(Errc::permission_denied, "only owners can invite owners");
    }
    auto invitation =
        people_rules::issue_invitation(connection, actor.org_id, id, actor.user_id, now);
    if (!invitation) return invitation.error();
    auto entry = audit::entry_for(actor, "invitation.reissued", remote_ip);
    entry.target_type = "invitation";
    entry.target_id = std::to_string(invitation->id);
    entry.subject_user_id = id;
    if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
    return invitation;
  });
}

Result<void> PeopleService::cancel_invitation(const Actor& actor, std::string_view remote_ip,
                                              UserId id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::people_write); !ok) {
    return ok.error();
  }
  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<void> {
    auto person = auth::load_person(connection, actor.org_id, id);
    if (!person) return person.error();
    if (!*person) return fail(Errc::not_found, "person not found");
    if ((*person)->role == Role::owner && actor.role != Role::owner) {
      return fail(Errc::permission_denied, "only owners can cancel owners' invitations");
    }
    if ((*person)->status != auth::PersonStatus::invited) {
      return fail(Errc::conflict,
                  "only invited people can be deleted; suspend active people instead");
    }
    if (auto ok =
            sql::execute(connection, "DELETE FROM invitations WHERE user_id = ? AND org_id = ?",
                         {id, actor.org_id});
        !ok) {
      return ok.error();
    }
    // Team memberships, TOTP rows and the like go with the row (ON DELETE CASCADE).
    if (auto ok = sql::execute(connection,
                               "DELETE FROM users WHERE id = ? AND org_id = ? AND status = "
                               "'invited'",
                               {id, actor.org_id});
        !ok) {
      return ok.error();
    }
    auto entry = audit::entry_for(actor, "person.invitation_cancelled", remote_ip);
    entry.target_type = "user";
    entry.target_id = std::to_string(id);
    entry.details = {{"email", (*person)->email}};
    if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
    return {};
  });
}

Result<InvitationView> PeopleService::find_invitation(std::string_view token) {
  const EpochMs now = clock_.now_ms();
  auto live =
      db_.read([&](storage::Connection& connection) { return find_live(connection, token, now); });
  if (!live) return live.error();
  if (!*live) return unknown_invitation();
  return std::move((*live)->view);
}

Result<Joined> PeopleService::accept_invitation(std::string_view token, std::string_view password,
                                                std::optional<std::string> name,
                                                std::string_view remote_ip) {
  if (name) {
    if (auto ok = check_line("name", *name, 1, kMaxNameCharacters); !ok) return ok.error();
  }
  auto found = find_invitation(token);
  if (!found) return found.error();
  if (auto ok = auth::check_new_password(password, found->email); !ok) return ok.error();
  // Hashing is slow: outside the write transaction, which checks the invitation again.
  auto hash = auth::hash_password(password);
  if (!hash) return hash.error();

  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<Joined> {
    auto live = find_live(connection, token, now);
    if (!live) return live.error();
    if (!*live) return unknown_invitation();
    const LiveInvitation& invitation = **live;
    const std::string& new_name = name ? *name : invitation.view.name;
    if (auto ok = sql::execute(
            connection,
            "UPDATE users SET password_hash = ?, name = ?, status = 'active', "
            "password_changed_at = ?, updated_at = ? WHERE id = ?",
            {std::string_view(*hash), std::string_view(new_name), now, now, invitation.user_id});
        !ok) {
      return ok.error();
    }
    if (auto ok = sql::execute(connection, "UPDATE invitations SET accepted_at = ? WHERE id = ?",
                               {now, invitation.id});
        !ok) {
      return ok.error();
    }
    Actor joined;
    joined.user_id = invitation.user_id;
    joined.org_id = invitation.org_id;
    joined.role = invitation.role;
    auto entry = audit::entry_for(joined, "person.joined", remote_ip);
    entry.target_type = "user";
    entry.target_id = std::to_string(invitation.user_id);
    entry.subject_user_id = invitation.user_id;
    if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
    return Joined{invitation.user_id, invitation.org_id};
  });
}

}  // namespace worktrace::org
