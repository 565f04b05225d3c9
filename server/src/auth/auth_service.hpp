#pragma once

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "auth/login_throttle.hpp"
#include "auth/person.hpp"
#include "auth/secret_box.hpp"
#include "auth/session_cache.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <semaphore>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace worktrace::auth {

inline constexpr std::string_view kSessionCookie = "wt_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";
inline constexpr std::string_view kApiTokenPrefix = "wta_";
inline constexpr std::string_view kChallengePrefix = "wtc_";
// A session ends after this long without a request...
inline constexpr EpochMs kSessionIdleMs = 12LL * 60 * 60 * 1000;
// ...and this long after sign-in, whatever happens.
inline constexpr EpochMs kSessionLifetimeMs = 7LL * 24 * 60 * 60 * 1000;
// last_seen_at of a session (last_used_at of an API token) is written at most this often.
inline constexpr EpochMs kSessionTouchIntervalMs = 60 * 1000;
// The second step of a sign-in with 2FA must come within this time and these attempts.
inline constexpr EpochMs kChallengeLifetimeMs = 5 * 60 * 1000;
inline constexpr int kChallengeAttempts = 5;
// Longest email address accepted (RFC 5321 path limit).
inline constexpr std::size_t kMaxEmailBytes = 254;

// `email` in its stored form: ASCII letters lower-cased. Errc::invalid_argument ("email: ...")
// unless it is local@domain of printable characters, at most kMaxEmailBytes long.
[[nodiscard]] Result<std::string> normalize_email(std::string_view email);

// Which endpoints a caller may reach while their organization requires 2FA they lack.
enum class Allow {
  normal,     // refused with 403 until 2FA is set up
  mfa_setup,  // GET /me, 2FA setup/enable, logout: the way out of that state
};

// Called after sessions ended, so live connections of them can be closed:
// - `only_session` set: exactly that session of `user` ended (logout, revoke one, expiry);
// - `only_session` empty: every session of `user` ended except `except_session` when set
//   (revoke others, password change, end_sessions for a suspension).
using SessionsEndedListener =
    std::function<void(UserId user, std::optional<std::int64_t> only_session,
                       std::optional<std::int64_t> except_session)>;

// Called after what people of `org_id` may do changed: `user` set, that person's rights
// (role, status, team membership, a managed team deleted); `user` empty, possibly everyone's
// in the organization (require_2fa switched).
using AccessChangedListener = std::function<void(OrgId org_id, std::optional<UserId> user)>;

// Sign-in (password, throttling, TOTP second step), cookie sessions with CSRF tokens, API
// tokens, the signed-in person's account (password, sessions, 2FA). Thread-safe.
//
// Authentication results are cached for up to SessionCache::kDefaultTtlMs. Every change this
// service makes to sessions, users, 2FA or tokens drops the cache at once. Other services
// that change what an Actor holds — a person's role, status or team membership, a team's
// existence, or an organization's require_2fa — must call access_changed()
// after their transaction commits, so that the cache is dropped and live connections opened
// with the old rights can be closed.
class AuthService {
 public:
  // `db` and `clock` must outlive this service. `key` seals TOTP secrets at rest: the server
  // passes the key of `<data>/secret.key` (load_or_create_secret_key).
  AuthService(storage::Db& db, const Clock& clock, SecretKey key);
  // With a fresh random key: for tests and tools that never read a sealed TOTP secret back in
  // another process (secrets sealed by one instance cannot be opened after a restart).
  AuthService(storage::Db& db, const Clock& clock);

  AuthService(const AuthService&) = delete;
  AuthService& operator=(const AuthService&) = delete;

  // The Actor of the request: its `wt_session` cookie, or `Authorization: Bearer wta_...`.
  // Errc::unauthenticated when the credential is missing, unknown, expired (sessions: idle
  // kSessionIdleMs, absolute kSessionLifetimeMs; tokens: expires_at) or revoked, or the user
  // is not active. Errc::permission_denied for a cookie-authenticated unsafe method
  // (POST/PUT/PATCH/DELETE) without the session's X-CSRF-Token, and, unless `allow` is
  // Allow::mfa_setup, for an owner/admin/manager of an organization requiring 2FA who has
  // not enabled it. Touches last_seen_at / last_used_at at most once a minute.
  [[nodiscard]] Result<Actor> authenticate(const api::Request& request,
                                           Allow allow = Allow::normal);

  // Starts a session for `user` (who must be active) and answers `status` with
  // the body of GET /me (csrf_token included) and the session cookie. For sign-up and
  // invitation acceptance; writes no audit entry (the caller records what happened).
  [[nodiscard]] Result<api::Response> sign_in_response(UserId user, const api::Request& request,
                                                       int status);

  // Ends every session of `user` but `keep_session_id`, and their pending 2FA sign-ins
  // (suspension, role changes that must sign a person out). Notifies the listeners.
  [[nodiscard]] Result<void> end_sessions(UserId user, std::optional<std::int64_t> keep_session_id);

  // Adds a listener for ended sessions. Call at start-up, before requests are served;
  // listeners run on the request's thread after the change committed and must not block.
  void on_sessions_ended(SessionsEndedListener listener);

  // Of `session_ids`, those that no longer let their person in now: deleted (logout, revoked,
  // password change), expired (session_alive) or whose person is not active. Reads without
  // touching the sessions or notifying listeners; one read transaction
  // (session_liveness.cpp).
  [[nodiscard]] Result<std::vector<std::int64_t>> ended_sessions(
      std::span<const std::int64_t> session_ids);

  // Drops every cached authentication (see the class comment).
  void invalidate_cache();

