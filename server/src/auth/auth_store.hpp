#pragma once

// Pieces shared by the AuthService source files. Internal to auth/: not for other services.

#include "api/http_types.hpp"
#include "audit/audit_log.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::auth::detail {

inline constexpr std::size_t kMaxUserAgentBytes = 512;
inline constexpr std::size_t kMaxRemoteIpBytes = 64;

// The scopes an API token of a person with `role` may carry: all for owners and admins, the
// read scopes but audit:read for managers, none for employees.
[[nodiscard]] std::uint32_t scopes_of_role(Role role) noexcept;

// Scopes as stored in api_tokens.scopes: names separated by spaces ("org:read people:read").
// Unknown names are skipped.
[[nodiscard]] std::uint32_t parse_stored_scopes(std::string_view stored) noexcept;
[[nodiscard]] std::string stored_scopes(std::uint32_t scopes);

// True when `role` must use 2FA in an organization that requires it.
[[nodiscard]] bool role_needs_2fa(Role role) noexcept;

// An audit entry about `user` acting on their own account, for sign-in steps where no Actor
// exists yet (target and subject: the user).
[[nodiscard]] audit::Entry sign_in_entry(OrgId org_id, UserId user, std::string_view action,
                                         const api::Request& request);

// An audit entry about `actor` acting on their own account (target and subject: the user).
[[nodiscard]] audit::Entry own_account_entry(const Actor& actor, std::string_view action,
                                             const api::Request& request);

// `actor` (an authenticate() outcome) when it is a signed-in person; an API token gets the
// require_session() refusal. For endpoints that only a person may use.
[[nodiscard]] Result<Actor> session_actor(Result<Actor> actor);

// Runs one statement that returns no rows, after `bind` set its parameters.
[[nodiscard]] Result<void> exec(storage::Connection& connection, std::string_view sql,
                                const std::function<void(storage::Statement&)>& bind);

// Runs one statement and returns the first column of its first row as an integer, or nullopt
// when it returns no row (e.g. DELETE ... RETURNING id that matched nothing).
[[nodiscard]] Result<std::optional<std::int64_t>> query_int(
    storage::Connection& connection, std::string_view sql,
    const std::function<void(storage::Statement&)>& bind);

// Deletes every session of `user` but `keep_session_id` (all when empty) and the user's
// pending 2FA sign-in challenges, in the caller's write transaction.
[[nodiscard]] Result<void> delete_other_sessions(storage::Connection& connection, UserId user,
                                                 std::optional<std::int64_t> keep_session_id);

// wt_session=<value>; Path=/; Max-Age=..; HttpOnly; SameSite=Strict[; Secure]
[[nodiscard]] std::string session_cookie(std::string_view value, EpochMs max_age_ms, bool secure);

// The request's remote IP and User-Agent as stored (cut to their column limits).
[[nodiscard]] std::string_view remote_ip_of(const api::Request& request);
[[nodiscard]] std::string_view user_agent_of(const api::Request& request);

// Equality of two secrets in time independent of where they differ.
[[nodiscard]] bool equal_secrets(std::string_view left, std::string_view right) noexcept;

// A JSON object body whose keys are all in `known` (else 400 naming the stray key). The
// returned value owns the object that an ObjectReader over it points into.
[[nodiscard]] Result<boost::json::value> object_body(const api::Request& request,
                                                     std::initializer_list<std::string_view> known);

}  // namespace worktrace::auth::detail
