// Password sign-in with throttling, and its second step with a TOTP or recovery code (part
// of AuthService).
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "auth/auth_store.hpp"
#include "auth/password.hpp"
#include "auth/tokens.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>

namespace worktrace::auth {
namespace {

using detail::exec;
using detail::query_int;

constexpr std::string_view kWrongLogin = "email or password is wrong";
constexpr std::string_view kWrongCode = "code is wrong";
// Longest second-factor code accepted from a client (a recovery code with spaces at most).
constexpr std::size_t kMaxCodeBytes = 64;

// The hash checked when the email is unknown, so that answer takes as long as a wrong
// password. Made once, from a password nobody knows.
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto made = hash_password(random_string("abcdefghijklmnopqrstuvwxyz", 24));
    return made ? *made : std::string();
  }();
  return hash;
}

struct StoredLogin {
  UserId id = 0;
  OrgId org_id = 0;
  std::string password_hash;
  bool active = false;
  bool has_totp = false;
};

Result<std::optional<StoredLogin>> find_login(storage::Connection& connection,
                                              const std::string& email) {
  auto statement = connection.prepare(
      "SELECT u.id, u.org_id, u.password_hash, u.status, EXISTS (SELECT 1 FROM user_totp t "
      "WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL) FROM users u WHERE u.email = ?");
  if (!statement) return statement.error();
  (*statement)->bind_text(1, email);
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<StoredLogin>();
  auto& s = **statement;
  StoredLogin login;
  login.id = s.column_int(0);
  login.org_id = s.column_int(1);
  login.password_hash = s.column_text(2);
  login.active = s.column_text(3) == "active";
  login.has_totp = s.column_int(4) != 0;
  return std::optional<StoredLogin>(std::move(login));
}

// The audit entry of a failed sign-in for an email no account has: only the address it came
// from, in the server's own chain (organization 0).
audit::Entry unknown_account_entry(std::string_view ip) {
  audit::Entry entry;
  entry.org_id = 0;
  entry.actor = "anonymous";
  entry.action = "auth.login_failed_unknown_account";
  entry.remote_ip = std::string(ip);
  return entry;
}

}  // namespace

api::Response AuthService::throttled(std::int64_t wait_s) const {
  auto response =
      api::Response::from_error(fail(Errc::rate_limited, "too many failed sign-ins; try again in " +
                                                             std::to_string(wait_s) + " s"));
  response.set_header("Retry-After", std::to_string(wait_s));
  return response;
}

