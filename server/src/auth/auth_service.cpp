#include "auth/auth_service.hpp"

#include "audit/audit_log.hpp"
#include "auth/auth_store.hpp"
#include "auth/password.hpp"
#include "auth/policy.hpp"
#include "auth/session_liveness.hpp"
#include "auth/tokens.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace worktrace::auth {
namespace {

using detail::exec;
using detail::query_int;

constexpr std::string_view kEnded = "session is unknown or has ended";
constexpr std::string_view kBadToken = "API token is unknown, revoked or expired";
constexpr std::string_view kMfaRequired =
    "two-factor authentication is required by your organization: set it up in your account";
constexpr EpochMs kNever = std::numeric_limits<EpochMs>::max();

bool is_unsafe(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

Result<Role> role_of(std::string_view name) {
  auto role = parse_role(name);
  if (!role) return fail(Errc::internal, "unknown role '" + std::string(name) + "' in users");
  return *role;
}

// The columns of a user that authentication needs, after the credential's own columns.
constexpr std::string_view kUserColumns =
    "u.id, u.org_id, u.role, u.status, o.require_2fa, "
    "EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL) ";

struct UserState {
  Actor actor;
  bool active = false;
  bool needs_mfa_setup = false;
};

// Reads kUserColumns starting at column `first`.
Result<UserState> read_user_state(const storage::Statement& s, int first) {
  UserState state;
  state.actor.user_id = s.column_int(first);
  state.actor.org_id = s.column_int(first + 1);
  auto role = role_of(s.column_text(first + 2));
  if (!role) return role.error();
  state.actor.role = *role;
  state.active = s.column_text(first + 3) == "active";
  const bool required = s.column_int(first + 4) != 0;
  const bool has_totp = s.column_int(first + 5) != 0;
  state.needs_mfa_setup = required && detail::role_needs_2fa(*role) && !has_totp;
  return state;
}

// What the signed-in person sees of their organization.
struct OrgSummary {
  OrgId id = 0;
  std::string name;
  bool require_2fa = false;
};

// The body of GET /me and of a started session: {"user", "org": {"id", "name", "require_2fa"},
// "mfa_setup_required"} and "csrf_token" when not empty (cookie sessions only).
boost::json::object signed_in_json(const Person& person, const OrgSummary& org,
                                   bool mfa_setup_required, std::string_view csrf_token) {
  boost::json::object body{
      {"user", person_json(person)},
      {"org", {{"id", org.id}, {"name", org.name}, {"require_2fa", org.require_2fa}}},
      {"mfa_setup_required", mfa_setup_required}};
  if (!csrf_token.empty()) body["csrf_token"] = csrf_token;
  return body;
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
                "email: must be an address like name@example.com of at most " +
                    std::to_string(kMaxEmailBytes) + " bytes");
  }
  std::string lowered(email);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char ch) {
    return static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  });
  return lowered;
}

AuthService::AuthService(storage::Db& db, const Clock& clock, SecretKey key)
    : db_(db), clock_(clock), key_(key), throttle_(clock) {}

AuthService::AuthService(storage::Db& db, const Clock& clock)
    : AuthService(db, clock, generate_secret_key()) {}

Result<AuthService::PasswordSlot> AuthService::PasswordSlot::take(
    std::counting_semaphore<kPasswordSlots>& slots) {
  if (!slots.try_acquire_for(kPasswordSlotWait)) {
    return fail(Errc::unavailable, "too many sign-ins at once; try again in a moment");
  }
  return PasswordSlot(slots);
}

void AuthService::on_sessions_ended(SessionsEndedListener listener) {
  listeners_.push_back(std::move(listener));
}

void AuthService::invalidate_cache() { cache_.invalidate(); }

void AuthService::access_changed(OrgId org_id, std::optional<UserId> user) {
  cache_.invalidate();
  for (const auto& listener : access_listeners_) listener(org_id, user);
}

