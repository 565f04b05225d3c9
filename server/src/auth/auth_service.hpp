#pragma once

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <semaphore>
#include <string>
#include <string_view>

namespace worktrace::auth {

inline constexpr std::string_view kSessionCookie = "wt_session";
// A session ends after this long without a request...
inline constexpr EpochMs kSessionIdleMs = 12LL * 60 * 60 * 1000;
// ...and this long after sign-in, whatever happens.
inline constexpr EpochMs kSessionLifetimeMs = 7LL * 24 * 60 * 60 * 1000;
// last_seen_at is written at most this often per session.
inline constexpr EpochMs kSessionTouchIntervalMs = 60 * 1000;
// Longest email address accepted (RFC 5321 path limit).
inline constexpr std::size_t kMaxEmailBytes = 254;

// `email` in its stored form: ASCII letters lower-cased. Errc::invalid_argument ("email: ...")
// unless it is local@domain of printable characters, at most kMaxEmailBytes long.
[[nodiscard]] Result<std::string> normalize_email(std::string_view email);

// A signed-in person and their organization, as the API shows them.
struct UserProfile {
  UserId id = 0;
  OrgId org_id = 0;
  std::string email;
  std::string name;
  Role role = Role::employee;
  std::string org_name;
};

// {"id","email","name","role"}
[[nodiscard]] boost::json::object user_json(const UserProfile& profile);
// {"id","name"} of the profile's organization.
[[nodiscard]] boost::json::object org_json(const UserProfile& profile);

// Password sign-in and cookie sessions. Thread-safe: no mutable state of its own.
class AuthService {
 public:
  // `db` and `clock` must outlive this service.
  AuthService(storage::Db& db, const Clock& clock);

  // The Actor of the request's session cookie. Errc::unauthenticated when the cookie is
  // missing, unknown or expired (idle kSessionIdleMs, absolute kSessionLifetimeMs) or the
  // user is disabled. Touches the session's last_seen_at at most once a minute.
  [[nodiscard]] Result<Actor> authenticate(const api::Request& request);

  // The profile of `actor`'s user; Errc::unauthenticated when the user is gone.
  [[nodiscard]] Result<UserProfile> profile(const Actor& actor);

  // POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/me (docs/api/v1.md).
  void register_routes(api::Router& router);

 private:
  [[nodiscard]] Result<api::Response> login(const api::Request& request);
  [[nodiscard]] Result<api::Response> logout(const api::Request& request);
  [[nodiscard]] Result<api::Response> me(const api::Request& request);

  // Password verifications running at once, and how long a sign-in waits for one.
  static constexpr std::ptrdiff_t kPasswordSlots = 2;
  static constexpr std::chrono::seconds kPasswordSlotWait{2};
  std::counting_semaphore<kPasswordSlots> password_slots_{kPasswordSlots};
  // Releases a slot taken with try_acquire.
  struct PasswordSlot {
    explicit PasswordSlot(std::counting_semaphore<kPasswordSlots>& slots) : slots_(slots) {}
    ~PasswordSlot() { slots_.release(); }
    PasswordSlot(const PasswordSlot&) = delete;
    PasswordSlot& operator=(const PasswordSlot&) = delete;
    std::counting_semaphore<kPasswordSlots>& slots_;
  };

  storage::Db& db_;
  const Clock& clock_;
};

}  // namespace worktrace::auth
