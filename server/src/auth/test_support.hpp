#pragma once

// Helpers for tests that need organizations, users and signed-in requests. Not linked into
// the server.

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "storage/db.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>
#include <string>

namespace worktrace::auth::testing {

inline OrgId create_org(storage::Db& db, std::string_view name) {
  auto id = db.write([&](storage::Connection& connection) -> Result<OrgId> {
    auto statement = connection.prepare(
        "INSERT INTO organizations (name, created_at) VALUES (?, 1) RETURNING id");
    if (!statement) return statement.error();
    (*statement)->bind_text(1, name);
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0);
  });
  if (!id) throw std::runtime_error("create_org: " + id.error().message);
  return *id;
}

inline UserId create_user(storage::Db& db, OrgId org_id, std::string_view email, Role role,
                          std::string_view password, std::string_view status = "active") {
  auto hash = hash_password(password);
  if (!hash) throw std::runtime_error("hash_password: " + hash.error().message);
  auto id = db.write([&](storage::Connection& connection) -> Result<UserId> {
    auto statement = connection.prepare(
        "INSERT INTO users (org_id, email, name, role, password_hash, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, org_id);
    (*statement)->bind_text(2, email);
    (*statement)->bind_text(3, "User " + std::string(email));
    (*statement)->bind_text(4, role_name(role));
    (*statement)->bind_text(5, *hash);
    (*statement)->bind_text(6, status);
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0);
  });
  if (!id) throw std::runtime_error("create_user: " + id.error().message);
  return *id;
}

// A request as net/ would build it; JSON bodies get their Content-Type; `csrf` goes into
// X-CSRF-Token when not empty.
inline api::Request make_request(std::string method, std::string path, std::string body = {},
                                 std::string cookie = {}, std::string csrf = {}) {
  api::Request request;
  request.method = std::move(method);
  request.path = path;
  request.target = std::move(path);
  request.remote_ip = "198.51.100.7";
  if (!body.empty()) request.headers.emplace_back("content-type", "application/json");
  if (!cookie.empty())
    request.headers.emplace_back("cookie", std::string(kSessionCookie) + "=" + cookie);
  if (!csrf.empty()) request.headers.emplace_back(std::string(kCsrfHeader), std::move(csrf));
  request.body = std::move(body);
  return request;
}

// A request authenticated by an API token.
inline api::Request make_token_request(std::string method, std::string path, std::string token,
                                       std::string body = {}) {
  auto request = make_request(std::move(method), std::move(path), std::move(body));
  request.headers.emplace_back("authorization", "Bearer " + token);
  return request;
}

// Runs `request` through `router` as net/ would; an unrouted request is a test bug.
inline api::Response call(const api::Router& router, api::Request request) {
  auto match = router.match(request.method, request.path);
  if (match.handler == nullptr) throw std::logic_error("no route for " + request.path);
  request.params = std::move(match.params);
  return (*match.handler)(request);
}

inline std::string header_of(const api::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

// The session token from a login response's Set-Cookie, or empty.
inline std::string session_token(const api::Response& response) {
  const std::string cookie = header_of(response, "Set-Cookie");
  const std::string prefix = std::string(kSessionCookie) + "=";
  if (cookie.rfind(prefix, 0) != 0) return {};
  return cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
}

// A signed-in session: the cookie's token and the CSRF token for unsafe methods.
struct SignedIn {
  std::string token;
  std::string csrf;
};

// Signs in through POST /api/v1/auth/login (no 2FA) and returns the session and CSRF tokens.
inline SignedIn sign_in_session(const api::Router& router, std::string_view email,
                                std::string_view password) {
  const boost::json::object body = {{"email", email}, {"password", password}};
  auto response =
      call(router, make_request("POST", "/api/v1/auth/login", boost::json::serialize(body)));
  if (response.status != 200) throw std::runtime_error("sign_in: " + response.body);
  const auto json = boost::json::parse(response.body);
  return {session_token(response), std::string(json.at("csrf_token").as_string())};
}

// How many audit entries of `action` there are (all organizations).
inline std::int64_t audit_count(storage::Db& db, std::string_view action) {
  auto count = db.read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("SELECT count(*) FROM audit_log WHERE action = ?");
    if (!statement) return statement.error();
    (*statement)->bind_text(1, action);
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0);
  });
  if (!count) throw std::runtime_error("audit_count: " + count.error().message);
  return *count;
}

// Runs one statement (test setup); throws on failure.
inline void exec_sql(storage::Db& db, std::string_view sql) {
  auto done = db.write([&](storage::Connection& connection) { return connection.exec(sql); });
  if (!done) throw std::runtime_error("exec_sql: " + done.error().message);
}

}  // namespace worktrace::auth::testing
