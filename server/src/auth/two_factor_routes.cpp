// Two-factor authentication of the signed-in person: TOTP setup, recovery codes, and the
// check of a second factor at sign-in (part of AuthService).
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "auth/auth_store.hpp"
#include "auth/password.hpp"
#include "auth/policy.hpp"
#include "auth/totp.hpp"
#include "protocol/json_reader.hpp"

#include <boost/json/array.hpp>

#include <ctime>

namespace worktrace::auth {
namespace {

using detail::exec;
using detail::own_account_entry;
using detail::query_int;
using detail::session_actor;

constexpr std::size_t kMaxCodeBytes = 64;

struct StoredTotp {
  std::vector<unsigned char> sealed_secret;
  bool enabled = false;
  std::int64_t last_step = 0;
};

Result<std::optional<StoredTotp>> load_totp(storage::Connection& connection, UserId user) {
  auto statement = connection.prepare(
      "SELECT sealed_secret, enabled_at IS NOT NULL, last_step FROM user_totp WHERE user_id = ?");
  if (!statement) return statement.error();
  (*statement)->bind_int(1, user);
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<StoredTotp>();
  auto& s = **statement;
  return std::optional<StoredTotp>(
      StoredTotp{s.column_blob(0), s.column_int(1) != 0, s.column_int(2)});
}

boost::json::array code_array(const std::vector<std::string>& codes) {
  boost::json::array array;
  for (const auto& code : codes) array.emplace_back(code);
  return array;
}

}  // namespace

Result<Actor> AuthService::reconfirmed_session_actor(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  auto body = detail::object_body(request, {"password"});
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto password = reader->required_string("password", kMaxPasswordBytes);
  if (!password) return password.error();
  auto confirmed = confirm_password(*actor, *password, "password", request);
  if (!confirmed) return confirmed.error();
  return actor;
}

Result<std::vector<std::string>> AuthService::store_recovery_codes(storage::Connection& connection,
                                                                   UserId user) {
  auto removed = exec(connection, "DELETE FROM recovery_codes WHERE user_id = ?",
                      [&](storage::Statement& s) { s.bind_int(1, user); });
  if (!removed) return removed.error();
  auto codes = totp::generate_recovery_codes();
  for (const auto& code : codes) {
    const auto hash = keyed_hash(key_, code);
    auto inserted =
        exec(connection, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
             [&](storage::Statement& s) {
               s.bind_int(1, user);
               s.bind_blob(2, hash);
             });
    if (!inserted) return inserted.error();
  }
  return codes;
}

Result<bool> AuthService::consume_second_factor(storage::Connection& connection, UserId user,
                                                std::string_view code) {
  if (const auto typed = totp::normalize_totp_code(code)) {
    auto stored = load_totp(connection, user);
    if (!stored) return stored.error();
    if (!*stored || !(*stored)->enabled) return false;
    auto secret = unseal(key_, (*stored)->sealed_secret);
    if (!secret) return secret.error();
    const auto step =
        totp::match(*secret, static_cast<std::time_t>(clock_.now_ms() / 1000), *typed);
    // Each code is accepted once: never a step at or before the newest one accepted.
    if (!step || *step <= (*stored)->last_step) return false;
    auto updated = query_int(connection,
                             "UPDATE user_totp SET last_step = ? WHERE user_id = ? AND "
                             "last_step < ? RETURNING user_id",
                             [&](storage::Statement& s) {
                               s.bind_int(1, *step);
                               s.bind_int(2, user);
                               s.bind_int(3, *step);
                             });
    if (!updated) return updated.error();
    return updated->has_value();
  }
  if (const auto typed = totp::normalize_recovery_code(code)) {
    const auto hash = keyed_hash(key_, *typed);
    auto used = query_int(connection,
                          "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND "
                          "code_hash = ? AND used_at IS NULL RETURNING id",
                          [&](storage::Statement& s) {
                            s.bind_int(1, clock_.now_ms());
                            s.bind_int(2, user);
                            s.bind_blob(3, hash);
                          });
    if (!used) return used.error();
    return used->has_value();
  }
  return false;
}

Result<api::Response> AuthService::setup_2fa(const api::Request& request) {
  auto actor = session_actor(authenticate(request, Allow::mfa_setup));
  if (!actor) return actor.error();
  const auto secret = totp::generate_secret();
  const auto sealed = seal(key_, secret);
  const EpochMs now = clock_.now_ms();
  auto email = db_.write([&](storage::Connection& connection) -> Result<std::string> {
    auto stored = load_totp(connection, actor->user_id);
    if (!stored) return stored.error();
    if (*stored && (*stored)->enabled) {
      return fail(Errc::conflict, "two-factor authentication is already enabled");
    }
    // A new setup replaces an unfinished one.
    auto saved = exec(connection,
                      "INSERT INTO user_totp (user_id, sealed_secret, enabled_at, last_step, "
                      "created_at) VALUES (?, ?, NULL, 0, ?) ON CONFLICT (user_id) DO UPDATE SET "
                      "sealed_secret = excluded.sealed_secret, enabled_at = NULL, last_step = 0, "
                      "created_at = excluded.created_at",
                      [&](storage::Statement& s) {
                        s.bind_int(1, actor->user_id);
                        s.bind_blob(2, sealed);
                        s.bind_int(3, now);
                      });
    if (!saved) return saved.error();
    auto statement = connection.prepare("SELECT email FROM users WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, actor->user_id);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::unauthenticated, "the signed-in user no longer exists");
    return (*statement)->column_text(0);
  });
  if (!email) return email.error();
  const std::string encoded = totp::base32(secret);
  auto response = api::Response::json(
      200, {{"secret", encoded}, {"otpauth_uri", totp::otpauth_uri(*email, encoded)}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> AuthService::enable_2fa(const api::Request& request) {
  auto actor = session_actor(authenticate(request, Allow::mfa_setup));
  if (!actor) return actor.error();
  auto body = detail::object_body(request, {"code", "password"});
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto code = reader->required_string("code", kMaxCodeBytes);
  if (!code) return code.error();
  auto password = reader->required_string("password", kMaxPasswordBytes);
  if (!password) return password.error();
  const auto typed = totp::normalize_totp_code(*code);
  if (!typed) return fail(Errc::invalid_argument, "code: must be the 6 digits your app shows");
  // A stolen cookie alone must not be enough to take the second factor over.
  auto confirmed = confirm_password(*actor, *password, "password", request);
  if (!confirmed) return confirmed.error();

  const EpochMs now = clock_.now_ms();
  auto codes = db_.write([&](storage::Connection& connection) -> Result<std::vector<std::string>> {
    auto stored = load_totp(connection, actor->user_id);
    if (!stored) return stored.error();
    if (!*stored) return fail(Errc::conflict, "set up two-factor authentication first");
    if ((*stored)->enabled) {
      return fail(Errc::conflict, "two-factor authentication is already enabled");
    }
    auto secret = unseal(key_, (*stored)->sealed_secret);
    if (!secret) return secret.error();
    const auto step = totp::match(*secret, static_cast<std::time_t>(now / 1000), *typed);
    if (!step) return fail(Errc::invalid_argument, "code: is wrong");
    auto enabled =
        exec(connection, "UPDATE user_totp SET enabled_at = ?, last_step = ? WHERE user_id = ?",
             [&](storage::Statement& s) {
               s.bind_int(1, now);
               s.bind_int(2, *step);
               s.bind_int(3, actor->user_id);
             });
    if (!enabled) return enabled.error();
    auto marked =
        exec(connection, "UPDATE sessions SET mfa_at = ? WHERE id = ?", [&](storage::Statement& s) {
          s.bind_int(1, now);
          s.bind_int(2, actor->session_id);
        });
    if (!marked) return marked.error();
    auto fresh = store_recovery_codes(connection, actor->user_id);
    if (!fresh) return fresh.error();
    auto appended =
        audit::append(connection, own_account_entry(*actor, "auth.2fa_enabled", request), now);
    if (!appended) return appended.error();
    return fresh;
  });
  if (!codes) return codes.error();
  cache_.invalidate();
  auto response = api::Response::json(200, {{"recovery_codes", code_array(*codes)}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> AuthService::disable_2fa(const api::Request& request) {
  auto actor = reconfirmed_session_actor(request);
  if (!actor) return actor.error();
  auto disabled = db_.write([&](storage::Connection& connection) -> Result<void> {
    auto required = query_int(connection, "SELECT require_2fa FROM organizations WHERE id = ?",
                              [&](storage::Statement& s) { s.bind_int(1, actor->org_id); });
    if (!required) return required.error();
    if (required->value_or(0) != 0 && detail::role_needs_2fa(actor->role)) {
      return fail(Errc::conflict,
                  "your organization requires two-factor authentication for your role");
    }
    auto removed = query_int(connection,
                             "DELETE FROM user_totp WHERE user_id = ? AND enabled_at IS NOT NULL "
                             "RETURNING user_id",
                             [&](storage::Statement& s) { s.bind_int(1, actor->user_id); });
    if (!removed) return removed.error();
    if (!*removed) return fail(Errc::conflict, "two-factor authentication is not enabled");
    auto codes = exec(connection, "DELETE FROM recovery_codes WHERE user_id = ?",
                      [&](storage::Statement& s) { s.bind_int(1, actor->user_id); });
    if (!codes) return codes;
    auto appended = audit::append(
        connection, own_account_entry(*actor, "auth.2fa_disabled", request), clock_.now_ms());
    if (!appended) return appended.error();
    return {};
  });
  if (!disabled) return disabled.error();
  cache_.invalidate();
  return api::Response::no_content();
}

Result<api::Response> AuthService::regenerate_recovery_codes(const api::Request& request) {
  auto actor = reconfirmed_session_actor(request);
  if (!actor) return actor.error();
  auto codes = db_.write([&](storage::Connection& connection) -> Result<std::vector<std::string>> {
    auto stored = load_totp(connection, actor->user_id);
    if (!stored) return stored.error();
    if (!*stored || !(*stored)->enabled) {
      return fail(Errc::conflict, "two-factor authentication is not enabled");
    }
    auto fresh = store_recovery_codes(connection, actor->user_id);
    if (!fresh) return fresh.error();
    auto appended = audit::append(
        connection, own_account_entry(*actor, "auth.recovery_codes_regenerated", request),
        clock_.now_ms());
    if (!appended) return appended.error();
    return fresh;
  });
  if (!codes) return codes.error();
  auto response = api::Response::json(200, {{"recovery_codes", code_array(*codes)}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

}  // namespace worktrace::auth
