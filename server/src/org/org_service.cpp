#include "org/org_service.hpp"

#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/tokens.hpp"

#include <algorithm>

namespace worktrace::org {
namespace {

// Characters, not bytes: a UTF-8 continuation byte does not start a character.
std::size_t count_characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](unsigned char ch) { return (ch & 0xC0) != 0x80; }));
}

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

}  // namespace

OrgService::OrgService(storage::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<OwnerLogin> OrgService::ensure_demo_org(std::optional<std::string> email,
                                               std::optional<std::string> password) {
  auto owner_email = auth::normalize_email(email.value_or(std::string(kDemoOwnerEmail)));
  if (!owner_email) return owner_email.error();
  if (password && count_characters(*password) < kMinPasswordCharacters) {
    return fail(Errc::invalid_argument, "password: must be at least " +
                                            std::to_string(kMinPasswordCharacters) + " characters");
  }
  if (password && password->size() > auth::kMaxPasswordBytes) {
    return fail(Errc::invalid_argument,
                "password: must be at most " + std::to_string(auth::kMaxPasswordBytes) + " bytes");
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

    auto org = connection.prepare(
        "INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id");
    if (!org) return org.error();
    (*org)->bind_text(1, kDemoOrgName);
    (*org)->bind_int(2, now);
    auto org_row = (*org)->step();
    if (!org_row) return org_row.error();
    if (!*org_row) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    const OrgId org_id = (*org)->column_int(0);

    auto owner = connection.prepare(
        "INSERT INTO users (org_id, email, name, role, password_hash, created_at) "
        "VALUES (?, ?, ?, 'owner', ?, ?)");
    if (!owner) return owner.error();
    (*owner)->bind_int(1, org_id);
    (*owner)->bind_text(2, *owner_email);
    (*owner)->bind_text(3, kDemoOwnerName);
    (*owner)->bind_text(4, *hash);
    (*owner)->bind_int(5, now);
    if (auto inserted = (*owner)->step(); !inserted) return inserted.error();
    return OwnerLogin{std::string(kDemoOrgName), *owner_email, secret, true};
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
