#include "org/org_service.hpp"
#include "org/signup_limiter.hpp"

#include "auth/auth_service.hpp"
#include "org/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::org {
namespace {

using testing::expect_error;

class CreateOrgTest : public ::testing::Test {
 protected:
  storage::Db& db() { return *test_db_.db; }

  storage::testing::TestDb test_db_;
  ManualClock clock_{1'700'000'000'000};
  OrgService orgs_{db(), clock_};
};

TEST_F(CreateOrgTest, CreatesAnOrganizationWithAGeneratedPasswordThatSignsIn) {
  auto created = orgs_.create_org("Acme", "Boss@Acme.test", "The Boss", std::nullopt);
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_EQ(created->password.size(), kGeneratedPasswordLength);
  EXPECT_EQ(auth::testing::audit_count(db(), "org.created"), 1);
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM audit_log WHERE actor = 'system'"), 1);

  auth::AuthService auth(db(), clock_);
  api::Router router;
  auth.register_routes(router);
  const auto session = auth::testing::sign_in_session(router, "boss@acme.test", created->password);
  EXPECT_FALSE(session.token.empty());
}

TEST_F(CreateOrgTest, RefusesDuplicateEmailsAndWeakPasswords) {
  ASSERT_TRUE(orgs_.create_org("One", "same@x.test", "Owner", std::string("correct horse 1")));
  expect_error(orgs_.create_org("Two", "SAME@x.test", "Owner", std::string("correct horse 2")),
               Errc::conflict, "email: already registered");
  expect_error(orgs_.create_org("Three", "three@x.test", "Owner", std::string("short")),
               Errc::invalid_argument);
  expect_error(orgs_.create_org("Four", "four@x.test", "Owner", std::string("four@x.test")),
               Errc::invalid_argument);
  expect_error(orgs_.create_org("", "five@x.test", "Owner", std::nullopt), Errc::invalid_argument,
               "name: must be 1..200 characters");
  expect_error(orgs_.create_org("Six", "six@x.test", "", std::nullopt), Errc::invalid_argument,
               "owner_name: must be 1..200 characters");
  expect_error(orgs_.create_org("", "seven@x.test", "Owner", std::nullopt, Origin::signup),
               Errc::invalid_argument, "org_name: must be 1..200 characters");
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM organizations"), 1);
}

TEST(SignupLimiter, AllowsFiveAttemptsPerAddressAndHour) {
  ManualClock clock(1'000'000);
  SignupLimiter limiter(clock);
  for (std::size_t attempt = 0; attempt < kSignupsPerWindow; ++attempt) {
    EXPECT_EQ(limiter.acquire("198.51.100.1"), 0);
    clock.advance(1000);
  }
  EXPECT_EQ(limiter.acquire("198.51.100.1"), 3600 - 5);
  EXPECT_EQ(limiter.acquire("198.51.100.2"), 0);
  clock.advance(kSignupWindowMs - 5000);
  EXPECT_EQ(limiter.acquire("198.51.100.1"), 0);  // the first attempt left the window
  EXPECT_GT(limiter.acquire("198.51.100.1"), 0);
}

TEST(SignupLimiter, StaysBoundedByForgettingTheLongestIdle) {
  ManualClock clock(1'000'000);
  SignupLimiter limiter(clock);
  for (int attempt = 0; attempt < 5; ++attempt) ASSERT_EQ(limiter.acquire("first"), 0);
  EXPECT_GT(limiter.acquire("first"), 0);
  clock.advance(1);
  for (std::size_t address = 0; address < kSignupLimiterAddresses; ++address) {
    ASSERT_EQ(limiter.acquire("a" + std::to_string(address)), 0);
  }
  // "first" was idle longest and is forgotten: it may try again.
  EXPECT_EQ(limiter.acquire("first"), 0);
}

}  // namespace
}  // namespace worktrace::org
