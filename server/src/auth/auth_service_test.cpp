#include "auth/auth_service.hpp"

#include "audit/audit_query.hpp"
#include "audit/audit_verify.hpp"
#include "auth/test_fixture.hpp"
#include "auth/tokens.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace worktrace::auth {
namespace {

using namespace testing;

class AuthServiceTest : public AuthFixture {
 protected:
  api::Response login(std::string_view email, std::string_view password, bool secure = false,
                      std::string remote_ip = "198.51.100.7") {
    const boost::json::object body = {{"email", email}, {"password", password}};
    auto request = make_request("POST", "/api/v1/auth/login", boost::json::serialize(body));
    request.secure = secure;
    request.remote_ip = std::move(remote_ip);
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
};

TEST_F(AuthServiceTest, LoginAnswersUserAndOrgAndSetsAStrictCookie) {
  auto response = login("Ann@ACME.test", kPassword);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json_of(response);
  EXPECT_EQ(body.at("user").at("id"), user_id_);
  EXPECT_EQ(body.at("user").at("email"), "ann@acme.test");
  EXPECT_EQ(body.at("user").at("role"), "admin");
  EXPECT_EQ(body.at("user").at("status"), "active");
  EXPECT_EQ(body.at("user").at("totp_enabled"), false);
  EXPECT_EQ(body.at("user").at("last_sign_in_at"), kStart);
  EXPECT_EQ(body.at("org"), boost::json::parse(R"({"id":)" + std::to_string(org_id_) +
                                               R"(,"name":"Acme","require_2fa":false})"));
  EXPECT_EQ(body.at("csrf_token").as_string().size(), 43u);
  EXPECT_EQ(body.at("mfa_setup_required"), false);
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
  create_user(db(), org_id_, "off@acme.test", Role::employee, kPassword, "suspended");
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

  const std::string token = sign_in_session(router_, "ann@acme.test", kPassword).token;
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
  const std::string token = sign_in_session(router_, "ann@acme.test", kPassword).token;
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
  const std::string token = sign_in_session(router_, "ann@acme.test", kPassword).token;
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
  const std::string token = sign_in_session(router_, "ann@acme.test", kPassword).token;
  EXPECT_EQ(last_seen_at(), kStart);
  clock_.advance(30'000);
  ASSERT_EQ(me(token).status, 200);
  EXPECT_EQ(last_seen_at(), kStart);
  clock_.advance(31'000);
  ASSERT_EQ(me(token).status, 200);
  EXPECT_EQ(last_seen_at(), kStart + 61'000);
}

TEST_F(AuthServiceTest, SuspendedUsersLoseTheirSessionsOnceTheCacheIsInvalidated) {
  const std::string token = sign_in_session(router_, "ann@acme.test", kPassword).token;
  ASSERT_EQ(me(token).status, 200);
  exec_sql(db(), "UPDATE users SET status = 'suspended'");
  auth_.invalidate_cache();  // what the service that suspends must do
  EXPECT_EQ(me(token).status, 401);
}

TEST_F(AuthServiceTest, CachedSessionsLastAtMostFiveSecondsWithoutInvalidation) {
  const std::string token = sign_in_session(router_, "ann@acme.test", kPassword).token;
  ASSERT_EQ(me(token).status, 200);
  exec_sql(db(), "UPDATE users SET status = 'suspended'");  // behind the service's back
  clock_.advance(SessionCache::kDefaultTtlMs);
  EXPECT_EQ(me(token).status, 401);
}

TEST_F(AuthServiceTest, LogoutDeletesTheSessionAndClearsTheCookie) {
  EXPECT_EQ(call(router_, make_request("POST", "/api/v1/auth/logout")).status, 401);
  const std::string token = sign_in_session(router_, "ann@acme.test", kPassword).token;
  const std::string other = sign_in_session(router_, "ann@acme.test", kPassword).token;
  const std::string csrf(json_of(me(token)).at("csrf_token").as_string());
  auto response = call(router_, make_request("POST", "/api/v1/auth/logout", {}, token, csrf));
  EXPECT_EQ(response.status, 204);
  const std::string cookie = header_of(response, "Set-Cookie");
  EXPECT_EQ(cookie.rfind("wt_session=;", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("Max-Age=0"), std::string::npos) << cookie;
  EXPECT_EQ(me(token).status, 401);
  EXPECT_EQ(me(other).status, 200);  // only the session that signed out ends
}

TEST_F(AuthServiceTest, CookieWritesNeedTheSessionsCsrfToken) {
  const SignedIn session = sign_in_as("ann@acme.test");
  EXPECT_EQ(me(session.token).status, 200);  // reads need none
  EXPECT_EQ(json_of(me(session.token)).at("csrf_token").as_string(), session.csrf);

  auto missing = send(make_request("POST", "/api/v1/auth/logout", {}, session.token));
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(message_of(missing), "CSRF token missing or wrong");
  std::string wrong = session.csrf;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(send(make_request("POST", "/api/v1/auth/logout", {}, session.token, wrong)).status,
            403);
  const SignedIn other = sign_in_as("ann@acme.test");
  EXPECT_NE(other.csrf, session.csrf);
  EXPECT_EQ(send(make_request("POST", "/api/v1/auth/logout", {}, session.token, other.csrf)).status,
            403);  // another session's token does not do
  EXPECT_EQ(send_as(session, "POST", "/api/v1/auth/logout").status, 204);
}

TEST_F(AuthServiceTest, FailedSignInsAreThrottledPerAccountAndAddressWithoutCheckingThePassword) {
  for (int attempt = 0; attempt < LoginThrottle::kPairFreeFailures; ++attempt) {
    EXPECT_EQ(login("ann@acme.test", "wrong-password").status, 401);
  }
  auto throttled = login("ann@acme.test", kPassword);  // right, but too soon
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(header_of(throttled, "Retry-After"), "1");
  EXPECT_EQ(message_of(throttled), "too many failed sign-ins; try again in 1 s");
  EXPECT_TRUE(header_of(throttled, "Set-Cookie").empty());

  // From another address, the person is not held back by those failures.
  EXPECT_EQ(login("ann@acme.test", kPassword, false, "192.0.2.50").status, 200);

  // An unknown email is throttled just the same.
  for (int attempt = 0; attempt < LoginThrottle::kPairFreeFailures; ++attempt) {
    EXPECT_EQ(login("nobody@acme.test", "x", false, "203.0.113.9").status, 401);
  }
  auto unknown = login("nobody@acme.test", "x", false, "203.0.113.9");
  EXPECT_EQ(unknown.status, 429);
  EXPECT_EQ(unknown.body, throttled.body);

  clock_.advance(1000);
  EXPECT_EQ(login("ann@acme.test", "wrong-again").status, 401);  // sixth failure: 2 s
  clock_.advance(1000);
  EXPECT_EQ(login("ann@acme.test", kPassword).status, 429);
  clock_.advance(1000);
  EXPECT_EQ(login("ann@acme.test", kPassword).status, 200);
  EXPECT_EQ(login("ann@acme.test", "wrong").status, 401);  // the success started over
  EXPECT_EQ(login("ann@acme.test", kPassword).status, 200);
}

TEST_F(AuthServiceTest, SignInsAreAuditedIntoTheAccountsOrganization) {
  EXPECT_EQ(login("ann@acme.test", kPassword).status, 200);
  EXPECT_EQ(login("ann@acme.test", "wrong-password").status, 401);
  EXPECT_EQ(login("nobody@acme.test", "wrong-password").status, 401);
  EXPECT_EQ(audit_count(db(), "auth.login"), 1);
  EXPECT_EQ(audit_count(db(), "auth.login_failed"), 1);
  auto org = db().read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare(
        "SELECT count(*) FROM audit_log WHERE org_id = ? AND subject_user_id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, org_id_);
    (*statement)->bind_int(2, user_id_);
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0);
  });
  ASSERT_TRUE(org);
  EXPECT_EQ(*org, 2);
}

TEST_F(AuthServiceTest, UnknownEmailsAreAuditedIntoTheServersOwnChainWithoutTheEmail) {
  EXPECT_EQ(login("nobody@acme.test", "wrong-password", false, "203.0.113.9").status, 401);
  EXPECT_EQ(login("not an email", "wrong-password", false, "203.0.113.10").status, 401);
  EXPECT_EQ(audit_count(db(), "auth.login_failed_unknown_account"), 2);

  auto entries = db().read([&](storage::Connection& connection) -> Result<audit::AuditPage> {
    return audit::list(connection, 0, audit::AuditQuery{});
  });
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->entries.size(), 2u);
  const audit::Record& newest = entries->entries[0].record;
  EXPECT_EQ(newest.entry.action, "auth.login_failed_unknown_account");
  EXPECT_EQ(newest.entry.actor, "anonymous");
  EXPECT_FALSE(newest.entry.actor_user_id);
  EXPECT_FALSE(newest.entry.subject_user_id);
  EXPECT_EQ(newest.entry.remote_ip, "203.0.113.10");
  EXPECT_EQ(newest.entry.target_type, "");
  EXPECT_EQ(newest.entry.target_id, "");
  EXPECT_EQ(newest.details_text, "{}");
  EXPECT_EQ(entries->entries[1].record.entry.remote_ip, "203.0.113.9");

  // Organization 0's chain verifies, and is among the chains `audit verify` walks.
  auto all = audit::verify_all(db());
  ASSERT_TRUE(all);
  ASSERT_FALSE(all->empty());
  EXPECT_EQ(all->front().org_id, 0);
  EXPECT_TRUE(all->front().ok);
  EXPECT_EQ(all->front().entries, 2);

  // No organization's log shows it.
  auto own = db().read([&](storage::Connection& connection) -> Result<audit::AuditPage> {
    return audit::list(connection, org_id_, audit::AuditQuery{});
  });
  ASSERT_TRUE(own);
  for (const auto& listed : own->entries) {
    EXPECT_NE(listed.record.entry.action, "auth.login_failed_unknown_account");
  }
}

TEST_F(AuthServiceTest, SignInTellsWhenTwoFactorSetupIsRequired) {
  exec_sql(db(), "UPDATE organizations SET require_2fa = 1");
  create_user(db(), org_id_, "emma@acme.test", Role::employee, kPassword);
  auto admin = login("ann@acme.test", kPassword);
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(json_of(admin).at("mfa_setup_required"), true);
  auto employee = login("emma@acme.test", kPassword);
  ASSERT_EQ(employee.status, 200) << employee.body;
  EXPECT_EQ(json_of(employee).at("mfa_setup_required"), false);
}

TEST_F(AuthServiceTest, AnOrganizationRequiring2faShutsOutItsAdminsUntilTheySetItUp) {
  create_user(db(), org_id_, "emma@acme.test", Role::employee, kPassword);
  const SignedIn admin = sign_in_as("ann@acme.test");
  const SignedIn employee = sign_in_as("emma@acme.test");
  exec_sql(db(), "UPDATE organizations SET require_2fa = 1");
  auth_.invalidate_cache();

  auto blocked = send_as(admin, "GET", "/api/v1/me/sessions");
  EXPECT_EQ(blocked.status, 403);
  EXPECT_EQ(message_of(blocked),
            "two-factor authentication is required by your organization: set it up in your "
            "account");
  auto actor = auth_.authenticate(make_request("GET", "/x", {}, admin.token));
  ASSERT_FALSE(actor);
  EXPECT_TRUE(actor.error().is(Errc::permission_denied));
  EXPECT_TRUE(auth_.authenticate(make_request("GET", "/x", {}, admin.token), Allow::mfa_setup));

  auto own = me(admin.token);
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(json_of(own).at("mfa_setup_required"), true);
  EXPECT_EQ(json_of(own).at("org").at("require_2fa"), true);
  EXPECT_EQ(send_as(admin, "POST", "/api/v1/me/2fa/setup").status, 200);

  EXPECT_EQ(send_as(employee, "GET", "/api/v1/me/sessions").status, 200);
  EXPECT_EQ(json_of(me(employee.token)).at("mfa_setup_required"), false);
}

TEST_F(AuthServiceTest, AccessChangedDropsTheCacheAndTellsTheListeners) {
  std::vector<std::pair<OrgId, std::optional<UserId>>> calls;
  auth_.on_access_changed(
      [&](OrgId org_id, std::optional<UserId> user) { calls.emplace_back(org_id, user); });
  const SignedIn session = sign_in_as("ann@acme.test");
  auto before = auth_.authenticate(make_request("GET", "/x", {}, session.token));
  ASSERT_TRUE(before);
  EXPECT_EQ(before->role, Role::admin);
  exec_sql(db(), "UPDATE users SET role = 'employee'");
  EXPECT_EQ(auth_.authenticate(make_request("GET", "/x", {}, session.token))->role,
            Role::admin);  // still cached

  auth_.access_changed(org_id_, user_id_);
  EXPECT_EQ(auth_.authenticate(make_request("GET", "/x", {}, session.token))->role, Role::employee);
  auth_.access_changed(org_id_, std::nullopt);
  const std::vector<std::pair<OrgId, std::optional<UserId>>> expected{{org_id_, user_id_},
                                                                      {org_id_, std::nullopt}};
  EXPECT_EQ(calls, expected);
}

TEST_F(AuthServiceTest, ActorsCarryTheirManagedTeamsAndSession) {
  exec_sql(db(), "INSERT INTO departments (id, org_id, name, created_at) VALUES (1, 1, 'D', 1)");
  exec_sql(db(),
           "INSERT INTO teams (id, org_id, department_id, name, created_at) VALUES "
           "(5, 1, 1, 'T5', 1), (6, 1, 1, 'T6', 1)");
  exec_sql(db(), "INSERT INTO team_members VALUES (5, 1, 1, 1), (6, 1, 0, 1)");
  const SignedIn session = sign_in_as("ann@acme.test");
  auto actor = auth_.authenticate(make_request("GET", "/x", {}, session.token));
  ASSERT_TRUE(actor);
  EXPECT_EQ(actor->managed_team_ids, std::vector<TeamId>{5});
  EXPECT_GT(actor->session_id, 0);
  EXPECT_EQ(actor->api_token_id, 0);
  EXPECT_EQ(actor->scopes, kAllScopes);
}

TEST_F(AuthServiceTest, EndSessionsEndsAllButTheKeptOneAndTellsTheListeners) {
  struct Call {
    UserId user;
    std::optional<std::int64_t> only;
    std::optional<std::int64_t> except;
  };
  std::vector<Call> calls;
  auth_.on_sessions_ended(
      [&](UserId user, std::optional<std::int64_t> only, std::optional<std::int64_t> except) {
        calls.push_back({user, only, except});
      });
  const SignedIn first = sign_in_as("ann@acme.test");
  const SignedIn second = sign_in_as("ann@acme.test");
  const SignedIn third = sign_in_as("ann@acme.test");
  const auto kept = auth_.authenticate(make_request("GET", "/x", {}, second.token))->session_id;
  ASSERT_EQ(me(first.token).status, 200);  // cached now

  ASSERT_TRUE(auth_.end_sessions(user_id_, kept));
  EXPECT_EQ(me(first.token).status, 401);
  EXPECT_EQ(me(third.token).status, 401);
  EXPECT_EQ(me(second.token).status, 200);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].user, user_id_);
  EXPECT_EQ(calls[0].only, std::nullopt);
  EXPECT_EQ(calls[0].except, kept);

  ASSERT_EQ(send_as(second, "POST", "/api/v1/auth/logout").status, 204);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].only, kept);
  EXPECT_EQ(calls[1].except, std::nullopt);
}

TEST_F(AuthServiceTest, SignInResponseStartsASessionForOtherServices) {
  auto response = auth_.sign_in_response(user_id_, make_request("POST", "/api/v1/signup"), 201);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  const auto body = json_of(*response);
  EXPECT_EQ(body.at("user").at("id"), user_id_);
  EXPECT_EQ(body.at("org").at("name"), "Acme");
  const std::string token = session_token(*response);
  ASSERT_EQ(me(token).status, 200);
  EXPECT_EQ(json_of(me(token)).at("csrf_token"), body.at("csrf_token"));
  EXPECT_EQ(audit_count(db(), "auth.login"), 0);

  exec_sql(db(), "UPDATE users SET status = 'invited'");
  auto refused = auth_.sign_in_response(user_id_, make_request("POST", "/x"), 200);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::unauthenticated));
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