  // What people of `org_id` may do changed (see AccessChangedListener): drops the cache, then
  // calls the access-changed listeners, on the caller's thread.
  void access_changed(OrgId org_id, std::optional<UserId> user);

  // Adds a listener for access changes. Call at start-up, before requests are served;
  // listeners run on the caller's thread (a route handler's, on the blocking pool) and may do
  // database work, but must not call back into the AuthService.
  void on_access_changed(AccessChangedListener listener);

  // Every route of the auth part of the API contract (/auth/*, /me*, /api-tokens*).
  void register_routes(api::Router& router);

 private:
  // authenticate(), with what the cache holds besides the Actor (csrf token, 2FA state).
  [[nodiscard]] Result<CachedCredential> credential(const api::Request& request, Allow allow);
  // A credential as looked up from the database.
  [[nodiscard]] Result<CachedCredential> lookup_session(const TokenHash& hash);
  [[nodiscard]] Result<CachedCredential> lookup_api_token(const TokenHash& hash,
                                                          const api::Request& request);
  [[nodiscard]] Result<api::Response> start_session(UserId user, const api::Request& request,
                                                    int status, bool with_mfa, bool audit_login);
  // Drops the cache and tells the listeners (see SessionsEndedListener).
  void notify_sessions_ended(UserId user, std::optional<std::int64_t> only_session,
                             std::optional<std::int64_t> except_session);

  // Sign-in (sign_in_routes.cpp); logout and me (auth_service.cpp).
  [[nodiscard]] Result<api::Response> login(const api::Request& request);
  [[nodiscard]] Result<api::Response> login_2fa(const api::Request& request);
  [[nodiscard]] Result<api::Response> logout(const api::Request& request);
  [[nodiscard]] Result<api::Response> me(const api::Request& request);
  [[nodiscard]] api::Response throttled(std::int64_t wait_s) const;

  // The signed-in person's account (account_routes.cpp).
  [[nodiscard]] Result<api::Response> update_me(const api::Request& request);
  [[nodiscard]] Result<api::Response> change_password(const api::Request& request);
  [[nodiscard]] Result<api::Response> list_sessions(const api::Request& request);
  [[nodiscard]] Result<api::Response> revoke_session(const api::Request& request);
  [[nodiscard]] Result<api::Response> revoke_other_sessions(const api::Request& request);
  // Verifies `password` of `actor`'s user (a password slot held, throttled like sign-ins):
  // Errc::invalid_argument "<field>: is wrong" when it does not match, Errc::rate_limited
  // while throttled. Returns the user's email.
  [[nodiscard]] Result<std::string> confirm_password(const Actor& actor, std::string_view password,
                                                     std::string_view field,
                                                     const api::Request& request);

  // Two-factor authentication (two_factor_routes.cpp).
  // The signed-in person (not an API token) of `request`, once the {"password"} body holds
  // their password (confirm_password, "password: is wrong" otherwise).
  [[nodiscard]] Result<Actor> reconfirmed_session_actor(const api::Request& request);
  [[nodiscard]] Result<api::Response> setup_2fa(const api::Request& request);
  [[nodiscard]] Result<api::Response> enable_2fa(const api::Request& request);
  [[nodiscard]] Result<api::Response> disable_2fa(const api::Request& request);
  [[nodiscard]] Result<api::Response> regenerate_recovery_codes(const api::Request& request);
  // Checks a TOTP code or a recovery code of `user` and consumes it (last_step / used_at) in
  // the caller's write transaction. False when it does not match or was used before.
  [[nodiscard]] Result<bool> consume_second_factor(storage::Connection& connection, UserId user,
                                                   std::string_view code);
  // Replaces `user`'s recovery codes with fresh ones, inside the caller's transaction.
  [[nodiscard]] Result<std::vector<std::string>> store_recovery_codes(
      storage::Connection& connection, UserId user);

  // API tokens (api_token_routes.cpp).
  [[nodiscard]] Result<api::Response> list_api_tokens(const api::Request& request);
  [[nodiscard]] Result<api::Response> create_api_token(const api::Request& request);
  [[nodiscard]] Result<api::Response> revoke_api_token(const api::Request& request);

  // Password verifications running at once, and how long a sign-in waits for one: each
  // takes 64 MiB and ~70 ms of a core.
  static constexpr std::ptrdiff_t kPasswordSlots = 2;
  static constexpr std::chrono::seconds kPasswordSlotWait{2};
  // Takes a password slot; Errc::unavailable when none frees up in time.
  class PasswordSlot {
   public:
    [[nodiscard]] static Result<PasswordSlot> take(std::counting_semaphore<kPasswordSlots>& slots);
    PasswordSlot(PasswordSlot&& other) noexcept : slots_(std::exchange(other.slots_, nullptr)) {}
    PasswordSlot(const PasswordSlot&) = delete;
    PasswordSlot& operator=(const PasswordSlot&) = delete;
    PasswordSlot& operator=(PasswordSlot&&) = delete;
    ~PasswordSlot() {
      if (slots_ != nullptr) slots_->release();
    }

   private:
    explicit PasswordSlot(std::counting_semaphore<kPasswordSlots>& slots) : slots_(&slots) {}
    std::counting_semaphore<kPasswordSlots>* slots_;
  };
  std::counting_semaphore<kPasswordSlots> password_slots_{kPasswordSlots};

  storage::Db& db_;
  const Clock& clock_;
  const SecretKey key_;
  LoginThrottle throttle_;
  SessionCache cache_;
  std::vector<SessionsEndedListener> listeners_;         // fixed after start-up
  std::vector<AccessChangedListener> access_listeners_;  // fixed after start-up
};

}  // namespace worktrace::auth
