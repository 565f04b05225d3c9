#pragma once

// Helpers for tests that need organizations, users and signed-in requests. Not linked into
// the server.

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "storage/db.hpp"

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

// A request as net/ would build it; JSON bodies get their Content-Type.
inline api::Request make_request(std::string method, std::string path, std::string body = {},
                                 std::string cookie = {}) {
  api::Request request;
  request.method = std::move(method);
  request.path = path;
  request.target = std::move(path);
  request.remote_ip = "198.51.100.7";
  if (!body.empty()) request.headers.emplace_back("content-type", "application/json");
  if (!cookie.empty())
    request.headers.emplace_back("cookie", std::string(kSessionCookie) + "=" + cookie);
  request.body = std::move(body);
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

// Signs in through POST /api/v1/auth/login and returns the session token.
inline std::string sign_in(const api::Router& router, std::string_view email,
                           std::string_view password) {
  const boost::json::object body = {{"email", email}, {"password", password}};
  auto response =
      call(router, make_request("POST", "/api/v1/auth/login", boost::json::serialize(body)));
  if (response.status != 200) throw std::runtime_error("sign_in: " + response.body);
  return session_token(response);
}

}  // namespace worktrace::auth::testing
