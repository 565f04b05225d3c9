#pragma once

// A GoogleTest fixture for the AuthService tests: a migrated database, a manual clock, the
// service with its routes, and an organization "Acme" with an admin. Not linked into the server.

#include "auth/auth_service.hpp"
#include "auth/test_support.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace worktrace::auth::testing {

inline constexpr EpochMs kStart = 1'700'000'000'000;
inline constexpr std::string_view kPassword = "s3cret-enough";

class AuthFixture : public ::testing::Test {
 protected:
  AuthFixture() {
    org_id_ = create_org(db(), "Acme");
    user_id_ = create_user(db(), org_id_, "ann@acme.test", Role::admin, kPassword);
    auth_.register_routes(router_);
  }

  storage::Db& db() { return *test_db_.db; }

  api::Response send(api::Request request) { return call(router_, std::move(request)); }

  // A cookie-authenticated request of `session` (with its CSRF token).
  api::Response send_as(const SignedIn& session, std::string method, std::string path,
                        std::string body = {}) {
    return send(make_request(std::move(method), std::move(path), std::move(body), session.token,
                             session.csrf));
  }

  SignedIn sign_in_as(std::string_view email, std::string_view password = kPassword) {
    return sign_in_session(router_, email, password);
  }

  static boost::json::value json_of(const api::Response& response) {
    return boost::json::parse(response.body);
  }

  static std::string message_of(const api::Response& response) {
    return std::string(json_of(response).at("error").at("message").as_string());
  }

  storage::testing::TestDb test_db_;
  ManualClock clock_{kStart};
  AuthService auth_{db(), clock_};
  api::Router router_;
  OrgId org_id_ = 0;
  UserId user_id_ = 0;
};

}  // namespace worktrace::auth::testing
