#include "auth/auth_service.hpp"

#include "auth/password.hpp"
#include "auth/tokens.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <optional>

namespace worktrace::auth {
namespace {

constexpr std::string_view kWrongLogin = "email or password is wrong";
constexpr std::size_t kMaxUserAgentBytes = 512;
constexpr std::size_t kMaxRemoteIpBytes = 64;

// Renders a failure; failures the client cannot see the cause of are logged here.
api::Response respond(Result<api::Response> outcome) {
  if (outcome) return std::move(*outcome);
  if (api::http_status(outcome.error()) >= 500) {
    spdlog::error("auth: {} ({})", outcome.error().message, outcome.error().code.message());
  }
  return api::Response::from_error(outcome.error());
}

// The hash checked when the email is unknown, so that answer takes as long as a wrong
// password. Made once, from a password nobody knows.
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto made = hash_password(random_string("abcdefghijklmnopqrstuvwxyz", 24));
    return made ? *made : std::string();
  }();
  return hash;
}

std::string session_cookie(std::string_view value, EpochMs max_age_ms, bool secure) {
  std::string cookie(kSessionCookie);
  cookie += '=';
  cookie += value;
  cookie +=
      "; Path=/; Max-Age=" + std::to_string(max_age_ms / 1000) + "; HttpOnly; SameSite=Strict";
  if (secure) cookie += "; Secure";
  return cookie;
}

Result<Role> role_of(std::string_view name) {
  auto role = parse_role(name);
  if (!role) return fail(Errc::internal, "unknown role '" + std::string(name) + "' in users");
  return *role;
}

struct StoredLogin {
  UserProfile profile;
  std::string password_hash;
  bool active = false;
};

Result<std::optional<StoredLogin>> find_login(storage::Connection& connection,
                                              const std::string& email) {
  auto statement = connection.prepare(
      "SELECT u.id, u.org_id, u.email, u.name, u.role, u.password_hash, u.status, o.name "
      "FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.email = ?");
  if (!statement) return statement.error();
  (*statement)->bind_text(1, email);
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<StoredLogin>();
  StoredLogin login;
  auto& s = **statement;
  login.profile.id = s.column_int(0);
  login.profile.org_id = s.column_int(1);
  login.profile.email = s.column_text(2);
  login.profile.name = s.column_text(3);
  auto role = role_of(s.column_text(4));
  if (!role) return role.error();
  login.profile.role = *role;
  login.password_hash = s.column_text(5);
  login.active = s.column_text(6) == "active";
  login.profile.org_name = s.column_text(7);
  return std::optional<StoredLogin>(std::move(login));
}

Result<void> run(storage::Connection& connection, std::string_view sql,
                 const std::function<void(storage::Statement&)>& bind) {
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  bind(**statement);
  auto done = (*statement)->step();
  if (!done) return done.error();
  return {};
}

}  // namespace

Result<std::string> normalize_email(std::string_view email) {
  const auto at = email.find('@');
  const bool shaped = at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
                      email.find('@', at + 1) == std::string_view::npos;
  const bool printable = std::all_of(email.begin(), email.end(),
                                     [](unsigned char ch) { return ch > ' ' && ch != 0x7f; });
  if (!shaped || !printable || email.size() > kMaxEmailBytes) {
    return fail(Errc::invalid_argument,
                "email: must be an address like name@example.com of at "
                "most " +
                    std::to_string(kMaxEmailBytes) + " bytes");
  }
  std::string lowered(email);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char ch) {
    return static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  });
  return lowered;
}

boost::json::object user_json(const UserProfile& profile) {
  return {{"id", profile.id},
          {"email", profile.email},
          {"name", profile.name},
          {"role", role_name(profile.role)}};
}

boost::json::object org_json(const UserProfile& profile) {
  return {{"id", profile.org_id}, {"name", profile.org_name}};
}