void AuthService::on_access_changed(AccessChangedListener listener) {
  access_listeners_.push_back(std::move(listener));
}

void AuthService::notify_sessions_ended(UserId user, std::optional<std::int64_t> only_session,
                                        std::optional<std::int64_t> except_session) {
  cache_.invalidate();
  for (const auto& listener : listeners_) listener(user, only_session, except_session);
}

Result<Actor> AuthService::authenticate(const api::Request& request, Allow allow) {
  auto found = credential(request, allow);
  if (!found) return found.error();
  return std::move(found->actor);
}

Result<CachedCredential> AuthService::credential(const api::Request& request, Allow allow) {
  const std::string bearer = request.bearer_token();
  const bool by_token = !bearer.empty();
  const std::string secret = by_token ? bearer : request.cookie(kSessionCookie);
  if (secret.empty()) return fail(Errc::unauthenticated, "sign in first");
  if (secret.size() > kMaxTokenBytes || (by_token && !secret.starts_with(kApiTokenPrefix))) {
    return fail(Errc::unauthenticated, std::string(by_token ? kBadToken : kEnded));
  }
  const TokenHash hash = hash_token(secret);
  const EpochMs now = clock_.now_ms();

  CachedCredential found;
  if (auto cached = cache_.find(hash, now)) {
    found = std::move(*cached);
  } else {
    const std::uint64_t generation = cache_.generation();
    auto looked_up = by_token ? lookup_api_token(hash, request) : lookup_session(hash);
    if (!looked_up) return looked_up.error();
    found = std::move(*looked_up);
    cache_.put(hash, found, now, generation);
  }

  // Browsers attach cookies to cross-site requests; only our pages can read the CSRF token.
  if (!by_token && is_unsafe(request.method) &&
      !detail::equal_secrets(request.header(kCsrfHeader), found.csrf_token)) {
    return fail(Errc::permission_denied, "CSRF token missing or wrong");
  }
  if (found.needs_mfa_setup && allow != Allow::mfa_setup) {
    return fail(Errc::permission_denied, std::string(kMfaRequired));
  }
  return found;
}

Result<CachedCredential> AuthService::lookup_session(const TokenHash& hash) {
  struct Found {
    EpochMs last_seen_at = 0;
    EpochMs expires_at = 0;
    CachedCredential credential;
    bool active = false;
  };
  auto found = db_.read([&](storage::Connection& connection) -> Result<std::optional<Found>> {
    auto statement = connection.prepare(
        "SELECT s.id, s.last_seen_at, s.expires_at, s.csrf_token, " + std::string(kUserColumns) +
        "FROM sessions s JOIN users u ON u.id = s.user_id "
        "JOIN organizations o ON o.id = u.org_id WHERE s.token_hash = ?");
    if (!statement) return statement.error();
    (*statement)->bind_blob(1, hash);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Found>();
    auto& s = **statement;
    Found session;
    session.last_seen_at = s.column_int(1);
    session.expires_at = s.column_int(2);
    session.credential.csrf_token = s.column_text(3);
    auto state = read_user_state(s, 4);
    if (!state) return state.error();
    session.credential.actor = std::move(state->actor);
    session.credential.actor.session_id = s.column_int(0);
    session.credential.needs_mfa_setup = state->needs_mfa_setup;
    session.active = state->active;
    statement->reset();
    auto membership = load_membership(connection, session.credential.actor.user_id);
    if (!membership) return membership.error();
    session.credential.actor.managed_team_ids = std::move(membership->managed_team_ids);
    return std::optional<Found>(std::move(session));
  });
  if (!found) return found.error();
  if (!*found) return fail(Errc::unauthenticated, std::string(kEnded));

  Found& session = **found;
  const Actor& actor = session.credential.actor;
  const EpochMs now = clock_.now_ms();
  if (!session_alive(session.expires_at, session.last_seen_at, session.active, now)) {
    auto removed = db_.write([&](storage::Connection& connection) {
      return exec(connection, "DELETE FROM sessions WHERE id = ?",
                  [&](storage::Statement& s) { s.bind_int(1, actor.session_id); });
    });
    if (!removed) spdlog::warn("auth: cannot delete an ended session: {}", removed.error().message);
    notify_sessions_ended(actor.user_id, actor.session_id, std::nullopt);
    return fail(Errc::unauthenticated, std::string(kEnded));
  }
  if (now - session.last_seen_at >= kSessionTouchIntervalMs) {
    auto touched = db_.write([&](storage::Connection& connection) {
      return exec(connection, "UPDATE sessions SET last_seen_at = ? WHERE id = ?",
                  [&](storage::Statement& s) {
                    s.bind_int(1, now);
                    s.bind_int(2, actor.session_id);
                  });
    });
    // The request is authentic either way; a missed touch only shortens the idle window.
    if (touched) {
      session.last_seen_at = now;
    } else {
      spdlog::warn("auth: cannot touch a session: {}", touched.error().message);
    }
  }
  session.credential.valid_until =
      std::min({session.expires_at, session.last_seen_at + kSessionIdleMs,
                session.last_seen_at + kSessionTouchIntervalMs});
  return std::move(session.credential);
}

