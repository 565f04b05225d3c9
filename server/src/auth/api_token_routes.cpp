// API tokens for integrations: list, create (shown once), revoke (part of AuthService).
#include "api/params.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "auth/auth_store.hpp"
#include "auth/policy.hpp"
#include "auth/tokens.hpp"
#include "protocol/json_reader.hpp"

#include <boost/json/array.hpp>

namespace worktrace::auth {
namespace {

using detail::exec;
using detail::query_int;
using detail::session_actor;

constexpr std::size_t kMaxTokenNameBytes = 100;
constexpr std::int64_t kMaxTtlDays = 365;
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
// Live (unrevoked) tokens one person may hold.
constexpr std::int64_t kMaxLiveTokensPerUser = 100;

boost::json::array scope_array(std::uint32_t scopes) {
  boost::json::array array;
  for (const Scope scope : kScopes) {
    if (has_scope(scopes, scope)) array.emplace_back(scope_name(scope));
  }
  return array;
}

boost::json::value optional_ms(const storage::Statement& s, int column) {
  if (s.column_is_null(column)) return nullptr;
  return s.column_int(column);
}

// The scopes of a create request: known names, at least one, none beyond `role`.
Result<std::uint32_t> read_scopes(const protocol::ObjectReader& reader, Role role) {
  auto list = reader.required_array("scopes", std::size(kScopes));
  if (!list) return list.error();
  std::uint32_t scopes = 0;
  for (std::size_t idx = 0; idx < (*list)->size(); ++idx) {
    const auto* name = (**list)[idx].if_string();
    const auto scope = name != nullptr ? parse_scope(*name) : std::nullopt;
    if (!scope) {
      return fail(Errc::invalid_argument, "scopes[" + std::to_string(idx) +
                                              "]: must be one of org:read, org:write, "
                                              "people:read, people:write, devices:read, "
                                              "devices:write, reports:read, audit:read");
    }
    if (!has_scope(detail::scopes_of_role(role), *scope)) {
      return fail(Errc::permission_denied, "scopes: the role " + std::string(role_name(role)) +
                                               " may not grant " + std::string(scope_name(*scope)));
    }
    scopes |= static_cast<std::uint32_t>(*scope);
  }
  if (scopes == 0) return fail(Errc::invalid_argument, "scopes: must name at least one scope");
  return scopes;
}

}  // namespace

Result<api::Response> AuthService::list_api_tokens(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  const bool all = is_admin(*actor);
  const EpochMs now = clock_.now_ms();
  auto tokens = db_.read([&](storage::Connection& connection) -> Result<boost::json::array> {
    std::string sql =
        "SELECT t.id, t.name, t.scopes, t.created_at, t.expires_at, t.last_used_at, "
        "t.last_used_ip, t.revoked_at IS NOT NULL, t.user_id, u.name FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.org_id = ?";
    if (!all) sql += " AND t.user_id = ?";
    sql += " ORDER BY t.id DESC LIMIT 1000";
    auto statement = connection.prepare(sql);
    if (!statement) return statement.error();
    auto& s = **statement;
    s.bind_int(1, actor->org_id);
    if (!all) s.bind_int(2, actor->user_id);
    boost::json::array list;
    for (;;) {
      auto row = s.step();
      if (!row) return row.error();
      if (!*row) break;
      const bool expired = !s.column_is_null(4) && now >= s.column_int(4);
      list.push_back(boost::json::object{
          {"id", s.column_int(0)},
          {"name", s.column_text(1)},
          {"scopes", scope_array(detail::parse_stored_scopes(s.column_text(2)))},
          {"created_at", s.column_int(3)},
          {"expires_at", optional_ms(s, 4)},
          {"last_used_at", optional_ms(s, 5)},
          {"last_used_ip", s.column_text(6)},
          {"revoked", s.column_int(7) != 0},
          {"expired", expired},
          {"user_id", s.column_int(8)},
          {"user_name", s.column_text(9)}});
    }
    return list;
  });
  if (!tokens) return tokens.error();
  return api::Response::json(200, {{"tokens", std::move(*tokens)}});
}

Result<api::Response> AuthService::create_api_token(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  if (auto allowed = require_role(*actor, {Role::owner, Role::admin, Role::manager}); !allowed) {
    return allowed.error();
  }
  auto body = detail::object_body(request, {"name", "scopes", "ttl_days"});
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto name = reader->required_string("name", kMaxTokenNameBytes);
  if (!name) return name.error();
  if (name->empty() || protocol::has_control_characters(*name)) {
    return fail(Errc::invalid_argument, "name: must be 1.." + std::to_string(kMaxTokenNameBytes) +
                                            " characters without control characters");
  }
  auto scopes = read_scopes(*reader, actor->role);
  if (!scopes) return scopes.error();
  auto ttl_days = reader->optional_int("ttl_days", 1, kMaxTtlDays);
  if (!ttl_days) return ttl_days.error();

  const EpochMs now = clock_.now_ms();
  const std::optional<EpochMs> expires_at =
      *ttl_days ? std::optional<EpochMs>(now + **ttl_days * kDayMs) : std::nullopt;
  const std::string token = generate_token(kApiTokenPrefix);
  auto id = db_.write([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto live =
        query_int(connection,
                  "SELECT count(*) FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL "
                  "AND (expires_at IS NULL OR expires_at > ?)",
                  [&](storage::Statement& s) {
                    s.bind_int(1, actor->user_id);
                    s.bind_int(2, now);
                  });
    if (!live) return live.error();
    if (live->value_or(0) >= kMaxLiveTokensPerUser) {
      return fail(Errc::conflict, "you have " + std::to_string(kMaxLiveTokensPerUser) +
                                      " API tokens already: revoke one first");
    }
    auto inserted = query_int(connection,
                              "INSERT INTO api_tokens (org_id, user_id, name, token_hash, scopes, "
                              "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              [&](storage::Statement& s) {
                                s.bind_int(1, actor->org_id);
                                s.bind_int(2, actor->user_id);
                                s.bind_text(3, *name);
                                s.bind_blob(4, hash_token(token));
                                s.bind_text(5, detail::stored_scopes(*scopes));
                                s.bind_int(6, now);
                                s.bind_optional_int(7, expires_at);
                              });
    if (!inserted) return inserted.error();
    if (!*inserted) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    auto entry = audit::entry_for(*actor, "api_token.created", detail::remote_ip_of(request));
    entry.target_type = "api_token";
    entry.target_id = std::to_string(**inserted);
    entry.details = {{"name", *name}, {"scopes", scope_array(*scopes)}};
    auto appended = audit::append(connection, std::move(entry), now);
    if (!appended) return appended.error();
    return **inserted;
  });
  if (!id) return id.error();
  auto response = api::Response::json(
      201,
      {{"id", *id},
       {"name", *name},
       {"scopes", scope_array(*scopes)},
       {"expires_at", expires_at ? boost::json::value(*expires_at) : boost::json::value(nullptr)},
       {"token", token}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> AuthService::revoke_api_token(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  auto id = api::path_id(request, "id", "API token");
  if (!id) return id.error();
  const bool any_of_org = is_admin(*actor);
  const EpochMs now = clock_.now_ms();
  auto revoked = db_.write([&](storage::Connection& connection) -> Result<void> {
    std::string sql =
        "SELECT user_id, revoked_at IS NOT NULL FROM api_tokens WHERE id = ? AND org_id = ?";
    if (!any_of_org) sql += " AND user_id = ?";
    auto statement = connection.prepare(sql);
    if (!statement) return statement.error();
    (*statement)->bind_int(1, *id);
    (*statement)->bind_int(2, actor->org_id);
    if (!any_of_org) (*statement)->bind_int(3, actor->user_id);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::not_found, "API token not found");
    const UserId owner = (*statement)->column_int(0);
    const bool already = (*statement)->column_int(1) != 0;
    statement->reset();
    if (already) return {};
    auto updated = exec(connection, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?",
                        [&](storage::Statement& s) {
                          s.bind_int(1, now);
                          s.bind_int(2, *id);
                        });
    if (!updated) return updated;
    auto entry = audit::entry_for(*actor, "api_token.revoked", detail::remote_ip_of(request));
    entry.target_type = "api_token";
    entry.target_id = std::to_string(*id);
    entry.subject_user_id = owner;
    auto appended = audit::append(connection, std::move(entry), now);
    if (!appended) return appended.error();
    return {};
  });
  if (!revoked) return revoked.error();
  cache_.invalidate();
  return api::Response::no_content();
}

}  // namespace worktrace::auth