AuthService::AuthService(storage::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<Actor> AuthService::authenticate(const api::Request& request) {
  const std::string token = request.cookie(kSessionCookie);
  if (token.empty()) return fail(Errc::unauthenticated, "sign in first");
  if (token.size() > kMaxTokenBytes) return fail(Errc::unauthenticated, "session is not valid");
  const TokenHash hash = hash_token(token);

  struct Found {
    std::int64_t session_id = 0;
    EpochMs last_seen_at = 0;
    EpochMs expires_at = 0;
    Actor actor;
    bool active = false;
  };
  auto found = db_.read([&](storage::Connection& connection) -> Result<std::optional<Found>> {
    auto statement = connection.prepare(
        "SELECT s.id, s.last_seen_at, s.expires_at, u.id, u.org_id, u.role, u.status "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?");
    if (!statement) return statement.error();
    (*statement)->bind_blob(1, hash);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Found>();
    auto& s = **statement;
    Found session;
    session.session_id = s.column_int(0);
    session.last_seen_at = s.column_int(1);
    session.expires_at = s.column_int(2);
    session.actor.user_id = s.column_int(3);
    session.actor.org_id = s.column_int(4);
    auto role = role_of(s.column_text(5));
    if (!role) return role.error();
    session.actor.role = *role;
    session.active = s.column_text(6) == "active";
    return std::optional<Found>(std::move(session));
  });
  if (!found) return found.error();
  if (!*found) return fail(Errc::unauthenticated, "session is unknown or has ended");

  const Found& session = **found;
  const EpochMs now = clock_.now_ms();
  const bool expired = now >= session.expires_at || now - session.last_seen_at >= kSessionIdleMs;
  if (expired || !session.active) {
    auto removed = db_.write([&](storage::Connection& connection) {
      return run(connection, "DELETE FROM sessions WHERE id = ?",
                 [&](storage::Statement& s) { s.bind_int(1, session.session_id); });
    });
    if (!removed) spdlog::warn("auth: cannot delete an ended session: {}", removed.error().message);
    return fail(Errc::unauthenticated, "session is unknown or has ended");
  }
  if (now - session.last_seen_at >= kSessionTouchIntervalMs) {
    auto touched = db_.write([&](storage::Connection& connection) {
      return run(connection, "UPDATE sessions SET last_seen_at = ? WHERE id = ?",
                 [&](storage::Statement& s) {
                   s.bind_int(1, now);
                   s.bind_int(2, session.session_id);
                 });
    });
    // The request is authentic either way; a missed touch only shortens the idle window.
    if (!touched) spdlog::warn("auth: cannot touch a session: {}", touched.error().message);
  }
  return session.actor;
}

Result<UserProfile> AuthService::profile(const Actor& actor) {
  auto found = db_.read([&](storage::Connection& connection) -> Result<std::optional<UserProfile>> {
    auto statement = connection.prepare(
        "SELECT u.email, u.name, u.role, o.name FROM users u "
        "JOIN organizations o ON o.id = u.org_id WHERE u.id = ? AND u.org_id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, actor.user_id);
    (*statement)->bind_int(2, actor.org_id);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<UserProfile>();
    auto& s = **statement;
    UserProfile profile;
    profile.id = actor.user_id;
    profile.org_id = actor.org_id;
    profile.email = s.column_text(0);
    profile.name = s.column_text(1);
    auto role = role_of(s.column_text(2));
    if (!role) return role.error();
    profile.role = *role;
    profile.org_name = s.column_text(3);
    return std::optional<UserProfile>(std::move(profile));
  });
  if (!found) return found.error();
  if (!*found) return fail(Errc::unauthenticated, "the signed-in user no longer exists");
  return std::move(**found);
}

void AuthService::register_routes(api::Router& router) {
  router.add("POST", "/api/v1/auth/login",
             [this](api::Request& request) { return respond(login(request)); });
  router.add("POST", "/api/v1/auth/logout",
             [this](api::Request& request) { return respond(logout(request)); });
  router.add("GET", "/api/v1/me", [this](api::Request& request) { return respond(me(request)); });
}

Result<api::Response> AuthService::login(const api::Request& request) {
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto email = reader->required_string("email", kMaxEmailBytes);
  if (!email) return email.error();
  auto password = reader->required_string("password", kMaxPasswordBytes);
  if (!password) return password.error();

  // Each verification takes 64 MiB and ~70 ms of a core: a few at a time, so a flood of
  // sign-ins can neither exhaust memory nor take every blocking thread from other requests.
  if (!password_slots_.try_acquire_for(kPasswordSlotWait)) {
    return fail(Errc::unavailable, "too many sign-ins at once; try again in a moment");
  }
  const PasswordSlot slot(password_slots_);

  // A malformed email is simply not a known one: same answer, same time.
  auto normalized = normalize_email(*email);
  auto found = db_.read([&](storage::Connection& connection) {
    return normalized ? find_login(connection, *normalized)
                      : Result<std::optional<StoredLogin>>(std::optional<StoredLogin>());
  });
  if (!found) return found.error();
  // One Argon2id verification on every path: an unknown email answers as slowly as a wrong
  // password, with the same message.
  if (!*found || !(*found)->active) {
    (void)verify_password(dummy_hash(), *password);
    return fail(Errc::unauthenticated, std::string(kWrongLogin));
  }
  const StoredLogin& user = **found;
  if (!verify_password(user.password_hash, *password)) {
    return fail(Errc::unauthenticated, std::string(kWrongLogin));
  }
  std::optional<std::string> rehashed;
  if (password_needs_rehash(user.password_hash)) {
    auto fresh = hash_password(*password);
    if (fresh) rehashed = std::move(*fresh);
  }

  const std::string token = generate_token();
  const EpochMs now = clock_.now_ms();
  const std::string_view user_agent = request.header("user-agent");
  auto stored = db_.write([&](storage::Connection& connection) -> Result<void> {
    // Housekeeping: this user's ended sessions go when a new one starts.
    auto purged = run(connection,
                      "DELETE FROM sessions WHERE user_id = ? AND (expires_at <= ? OR "
                      "last_seen_at <= ?)",
                      [&](storage::Statement& s) {
                        s.bind_int(1, user.profile.id);
                        s.bind_int(2, now);
                        s.bind_int(3, now - kSessionIdleMs);
                      });
    if (!purged) return purged;
    if (rehashed) {
      auto updated = run(connection, "UPDATE users SET password_hash = ? WHERE id = ?",
                         [&](storage::Statement& s) {
                           s.bind_text(1, *rehashed);
                           s.bind_int(2, user.profile.id);
                         });
      if (!updated) return updated;
    }
    return run(connection,
               "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, "
               "remote_ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
               [&](storage::Statement& s) {
                 s.bind_int(1, user.profile.id);
                 s.bind_blob(2, hash_token(token));
                 s.bind_int(3, now);
                 s.bind_int(4, now);
                 s.bind_int(5, now + kSessionLifetimeMs);
                 s.bind_text(6, std::string_view(request.remote_ip).substr(0, kMaxRemoteIpBytes));
                 s.bind_text(7, user_agent.substr(0, kMaxUserAgentBytes));
               });
  });
  if (!stored) return stored.error();

  auto response = api::Response::json(
      200, {{"user", user_json(user.profile)}, {"org", org_json(user.profile)}});
  response.set_header("Set-Cookie", session_cookie(token, kSessionLifetimeMs, request.secure));
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> AuthService::logout(const api::Request& request) {
  auto actor = authenticate(request);
  if (!actor) return actor.error();
  const TokenHash hash = hash_token(request.cookie(kSessionCookie));
  auto removed = db_.write([&](storage::Connection& connection) {
    return run(connection, "DELETE FROM sessions WHERE token_hash = ?",
               [&](storage::Statement& s) { s.bind_blob(1, hash); });
  });
  if (!removed) return removed.error();
  auto response = api::Response::no_content();
  response.set_header("Set-Cookie", session_cookie("", 0, request.secure));
  return response;
}

Result<api::Response> AuthService::me(const api::Request& request) {
  auto actor = authenticate(request);
  if (!actor) return actor.error();
  auto profile = this->profile(*actor);
  if (!profile) return profile.error();
  return api::Response::json(200, {{"user", user_json(*profile)}, {"org", org_json(*profile)}});
}

}  // namespace worktrace::auth