Result<CachedCredential> AuthService::lookup_api_token(const TokenHash& hash,
                                                       const api::Request& request) {
  struct Found {
    std::optional<EpochMs> expires_at;
    std::optional<EpochMs> last_used_at;
    bool revoked = false;
    bool active = false;
    std::uint32_t scopes = 0;
    CachedCredential credential;
  };
  auto found = db_.read([&](storage::Connection& connection) -> Result<std::optional<Found>> {
    auto statement = connection.prepare(
        "SELECT t.id, t.scopes, t.expires_at, t.last_used_at, t.revoked_at IS NOT NULL, " +
        std::string(kUserColumns) +
        "FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id "
        "JOIN organizations o ON o.id = u.org_id WHERE t.token_hash = ?");
    if (!statement) return statement.error();
    (*statement)->bind_blob(1, hash);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Found>();
    auto& s = **statement;
    Found token;
    token.scopes = detail::parse_stored_scopes(s.column_text(1));
    if (!s.column_is_null(2)) token.expires_at = s.column_int(2);
    if (!s.column_is_null(3)) token.last_used_at = s.column_int(3);
    token.revoked = s.column_int(4) != 0;
    auto state = read_user_state(s, 5);
    if (!state) return state.error();
    token.credential.actor = std::move(state->actor);
    token.credential.actor.api_token_id = s.column_int(0);
    token.credential.needs_mfa_setup = state->needs_mfa_setup;
    token.active = state->active;
    statement->reset();
    auto membership = load_membership(connection, token.credential.actor.user_id);
    if (!membership) return membership.error();
    token.credential.actor.managed_team_ids = std::move(membership->managed_team_ids);
    return std::optional<Found>(std::move(token));
  });
  if (!found) return found.error();
  const EpochMs now = clock_.now_ms();
  if (!*found || (*found)->revoked || !(*found)->active ||
      ((*found)->expires_at && now >= *(*found)->expires_at)) {
    return fail(Errc::unauthenticated, std::string(kBadToken));
  }
  Found& token = **found;
  Actor& actor = token.credential.actor;
  // A token never does more than its creator's role allows today.
  actor.scopes = token.scopes & detail::scopes_of_role(actor.role);
  actor.session_id = 0;

  EpochMs last_used_at = token.last_used_at.value_or(0);
  if (!token.last_used_at || now - last_used_at >= kSessionTouchIntervalMs) {
    auto touched = db_.write([&](storage::Connection& connection) {
      return exec(connection,
                  "UPDATE api_tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ?",
                  [&](storage::Statement& s) {
                    s.bind_int(1, now);
                    s.bind_text(2, detail::remote_ip_of(request));
                    s.bind_int(3, actor.api_token_id);
                  });
    });
    if (touched) {
      last_used_at = now;
    } else {
      spdlog::warn("auth: cannot record an API token's use: {}", touched.error().message);
    }
  }
  token.credential.valid_until =
      std::min(token.expires_at.value_or(kNever), last_used_at + kSessionTouchIntervalMs);
  return std::move(token.credential);
}

