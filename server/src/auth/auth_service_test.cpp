#include "auth/auth_service.hpp"

#include "auth/test_support.hpp"
#include "auth/tokens.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>

namespace worktrace::auth {
namespace {

using namespace testing;

constexpr EpochMs kStart = 1'700'000'000'000;
constexpr std::string_view kPassword = "s3cret-enough";

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest() {
    org_id_ = create_org(db(), "Acme");
    user_id_ = create_user(db(), org_id_, "ann@acme.test", Role::admin, kPassword);
    auth_.register_routes(router_);
  }

  storage::Db& db() { return *test_db_.db; }

  api::Response login(std::string_view email, std::string_view password, bool secure = false) {
    const boost::json::object body = {{"email", email}, {"password", password}};
    auto request = make_request("POST", "/api/v1/auth/login", boost::json::serialize(body));
    request.secure = secure;
    request.headers.emplace_back("user-agent", "test-agent/1.0");
    return call(router_, std::move(request));
  }

  api::Response me(const std::string& token) {
    return call(router_, make_request("GET", "/api/v1/me", {}, token));
  }

  EpochMs last_seen_at() {
    auto value = db().read([&](storage::Connection& connection) -> Result<EpochMs> {
      auto statement = connection.prepare("SELECT last_seen_at FROM sessions WHERE user_id = ?");
      if (!statement) return statement.error();
      (*statement)->bind_int(1, user_id_);
      if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
      return (*statement)->column_int(0);
    });
    return value ? *value : -1;
  }