Result<api::Response> AuthService::login(const api::Request& request) {
  auto body = detail::object_body(request, {"email", "password"});
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto email = reader->required_string("email", kMaxEmailBytes);
  if (!email) return email.error();
  auto password = reader->required_string("password", kMaxPasswordBytes);
  if (!password) return password.error();

  // A malformed email is simply not a known one: same answer, same time.
  auto normalized = normalize_email(*email);
  const std::string account = normalized ? *normalized : *email;
  const std::string_view ip = detail::remote_ip_of(request);
  // Known or not, the attempt is reserved (counted as failed) before any password is
  // checked, so parallel guesses cannot all pass; a throttled one is refused.
  if (const auto wait = throttle_.reserve(account, ip); wait > 0) return throttled(wait);

  auto slot = PasswordSlot::take(password_slots_);
  if (!slot) {
    throttle_.refund(account, ip);
    return slot.error();
  }
  auto found = db_.read([&](storage::Connection& connection) {
    return normalized ? find_login(connection, *normalized)
                      : Result<std::optional<StoredLogin>>(std::optional<StoredLogin>());
  });
  if (!found) {
    throttle_.refund(account, ip);
    return found.error();
  }
  // One Argon2id verification on every path: an unknown email answers as slowly as a wrong
  // password, with the same message.
  const bool known = found->has_value();
  const bool verified =
      known && (*found)->active && verify_password((*found)->password_hash, *password);
  if (!known || !(*found)->active) (void)verify_password(dummy_hash(), *password);
  if (!verified) {
    if (!known) {
      // The same work as for a known account (one audit commit), into the server's own
      // chain: organization 0, which no organization's audit log shows. Never the email.
      spdlog::info("auth: failed sign-in for an unknown email from {}", ip);
      auto recorded = db_.write([&](storage::Connection& connection) -> Result<void> {
        auto appended = audit::append(connection, unknown_account_entry(ip), clock_.now_ms());
        if (!appended) return appended.error();
        return {};
      });
      if (!recorded) {
        spdlog::error("auth: cannot audit a failed sign-in: {}", recorded.error().message);
      }
      return fail(Errc::unauthenticated, std::string(kWrongLogin));
    }
    const StoredLogin& user = **found;
    auto recorded = db_.write([&](storage::Connection& connection) -> Result<void> {
      auto entry = detail::sign_in_entry(user.org_id, user.id, "auth.login_failed", request);
      entry.details = {{"reason", user.active ? "wrong password" : "account not active"}};
      auto appended = audit::append(connection, std::move(entry), clock_.now_ms());
      if (!appended) return appended.error();
      return {};
    });
    if (!recorded)
      spdlog::error("auth: cannot audit a failed sign-in: {}", recorded.error().message);
    return fail(Errc::unauthenticated, std::string(kWrongLogin));
  }
  const StoredLogin& user = **found;
  if (password_needs_rehash(user.password_hash)) {
    if (auto fresh = hash_password(*password)) {
      auto updated = db_.write([&](storage::Connection& connection) {
        return exec(connection, "UPDATE users SET password_hash = ? WHERE id = ?",
                    [&](storage::Statement& s) {
                      s.bind_text(1, *fresh);
                      s.bind_int(2, user.id);
                    });
      });
      if (!updated)
        spdlog::warn("auth: cannot store a rehashed password: {}", updated.error().message);
    }
  }
  if (!user.has_totp) {
    auto response = start_session(user.id, request, 200, /*with_mfa=*/false,
                                  /*audit_login=*/true);
    if (response) {
      throttle_.record_success(account, ip);
    } else {
      throttle_.refund(account, ip);
    }
    return response;
  }

  // The password was right, so the attempt is given back; the sign-in completes at
  // /auth/login/2fa. The failure counters are cleared only then, so wrong codes keep slowing
  // an attacker down.
  throttle_.refund(account, ip);
  const std::string challenge = generate_token(kChallengePrefix);
  const EpochMs now = clock_.now_ms();
  auto stored = db_.write([&](storage::Connection& connection) -> Result<void> {
    auto purged =
        exec(connection, "DELETE FROM login_challenges WHERE user_id = ? AND expires_at <= ?",
             [&](storage::Statement& s) {
               s.bind_int(1, user.id);
               s.bind_int(2, now);
             });
    if (!purged) return purged;
    return exec(connection,
                "INSERT INTO login_challenges (user_id, token_hash, attempts, created_at, "
                "expires_at) VALUES (?, ?, 0, ?, ?)",
                [&](storage::Statement& s) {
                  s.bind_int(1, user.id);
                  s.bind_blob(2, hash_token(challenge));
                  s.bind_int(3, now);
                  s.bind_int(4, now + kChallengeLifetimeMs);
                });
  });
  if (!stored) return stored.error();
  auto response = api::Response::json(200, {{"mfa_required", true}, {"challenge", challenge}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> AuthService::login_2fa(const api::Request& request) {
  auto body = detail::object_body(request, {"challenge", "code"});
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto challenge = reader->required_string("challenge", kMaxTokenBytes);
  if (!challenge) return challenge.error();
  auto code = reader->required_string("code", kMaxCodeBytes);
  if (!code) return code.error();

  const std::string_view ip = detail::remote_ip_of(request);
  const TokenHash hash = hash_token(*challenge);
  struct Pending {
    std::int64_t id = 0;
    UserId user = 0;
    OrgId org_id = 0;
    std::string email;
  };
  auto pending = db_.read([&](storage::Connection& connection) -> Result<std::optional<Pending>> {
    auto statement = connection.prepare(
        "SELECT c.id, u.id, u.org_id, u.email FROM login_challenges c JOIN users u ON "
        "u.id = c.user_id WHERE c.token_hash = ? AND c.expires_at > ? AND c.attempts < ? "
        "AND u.status = 'active'");
    if (!statement) return statement.error();
    (*statement)->bind_blob(1, hash);
    (*statement)->bind_int(2, clock_.now_ms());
    (*statement)->bind_int(3, kChallengeAttempts);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Pending>();
    auto& s = **statement;
    return std::optional<Pending>(
        Pending{s.column_int(0), s.column_int(1), s.column_int(2), s.column_text(3)});
  });
  if (!pending) return pending.error();
  if (!*pending) return fail(Errc::unauthenticated, std::string(kWrongCode));
  const Pending& sign_in = **pending;
  // Reserved before the code is checked, like the password step.
  if (const auto wait = throttle_.reserve(sign_in.email, ip); wait > 0) return throttled(wait);

  auto accepted = db_.write([&](storage::Connection& connection) -> Result<bool> {
    // Counted first, so the attempt counts whatever the outcome.
    auto counted = query_int(connection,
                             "UPDATE login_challenges SET attempts = attempts + 1 "
                             "WHERE id = ? AND attempts < ? RETURNING attempts",
                             [&](storage::Statement& s) {
                               s.bind_int(1, sign_in.id);
                               s.bind_int(2, kChallengeAttempts);
                             });
    if (!counted) return counted.error();
    if (!*counted) return false;
    auto matched = consume_second_factor(connection, sign_in.user, *code);
    if (!matched) return matched.error();
    if (*matched) {
      auto removed = exec(connection, "DELETE FROM login_challenges WHERE id = ?",
                          [&](storage::Statement& s) { s.bind_int(1, sign_in.id); });
      if (!removed) return removed.error();
      return true;
    }
    auto entry =
        detail::sign_in_entry(sign_in.org_id, sign_in.user, "auth.2fa_challenge_failed", request);
    entry.details = {{"attempt", **counted}};
    auto appended = audit::append(connection, std::move(entry), clock_.now_ms());
    if (!appended) return appended.error();
    return false;
  });
  if (!accepted) {
    throttle_.refund(sign_in.email, ip);
    return accepted.error();
  }
  if (!*accepted) return fail(Errc::unauthenticated, std::string(kWrongCode));
  auto response =
      start_session(sign_in.user, request, 200, /*with_mfa=*/true, /*audit_login=*/true);
  if (response) {
    throttle_.record_success(sign_in.email, ip);
  } else {
    throttle_.refund(sign_in.email, ip);
  }
  return response;
}

}  // namespace worktrace::auth