Result<api::Response> AuthService::start_session(UserId user, const api::Request& request,
                                                 int status, bool with_mfa, bool audit_login) {
  const std::string token = generate_token();
  const std::string csrf_token = generate_token();
  const EpochMs now = clock_.now_ms();
  auto body = db_.write([&](storage::Connection& connection) -> Result<boost::json::object> {
    auto user_row = connection.prepare("SELECT " + std::string(kUserColumns) +
                                       ", o.name FROM users u JOIN organizations o ON "
                                       "o.id = u.org_id WHERE u.id = ? AND u.status = 'active'");
    if (!user_row) return user_row.error();
    (*user_row)->bind_int(1, user);
    auto stepped = (*user_row)->step();
    if (!stepped) return stepped.error();
    if (!*stepped) return fail(Errc::unauthenticated, "this account cannot sign in");
    auto state = read_user_state(**user_row, 0);
    if (!state) return state.error();
    const OrgId org_id = state->actor.org_id;
    const OrgSummary org{org_id, (*user_row)->column_text(6), (*user_row)->column_int(4) != 0};
    (*user_row)->reset();
    // Housekeeping: this user's ended sessions go when a new one starts.
    auto purged = exec(connection,
                       "DELETE FROM sessions WHERE user_id = ? AND (expires_at <= ? OR "
                       "last_seen_at <= ?)",
                       [&](storage::Statement& s) {
                         s.bind_int(1, user);
                         s.bind_int(2, now);
                         s.bind_int(3, now - kSessionIdleMs);
                       });
    if (!purged) return purged.error();
    auto stored = exec(connection,
                       "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, "
                       "expires_at, remote_ip, user_agent, csrf_token, mfa_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [&](storage::Statement& s) {
                         s.bind_int(1, user);
                         s.bind_blob(2, hash_token(token));
                         s.bind_int(3, now);
                         s.bind_int(4, now);
                         s.bind_int(5, now + kSessionLifetimeMs);
                         s.bind_text(6, detail::remote_ip_of(request));
                         s.bind_text(7, detail::user_agent_of(request));
                         s.bind_text(8, csrf_token);
                         if (with_mfa) {
                           s.bind_int(9, now);
                         } else {
                           s.bind_null(9);
                         }
                       });
    if (!stored) return stored.error();
    if (audit_login) {
      auto entry = detail::sign_in_entry(org_id, user, "auth.login", request);
      entry.details = {{"mfa", with_mfa}};
      if (auto appended = audit::append(connection, std::move(entry), now); !appended) {
        return appended.error();
      }
    }
    auto person = load_person(connection, org_id, user);
    if (!person) return person.error();
    if (!*person) return fail(Errc::internal, "a signed-in user vanished");
    return signed_in_json(**person, org, state->needs_mfa_setup, csrf_token);
  });
  if (!body) return body.error();
  auto response = api::Response::json(status, *body);
  response.set_header("Set-Cookie",
                      detail::session_cookie(token, kSessionLifetimeMs, request.secure));
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> AuthService::sign_in_response(UserId user, const api::Request& request,
                                                    int status) {
  return start_session(user, request, status, /*with_mfa=*/false, /*audit_login=*/false);
}

Result<void> AuthService::end_sessions(UserId user, std::optional<std::int64_t> keep_session_id) {
  auto ended = db_.write([&](storage::Connection& connection) {
    return detail::delete_other_sessions(connection, user, keep_session_id);
  });
  if (!ended) return ended;
  notify_sessions_ended(user, std::nullopt, keep_session_id);
  return {};
}

