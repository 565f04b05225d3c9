#include "auth/test_fixture.hpp"

#include <gtest/gtest.h>

namespace worktrace::auth {
namespace {

using namespace testing;

class AccountRoutesTest : public AuthFixture {};

TEST_F(AccountRoutesTest, PatchMeChangesTheNameWithinLimits) {
  const SignedIn session = sign_in_as("ann@acme.test");
  auto renamed = send_as(session, "PATCH", "/api/v1/me", R"({"name":"Ann Lee"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json_of(renamed).at("user").at("name"), "Ann Lee");

  auto empty = send_as(session, "PATCH", "/api/v1/me", R"({"name":""})");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(message_of(empty), "name: must be 1..200 characters without control characters");
  EXPECT_EQ(send_as(session, "PATCH", "/api/v1/me", "{\"name\":\"a\\nb\"}").status, 400);
  EXPECT_EQ(
      send_as(session, "PATCH", "/api/v1/me", R"({"name":")" + std::string(201, 'n') + R"("})")
          .status,
      400);
  auto stray = send_as(session, "PATCH", "/api/v1/me", R"({"name":"X","role":"owner"})");
  EXPECT_EQ(stray.status, 400);
  EXPECT_EQ(message_of(stray), "$.role: is not a known field");
}

TEST_F(AccountRoutesTest, PasswordChangeChecksRulesAndEndsEveryOtherSession) {
  const SignedIn current = sign_in_as("ann@acme.test");
  const SignedIn other = sign_in_as("ann@acme.test");
  std::vector<std::optional<std::int64_t>> excepted;
  auth_.on_sessions_ended([&](UserId, std::optional<std::int64_t>,
                              std::optional<std::int64_t> except) { excepted.push_back(except); });

  auto wrong = send_as(current, "POST", "/api/v1/me/password",
                       R"({"current_password":"nope-nope","new_password":"a fresh passphrase"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(message_of(wrong), "current_password: is wrong");
  auto common = send_as(current, "POST", "/api/v1/me/password",
                        R"({"current_password":"s3cret-enough","new_password":"password1"})");
  EXPECT_EQ(common.status, 400);
  EXPECT_EQ(message_of(common), "new_password: is one of the most common passwords");
  auto own_email =
      send_as(current, "POST", "/api/v1/me/password",
              R"({"current_password":"s3cret-enough","new_password":"ann@acme.test"})");
  EXPECT_EQ(message_of(own_email), "new_password: must not be your email address");

  auto changed =
      send_as(current, "POST", "/api/v1/me/password",
              R"({"current_password":"s3cret-enough","new_password":"a fresh passphrase"})");
  ASSERT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(send_as(current, "GET", "/api/v1/me").status, 200);
  EXPECT_EQ(send_as(other, "GET", "/api/v1/me").status, 401);
  EXPECT_EQ(audit_count(db(), "auth.password_changed"), 1);
  ASSERT_EQ(excepted.size(), 1u);
  EXPECT_EQ(excepted[0],
            auth_.authenticate(make_request("GET", "/x", {}, current.token))->session_id);

  EXPECT_EQ(send(make_request("POST", "/api/v1/auth/login",
                              R"({"email":"ann@acme.test","password":"s3cret-enough"})"))
                .status,
            401);
  EXPECT_NO_THROW(sign_in_as("ann@acme.test", "a fresh passphrase"));
  auto changed_at = db().read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("SELECT password_changed_at FROM users WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, user_id_);
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0);
  });
  EXPECT_EQ(*changed_at, kStart);
}

TEST_F(AccountRoutesTest, ListsAndRevokesOwnSessionsOnly) {
  const UserId bob = create_user(db(), org_id_, "bob@acme.test", Role::employee, kPassword);
  const SignedIn current = sign_in_as("ann@acme.test");
  clock_.advance(1000);
  const SignedIn other = sign_in_as("ann@acme.test");
  const SignedIn bobs = sign_in_as("bob@acme.test");

  auto listed = send_as(current, "GET", "/api/v1/me/sessions");
  ASSERT_EQ(listed.status, 200);
  const auto listed_json = json_of(listed);
  const auto& sessions = listed_json.at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 2u);
  const auto other_id = sessions[0].at("id").as_int64();  // newest first
  EXPECT_EQ(sessions[0].at("current"), false);
  EXPECT_EQ(sessions[1].at("current"), true);
  EXPECT_EQ(sessions[1].at("remote_ip"), "198.51.100.7");
  for (const auto* key : {"created_at", "last_seen_at", "expires_at", "user_agent"}) {
    EXPECT_TRUE(sessions[0].as_object().contains(key)) << key;
  }

  const auto bob_session =
      auth_.authenticate(make_request("GET", "/x", {}, bobs.token))->session_id;
  auto foreign = send_as(current, "DELETE", "/api/v1/me/sessions/" + std::to_string(bob_session));
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(message_of(foreign), "session not found");
  EXPECT_EQ(send_as(current, "DELETE", "/api/v1/me/sessions/abc").status, 404);
  EXPECT_EQ(send_as(bobs, "GET", "/api/v1/me").status, 200);

  EXPECT_EQ(send_as(current, "DELETE", "/api/v1/me/sessions/" + std::to_string(other_id)).status,
            204);
  EXPECT_EQ(send_as(other, "GET", "/api/v1/me").status, 401);
  EXPECT_EQ(audit_count(db(), "auth.sessions_revoked"), 1);
  (void)bob;
}

TEST_F(AccountRoutesTest, RevokingOthersKeepsTheCurrentSession) {
  const SignedIn current = sign_in_as("ann@acme.test");
  const SignedIn second = sign_in_as("ann@acme.test");
  const SignedIn third = sign_in_as("ann@acme.test");
  ASSERT_EQ(send_as(second, "GET", "/api/v1/me").status, 200);
  EXPECT_EQ(send_as(current, "DELETE", "/api/v1/me/sessions").status, 204);
  EXPECT_EQ(send_as(current, "GET", "/api/v1/me").status, 200);
  EXPECT_EQ(send_as(second, "GET", "/api/v1/me").status, 401);
  EXPECT_EQ(send_as(third, "GET", "/api/v1/me").status, 401);
}

}  // namespace
}  // namespace worktrace::auth
