#include "auth/policy.hpp"
#include "auth/test_fixture.hpp"

#include <gtest/gtest.h>

namespace worktrace::auth {
namespace {

using namespace testing;

class ApiTokensTest : public AuthFixture {
 protected:
  ApiTokensTest() {
    manager_id_ = create_user(db(), org_id_, "max@acme.test", Role::manager, kPassword);
    employee_id_ = create_user(db(), org_id_, "emma@acme.test", Role::employee, kPassword);
  }

  api::Response create(const SignedIn& session, std::string_view body) {
    return send_as(session, "POST", "/api/v1/api-tokens", std::string(body));
  }

  Result<Actor> as_token(const std::string& token, std::string method = "GET") {
    return auth_.authenticate(make_token_request(std::move(method), "/api/v1/org", token));
  }

  UserId manager_id_ = 0;
  UserId employee_id_ = 0;
};

TEST_F(ApiTokensTest, ATokenIsShownOnceAndAuthenticatesWithItsScopes) {
  const SignedIn admin = sign_in_as("ann@acme.test");
  auto created = create(
      admin, R"({"name":"CI export","scopes":["reports:read","people:read"],"ttl_days":30})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto body = json_of(created);
  const std::string token(body.at("token").as_string());
  EXPECT_TRUE(token.starts_with("wta_"));
  EXPECT_EQ(token.size(), 4u + 43u);
  EXPECT_EQ(body.at("scopes"), boost::json::parse(R"(["people:read","reports:read"])"));
  EXPECT_EQ(body.at("expires_at"), kStart + 30LL * 24 * 60 * 60 * 1000);
  EXPECT_EQ(audit_count(db(), "api_token.created"), 1);

  auto actor = as_token(token, "POST");  // no CSRF for bearer tokens
  ASSERT_TRUE(actor) << actor.error().message;
  EXPECT_EQ(actor->user_id, user_id_);
  EXPECT_EQ(actor->api_token_id, body.at("id").as_int64());
  EXPECT_EQ(actor->session_id, 0);
  EXPECT_TRUE(has_scope(actor->scopes, Scope::reports_read));
  EXPECT_TRUE(has_scope(actor->scopes, Scope::people_read));
  EXPECT_FALSE(has_scope(actor->scopes, Scope::people_write));
  EXPECT_FALSE(require_session(*actor));

  // Account pages are for people, not tokens.
  EXPECT_EQ(send(make_token_request("GET", "/api/v1/me/sessions", token)).status, 403);
  auto me = send(make_token_request("GET", "/api/v1/me", token));
  ASSERT_EQ(me.status, 200);
  EXPECT_FALSE(json_of(me).as_object().contains("csrf_token"));

  auto listed = send_as(admin, "GET", "/api/v1/api-tokens");
  const auto listed_json = json_of(listed);
  const auto& tokens = listed_json.at("tokens").as_array();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_FALSE(tokens[0].as_object().contains("token"));
  EXPECT_EQ(tokens[0].at("last_used_at"), kStart);
  EXPECT_EQ(tokens[0].at("last_used_ip"), "198.51.100.7");
  EXPECT_EQ(tokens[0].at("user_name"), "User ann@acme.test");
}

TEST_F(ApiTokensTest, RecordsUseAtMostOnceAMinute) {
  const SignedIn admin = sign_in_as("ann@acme.test");
  const std::string token(
      json_of(create(admin, R"({"name":"t","scopes":["org:read"]})")).at("token").as_string());
  auto last_used = [&] {
    auto listed = send_as(admin, "GET", "/api/v1/api-tokens");
    return json_of(listed).at("tokens").as_array()[0].at("last_used_at").as_int64();
  };
  ASSERT_TRUE(as_token(token));
  clock_.advance(30'000);
  ASSERT_TRUE(as_token(token));
  EXPECT_EQ(last_used(), kStart);
  clock_.advance(30'000);
  ASSERT_TRUE(as_token(token));
  EXPECT_EQ(last_used(), kStart + 60'000);
}

TEST_F(ApiTokensTest, RolesCapTheScopesAndEmployeesGetNone) {
  const SignedIn manager = sign_in_as("max@acme.test");
  const SignedIn employee = sign_in_as("emma@acme.test");
  auto write = create(manager, R"({"name":"t","scopes":["people:write"]})");
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(message_of(write), "scopes: the role manager may not grant people:write");
  EXPECT_EQ(create(manager, R"({"name":"t","scopes":["audit:read"]})").status, 403);
  EXPECT_EQ(create(manager, R"({"name":"t","scopes":["reports:read","devices:read"]})").status,
            201);
  EXPECT_EQ(create(employee, R"({"name":"t","scopes":["reports:read"]})").status, 403);

  const SignedIn admin = sign_in_as("ann@acme.test");
  EXPECT_EQ(create(admin, R"({"name":"t","scopes":[]})").status, 400);
  auto unknown = create(admin, R"({"name":"t","scopes":["org:read","root"]})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(message_of(unknown).rfind("scopes[1]: must be one of", 0), 0u);
  EXPECT_EQ(create(admin, R"({"name":"","scopes":["org:read"]})").status, 400);
  EXPECT_EQ(create(admin, R"({"name":"t","scopes":["org:read"],"ttl_days":366})").status, 400);
  EXPECT_EQ(create(admin, R"({"name":"t","scopes":["org:read"],"owner":1})").status, 400);

  // A token never outgrows its creator's role today.
  const std::string token(
      json_of(create(admin, R"({"name":"t","scopes":["people:write","org:read"]})"))
          .at("token")
          .as_string());
  exec_sql(db(), "UPDATE users SET role = 'manager' WHERE email = 'ann@acme.test'");
  auth_.invalidate_cache();
  auto demoted = as_token(token);
  ASSERT_TRUE(demoted);
  EXPECT_FALSE(has_scope(demoted->scopes, Scope::people_write));
  EXPECT_TRUE(has_scope(demoted->scopes, Scope::org_read));
}

TEST_F(ApiTokensTest, RevokedExpiredAndSuspendedTokensFail) {
  const SignedIn admin = sign_in_as("ann@acme.test");
  const SignedIn manager = sign_in_as("max@acme.test");
  auto made = json_of(create(manager, R"({"name":"m","scopes":["org:read"],"ttl_days":1})"));
  const std::string token(made.at("token").as_string());
  const auto id = made.at("id").as_int64();
  ASSERT_TRUE(as_token(token));

  EXPECT_FALSE(as_token("wta_" + std::string(43, 'A')));
  EXPECT_FALSE(as_token("wtd_" + token.substr(4)));

  clock_.advance(24LL * 60 * 60 * 1000);
  auto expired = as_token(token);
  ASSERT_FALSE(expired);
  EXPECT_TRUE(expired.error().is(Errc::unauthenticated));
  clock_.set(kStart);

  exec_sql(db(), "UPDATE users SET status = 'suspended' WHERE email = 'max@acme.test'");
  auth_.invalidate_cache();
  EXPECT_FALSE(as_token(token));
  exec_sql(db(), "UPDATE users SET status = 'active' WHERE email = 'max@acme.test'");
  auth_.invalidate_cache();
  ASSERT_TRUE(as_token(token));  // cached now

  // Admins may revoke any token of their organization; it fails at once.
  EXPECT_EQ(send_as(admin, "DELETE", "/api/v1/api-tokens/" + std::to_string(id)).status, 204);
  EXPECT_FALSE(as_token(token));
  EXPECT_EQ(audit_count(db(), "api_token.revoked"), 1);
  const auto listed =
      json_of(send_as(manager, "GET", "/api/v1/api-tokens")).at("tokens").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("revoked"), true);
}

TEST_F(ApiTokensTest, PeopleSeeAndRevokeOnlyTheirOwnAndNeverAnotherOrgs) {
  const OrgId other_org = create_org(db(), "Globex");
  create_user(db(), other_org, "gus@globex.test", Role::owner, kPassword);
  const SignedIn gus = sign_in_as("gus@globex.test");
  const SignedIn admin = sign_in_as("ann@acme.test");
  const SignedIn manager = sign_in_as("max@acme.test");
  const auto admins =
      json_of(create(admin, R"({"name":"a","scopes":["org:read"]})")).at("id").as_int64();
  const auto managers =
      json_of(create(manager, R"({"name":"m","scopes":["org:read"]})")).at("id").as_int64();
  const auto foreign =
      json_of(create(gus, R"({"name":"g","scopes":["org:read"]})")).at("id").as_int64();

  EXPECT_EQ(json_of(send_as(manager, "GET", "/api/v1/api-tokens")).at("tokens").as_array().size(),
            1u);
  EXPECT_EQ(json_of(send_as(admin, "GET", "/api/v1/api-tokens")).at("tokens").as_array().size(),
            2u);
  EXPECT_EQ(json_of(send_as(gus, "GET", "/api/v1/api-tokens")).at("tokens").as_array().size(), 1u);

  auto not_theirs = send_as(manager, "DELETE", "/api/v1/api-tokens/" + std::to_string(admins));
  EXPECT_EQ(not_theirs.status, 404);
  EXPECT_EQ(message_of(not_theirs), "API token not found");
  EXPECT_EQ(send_as(admin, "DELETE", "/api/v1/api-tokens/" + std::to_string(foreign)).status, 404);
  EXPECT_EQ(send_as(manager, "DELETE", "/api/v1/api-tokens/" + std::to_string(managers)).status,
            204);
}

}  // namespace
}  // namespace worktrace::auth