  storage::testing::TestDb test_db_;
  ManualClock clock_{kStart};
  AuthService auth_{db(), clock_};
  api::Router router_;
  OrgId org_id_ = 0;
  UserId user_id_ = 0;
};

TEST_F(AuthServiceTest, LoginAnswersUserAndOrgAndSetsAStrictCookie) {
  auto response = login("Ann@ACME.test", kPassword);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(boost::json::parse(response.body),
            boost::json::parse(R"({"user":{"id":)" + std::to_string(user_id_) +
                               R"(,"email":"ann@acme.test","name":"User ann@acme.test",)"
                               R"("role":"admin"},"org":{"id":)" +
                               std::to_string(org_id_) + R"(,"name":"Acme"}})"));
  const std::string cookie = header_of(response, "Set-Cookie");
  EXPECT_EQ(cookie.rfind("wt_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Max-Age=604800"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure;"), std::string::npos) << cookie;
  EXPECT_FALSE(cookie.ends_with("; Secure")) << cookie;
  EXPECT_EQ(session_token(response).size(), 43u);

  auto secure = login("ann@acme.test", kPassword, /*secure=*/true);
  ASSERT_EQ(secure.status, 200);
  EXPECT_TRUE(header_of(secure, "Set-Cookie").ends_with("; Secure"));
}

TEST_F(AuthServiceTest, StoresOnlyTheHashOfTheSessionToken) {
  const std::string token = session_token(login("ann@acme.test", kPassword));
  ASSERT_FALSE(token.empty());
  auto stored =
      db().read([&](storage::Connection& connection) -> Result<std::vector<unsigned char>> {
        auto statement = connection.prepare(
            "SELECT token_hash, remote_ip, user_agent, expires_at - created_at FROM sessions");
        if (!statement) return statement.error();
        if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
        EXPECT_EQ((*statement)->column_text(1), "198.51.100.7");
        EXPECT_EQ((*statement)->column_text(2), "test-agent/1.0");
        EXPECT_EQ((*statement)->column_int(3), kSessionLifetimeMs);
        return (*statement)->column_blob(0);
      });
  ASSERT_TRUE(stored) << stored.error().message;
  const TokenHash expected = hash_token(token);
  EXPECT_EQ(*stored, std::vector<unsigned char>(expected.begin(), expected.end()));
}

TEST_F(AuthServiceTest, WrongPasswordAndUnknownEmailGetTheSameAnswerInSimilarTime) {
  create_user(db(), org_id_, "off@acme.test", Role::employee, kPassword, "disabled");
  (void)login("warm@acme.test", "x");  // the dummy hash is made on first use

  using Clock = std::chrono::steady_clock;
  auto timed = [&](std::string_view email, std::string_view password) {
    const auto begin = Clock::now();
    auto response = login(email, password);
    return std::pair(response, Clock::now() - begin);
  };
  const auto [wrong_password, wrong_time] = timed("ann@acme.test", "not-it");
  const auto [unknown_email, unknown_time] = timed("nobody@acme.test", kPassword);
  const auto [disabled, disabled_time] = timed("off@acme.test", kPassword);
  const auto [malformed, malformed_time] = timed("no-at-sign", kPassword);

  for (const auto* response : {&wrong_password, &unknown_email, &disabled, &malformed}) {
    EXPECT_EQ(response->status, 401);
    EXPECT_EQ(response->body, wrong_password.body);
    EXPECT_TRUE(header_of(*response, "Set-Cookie").empty());
  }
  EXPECT_EQ(boost::json::parse(wrong_password.body),
            boost::json::parse(R"({"error":{"code":"unauthenticated",)"
                               R"("message":"email or password is wrong"}})"));
  // Every path runs one Argon2id verification (tens of ms); skipping it would take well
  // under a millisecond. A loose bound keeps this stable on a busy machine.
  for (const auto time : {unknown_time, disabled_time, malformed_time}) {
    EXPECT_GT(time, wrong_time / 4);
  }
}

TEST_F(AuthServiceTest, LoginValidatesItsBody) {
  auto no_type = make_request("POST", "/api/v1/auth/login", R"({"email":"a@b","password":"x"})");
  no_type.headers.clear();
  EXPECT_EQ(call(router_, no_type).status, 415);

  auto missing = call(router_, make_request("POST", "/api/v1/auth/login", R"({"email":"a@b"})"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("$.password: is required"), std::string::npos) << missing.body;

  const boost::json::object long_email = {{"email", std::string(255, 'a')}, {"password", "x"}};
  auto too_long =
      call(router_, make_request("POST", "/api/v1/auth/login", boost::json::serialize(long_email)));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("$.email: must be at most 254 bytes"), std::string::npos);

  const boost::json::object long_password = {{"email", "a@b"},
                                             {"password", std::string(1025, 'p')}};
  EXPECT_EQ(call(router_,
                 make_request("POST", "/api/v1/auth/login", boost::json::serialize(long_password)))
                .status,
            400);
}

TEST_F(AuthServiceTest, MeNeedsASessionAndShowsTheUser) {
  EXPECT_EQ(me("").status, 401);
  EXPECT_EQ(me("forged-token").status, 401);
  EXPECT_EQ(me(std::string(500, 'x')).status, 401);

  const std::string token = sign_in(router_, "ann@acme.test", kPassword);
  auto response = me(token);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = boost::json::parse(response.body);
  EXPECT_EQ(body.at("user").at("email"), "ann@acme.test");
  EXPECT_EQ(body.at("user").at("role"), "admin");
  EXPECT_EQ(body.at("org").at("name"), "Acme");

  auto actor = auth_.authenticate(make_request("GET", "/x", {}, token));
  ASSERT_TRUE(actor);
  EXPECT_EQ(actor->user_id, user_id_);
  EXPECT_EQ(actor->org_id, org_id_);
  EXPECT_EQ(actor->role, Role::admin);
}

TEST_F(AuthServiceTest, SessionsEndAfterTwelveIdleHours) {
  const std::string token = sign_in(router_, "ann@acme.test", kPassword);
  clock_.advance(kSessionIdleMs - 1);
  EXPECT_EQ(me(token).status, 200);  // and this request resets the idle time
  clock_.advance(kSessionIdleMs - 1);
  EXPECT_EQ(me(token).status, 200);
  clock_.advance(kSessionIdleMs);
  EXPECT_EQ(me(token).status, 401);
  clock_.set(kStart);
  EXPECT_EQ(me(token).status, 401);  // the ended session is gone, not just out of time
}

TEST_F(AuthServiceTest, SessionsEndSevenDaysAfterSignInWhateverTheActivity) {
  const std::string token = sign_in(router_, "ann@acme.test", kPassword);
  constexpr EpochMs kStep = 11LL * 60 * 60 * 1000;
  EpochMs elapsed = 0;
  while (elapsed + kStep < kSessionLifetimeMs) {
    clock_.advance(kStep);
    elapsed += kStep;
    ASSERT_EQ(me(token).status, 200) << "after " << elapsed << " ms";
  }
  clock_.set(kStart + kSessionLifetimeMs);
  EXPECT_EQ(me(token).status, 401);
}

TEST_F(AuthServiceTest, TouchesLastSeenAtMostOnceAMinute) {
  const std::string token = sign_in(router_, "ann@acme.test", kPassword);
  EXPECT_EQ(last_seen_at(), kStart);
  clock_.advance(30'000);
  ASSERT_EQ(me(token).status, 200);
  EXPECT_EQ(last_seen_at(), kStart);
  clock_.advance(31'000);
  ASSERT_EQ(me(token).status, 200);
  EXPECT_EQ(last_seen_at(), kStart + 61'000);
}

TEST_F(AuthServiceTest, DisabledUsersLoseTheirSessions) {
  const std::string token = sign_in(router_, "ann@acme.test", kPassword);
  ASSERT_TRUE(db().write([&](storage::Connection& connection) {
    return connection.exec("UPDATE users SET status = 'disabled'");
  }));
  EXPECT_EQ(me(token).status, 401);
}

TEST_F(AuthServiceTest, LogoutDeletesTheSessionAndClearsTheCookie) {
  EXPECT_EQ(call(router_, make_request("POST", "/api/v1/auth/logout")).status, 401);
  const std::string token = sign_in(router_, "ann@acme.test", kPassword);
  const std::string other = sign_in(router_, "ann@acme.test", kPassword);
  auto response = call(router_, make_request("POST", "/api/v1/auth/logout", {}, token));
  EXPECT_EQ(response.status, 204);
  const std::string cookie = header_of(response, "Set-Cookie");
  EXPECT_EQ(cookie.rfind("wt_session=;", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("Max-Age=0"), std::string::npos) << cookie;
  EXPECT_EQ(me(token).status, 401);
  EXPECT_EQ(me(other).status, 200);  // only the session that signed out ends
}

TEST(NormalizeEmailTest, LowerCasesAndChecksTheShape) {
  EXPECT_EQ(*normalize_email("Ann.Lee@Example.COM"), "ann.lee@example.com");
  for (std::string_view bad : {"", "ann", "@example.com", "ann@", "a@b@c", "ann @x.com"}) {
    auto refused = normalize_email(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_TRUE(refused.error().is(Errc::invalid_argument));
  }
  EXPECT_FALSE(normalize_email(std::string(250, 'a') + "@b.co"));
}

}  // namespace
}  // namespace worktrace::auth
