#include "auth/auth_store.hpp"

#include "auth/auth_service.hpp"
#include "auth/policy.hpp"
#include "protocol/json_reader.hpp"

#include <sodium.h>

namespace worktrace::auth::detail {

std::uint32_t scopes_of_role(Role role) noexcept {
  switch (role) {
    case Role::owner:
    case Role::admin:
      return kAllScopes;
    case Role::manager:
      return static_cast<std::uint32_t>(Scope::org_read) |
             static_cast<std::uint32_t>(Scope::people_read) |
             static_cast<std::uint32_t>(Scope::devices_read) |
             static_cast<std::uint32_t>(Scope::reports_read);
    case Role::employee:
      return 0;
  }
  return 0;
}

std::uint32_t parse_stored_scopes(std::string_view stored) noexcept {
  std::uint32_t scopes = 0;
  while (!stored.empty()) {
    const auto end = stored.find(' ');
    const std::string_view name = stored.substr(0, end);
    stored = end == std::string_view::npos ? std::string_view() : stored.substr(end + 1);
    if (const auto scope = parse_scope(name)) scopes |= static_cast<std::uint32_t>(*scope);
  }
  return scopes;
}

std::string stored_scopes(std::uint32_t scopes) {
  std::string text;
  for (const Scope scope : kScopes) {
    if (!has_scope(scopes, scope)) continue;
    if (!text.empty()) text += ' ';
    text += scope_name(scope);
  }
  return text;
}

audit::Entry sign_in_entry(OrgId org_id, UserId user, std::string_view action,
                           const api::Request& request) {
  audit::Entry entry;
  entry.org_id = org_id;
  entry.actor_user_id = user;
  entry.actor = "user:" + std::to_string(user);
  entry.action = std::string(action);
  entry.target_type = "user";
  entry.target_id = std::to_string(user);
  entry.subject_user_id = user;
  entry.remote_ip = std::string(remote_ip_of(request));
  return entry;
}

audit::Entry own_account_entry(const Actor& actor, std::string_view action,
                               const api::Request& request) {
  auto entry = audit::entry_for(actor, action, remote_ip_of(request));
  entry.target_type = "user";
  entry.target_id = std::to_string(actor.user_id);
  entry.subject_user_id = actor.user_id;
  return entry;
}

Result<Actor> session_actor(Result<Actor> actor) {
  if (!actor) return actor;
  if (auto allowed = require_session(*actor); !allowed) return allowed.error();
  return actor;
}

bool role_needs_2fa(Role role) noexcept { return role != Role::employee; }

Result<void> exec(storage::Connection& connection, std::string_view sql,
                  const std::function<void(storage::Statement&)>& bind) {
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  bind(**statement);
  auto done = (*statement)->step();
  if (!done) return done.error();
  return {};
}

Result<std::optional<std::int64_t>> query_int(
    storage::Connection& connection, std::string_view sql,
    const std::function<void(storage::Statement&)>& bind) {
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  bind(**statement);
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::int64_t>();
  const std::int64_t value = (*statement)->column_int(0);
  // Drain so a DELETE/UPDATE ... RETURNING finishes every row it touches.
  for (;;) {
    auto more = (*statement)->step();
    if (!more) return more.error();
    if (!*more) break;
  }
  return std::optional<std::int64_t>(value);
}

Result<void> delete_other_sessions(storage::Connection& connection, UserId user,
                                   std::optional<std::int64_t> keep_session_id) {
  auto sessions = exec(connection, "DELETE FROM sessions WHERE user_id = ? AND id <> ?",
                       [&](storage::Statement& s) {
                         s.bind_int(1, user);
                         s.bind_int(2, keep_session_id.value_or(0));
                       });
  if (!sessions) return sessions;
  return exec(connection, "DELETE FROM login_challenges WHERE user_id = ?",
              [&](storage::Statement& s) { s.bind_int(1, user); });
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

std::string_view remote_ip_of(const api::Request& request) {
  return std::string_view(request.remote_ip).substr(0, kMaxRemoteIpBytes);
}

std::string_view user_agent_of(const api::Request& request) {
  return request.header("user-agent").substr(0, kMaxUserAgentBytes);
}

bool equal_secrets(std::string_view left, std::string_view right) noexcept {
  if (left.size() != right.size() || left.empty()) return false;
  return sodium_memcmp(left.data(), right.data(), left.size()) == 0;
}

Result<boost::json::value> object_body(const api::Request& request,
                                       std::initializer_list<std::string_view> known) {
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  if (auto checked = reader->reject_unknown(known); !checked) return checked.error();
  return std::move(*body);
}

}  // namespace worktrace::auth::detail
