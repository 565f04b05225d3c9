#include "org/org_service.hpp"

#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/tokens.hpp"
#include "org/people_rules.hpp"
#include "org/sql.hpp"
#include "org/validation.hpp"

#include <algorithm>

namespace worktrace::org {
namespace {

struct ExistingOrg {
  std::string name;
  std::string owner_email;
};

// The first organization and its first owner's email, if there is an organization.
Result<std::optional<ExistingOrg>> find_first_org(storage::Connection& connection) {
  auto statement = connection.prepare(
      "SELECT o.name, coalesce((SELECT u.email FROM users u WHERE u.org_id = o.id AND "
      "u.role = 'owner' ORDER BY u.id LIMIT 1), '') FROM organizations o ORDER BY o.id LIMIT 1");
  if (!statement) return statement.error();
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ExistingOrg>();
  return std::optional<ExistingOrg>(
      ExistingOrg{(*statement)->column_text(0), (*statement)->column_text(1)});
}

OwnerLogin existing_login(ExistingOrg org) {
  return OwnerLogin{std::move(org.name), std::move(org.owner_email), {}, false};
}

struct NewOrg {
  std::string_view name;
  std::string_view owner_email;  // normalized
  std::string_view owner_name;
  std::string_view password_hash;
  bool by_owner = false;  // the audit actor: the new owner, or "system"
  std::string_view via;   // details.via of the audit entry: "signup", "cli", "demo"
  std::string_view remote_ip;
};

struct InsertedOrg {
  OrgId org_id = 0;
  UserId owner_id = 0;
};

// Inserts the organization and its active owner, and records org.created.
Result<InsertedOrg> insert_org_and_owner(storage::Connection& connection, const NewOrg& org,
                                         EpochMs now) {
  InsertedOrg inserted;
  auto org_id = sql::query_int(
      connection, "INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id",
      {org.name, now});
  if (!org_id) return org_id.error();
  if (!*org_id) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
  inserted.org_id = **org_id;
  auto owner_id = sql::query_int(
      connection,
      "INSERT INTO users (org_id, email, name, role, password_hash, status, "
      "password_changed_at, created_at, updated_at) VALUES (?, ?, ?, 'owner', ?, 'active', ?, "
      "?, ?) RETURNING id",
      {inserted.org_id, org.owner_email, org.owner_name, org.password_hash, now, now, now});
  if (!owner_id) return owner_id.error();
  if (!*owner_id) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
  inserted.owner_id = **owner_id;

  audit::Entry entry;
  if (org.by_owner) {
    Actor owner;
    owner.user_id = inserted.owner_id;
    owner.org_id = inserted.org_id;
    owner.role = Role::owner;
    entry = audit::entry_for(owner, "org.created", org.remote_ip);
  } else {
    entry.org_id = inserted.org_id;
    entry.actor = "system";
    entry.action = "org.created";
  }
  entry.target_type = "org";
  entry.target_id = std::to_string(inserted.org_id);
  entry.details = {{"name", org.name}, {"owner_user_id", inserted.owner_id}, {"via", org.via}};
  if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
  return inserted;
}

}  // namespace

OrgService::OrgService(storage::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<OwnerLogin> OrgService::ensure_demo_org(std::optional<std::string> email,
                                               std::optional<std::string> password) {
  auto owner_email = auth::normalize_email(email.value_or(std::string(kDemoOwnerEmail)));
  if (!owner_email) return owner_email.error();
  if (password) {
    if (auto ok = auth::check_new_password(*password, *owner_email); !ok) return ok.error();
  }

  // Hashing is slow: look first, so a server that is set up already does not pay for it.
  auto existing =
      db_.read([](storage::Connection& connection) { return find_first_org(connection); });
  if (!existing) return existing.error();
  if (*existing) return existing_login(std::move(**existing));

  const std::string secret = password
                                 ? std::move(*password)
                                 : auth::random_string(kReadableAlphabet, kGeneratedPasswordLength);
  auto hash = auth::hash_password(secret);
  if (!hash) return hash.error();

  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<OwnerLogin> {
    // Checked again inside the transaction: another process may have won the race.
    auto raced = find_first_org(connection);
    if (!raced) return raced.error();
    if (*raced) return existing_login(std::move(**raced));

    const NewOrg org{kDemoOrgName, *owner_email, kDemoOwnerName, *hash, false, "demo", {}};
    if (auto inserted = insert_org_and_owner(connection, org, now); !inserted) {
      return inserted.error();
    }
    return OwnerLogin{std::string(kDemoOrgName), *owner_email, secret, true};
  });
}

Result<CreatedOrg> OrgService::create_org(std::string_view name, std::string_view owner_email,
                                          std::string_view owner_name,
                                          std::optional<std::string> password, Origin origin,
                                          std::string_view remote_ip) {
  // Messages name the fields of the caller's input: the sign-up body or the CLI options.
  const bool signup = origin == Origin::signup;
  if (auto ok = check_line(signup ? "org_name" : "name", name, 1, kMaxNameCharacters); !ok) {
    return ok.error();
  }
  auto email = normalize_email_field("email", owner_email);
  if (!email) return email.error();
  if (auto ok = check_line(signup ? "name" : "owner_name", owner_name, 1, kMaxNameCharacters);
      !ok) {
    return ok.error();
  }
  CreatedOrg created;
  if (password) {
    if (auto ok = auth::check_new_password(*password, *email); !ok) return ok.error();
  } else {
    created.password = auth::random_string(kReadableAlphabet, kGeneratedPasswordLength);
  }
  // Hashing is slow: outside the write transaction.
  auto hash = auth::hash_password(password ? *password : created.password);
  if (!hash) return hash.error();

  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<CreatedOrg> {
    if (auto ok = people_rules::require_free_email(connection, *email); !ok) return ok.error();
    const NewOrg org{name, *email, owner_name, *hash, signup, signup ? "signup" : "cli", remote_ip};
    auto inserted = insert_org_and_owner(connection, org, now);
    if (!inserted) return inserted.error();
    created.org_id = inserted->org_id;
    created.owner_id = inserted->owner_id;
    return created;
  });
}

Result<std::optional<OrgId>> OrgService::first_org_id() {
  return db_.read([](storage::Connection& connection) -> Result<std::optional<OrgId>> {
    auto statement = connection.prepare("SELECT id FROM organizations ORDER BY id LIMIT 1");
    if (!statement) return statement.error();
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<OrgId>();
    return std::optional<OrgId>((*statement)->column_int(0));
  });
}

}  // namespace worktrace::org