void AuthService::register_routes(api::Router& router) {
  auto add = [&](std::string method, std::string path,
                 Result<api::Response> (AuthService::*handler)(const api::Request&)) {
    router.add(std::move(method), std::move(path), [this, handler](api::Request& request) {
      return api::respond((this->*handler)(request), "auth");
    });
  };
  add("POST", "/api/v1/auth/login", &AuthService::login);
  add("POST", "/api/v1/auth/login/2fa", &AuthService::login_2fa);
  add("POST", "/api/v1/auth/logout", &AuthService::logout);
  add("GET", "/api/v1/me", &AuthService::me);
  add("PATCH", "/api/v1/me", &AuthService::update_me);
  add("POST", "/api/v1/me/password", &AuthService::change_password);
  add("GET", "/api/v1/me/sessions", &AuthService::list_sessions);
  add("DELETE", "/api/v1/me/sessions", &AuthService::revoke_other_sessions);
  add("DELETE", "/api/v1/me/sessions/{id}", &AuthService::revoke_session);
  add("POST", "/api/v1/me/2fa/setup", &AuthService::setup_2fa);
  add("POST", "/api/v1/me/2fa/enable", &AuthService::enable_2fa);
  add("POST", "/api/v1/me/2fa/disable", &AuthService::disable_2fa);
  add("POST", "/api/v1/me/2fa/recovery-codes", &AuthService::regenerate_recovery_codes);
  add("GET", "/api/v1/api-tokens", &AuthService::list_api_tokens);
  add("POST", "/api/v1/api-tokens", &AuthService::create_api_token);
  add("DELETE", "/api/v1/api-tokens/{id}", &AuthService::revoke_api_token);
}

Result<api::Response> AuthService::logout(const api::Request& request) {
  auto actor = authenticate(request, Allow::mfa_setup);
  if (!actor) return actor.error();
  if (auto allowed = require_session(*actor); !allowed) return allowed.error();
  auto removed = db_.write([&](storage::Connection& connection) {
    return exec(connection, "DELETE FROM sessions WHERE id = ?",
                [&](storage::Statement& s) { s.bind_int(1, actor->session_id); });
  });
  if (!removed) return removed.error();
  notify_sessions_ended(actor->user_id, actor->session_id, std::nullopt);
  auto response = api::Response::no_content();
  response.set_header("Set-Cookie", detail::session_cookie("", 0, request.secure));
  return response;
}

Result<api::Response> AuthService::me(const api::Request& request) {
  auto found = credential(request, Allow::mfa_setup);
  if (!found) return found.error();
  const Actor& actor = found->actor;
  struct Loaded {
    Person person;
    OrgSummary org;
  };
  auto loaded = db_.read([&](storage::Connection& connection) -> Result<Loaded> {
    auto person = load_person(connection, actor.org_id, actor.user_id);
    if (!person) return person.error();
    if (!*person) return fail(Errc::unauthenticated, "the signed-in user no longer exists");
    auto org = connection.prepare("SELECT name, require_2fa FROM organizations WHERE id = ?");
    if (!org) return org.error();
    (*org)->bind_int(1, actor.org_id);
    auto row = (*org)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::unauthenticated, "the organization no longer exists");
    return Loaded{std::move(**person),
                  OrgSummary{actor.org_id, (*org)->column_text(0), (*org)->column_int(1) != 0}};
  });
  if (!loaded) return loaded.error();
  const auto body = signed_in_json(loaded->person, loaded->org, found->needs_mfa_setup,
                                   actor.session_id != 0 ? found->csrf_token : std::string());
  auto response = api::Response::json(200, body);
  response.set_header("Cache-Control", "no-store");
  return response;
}

}  // namespace worktrace::auth
