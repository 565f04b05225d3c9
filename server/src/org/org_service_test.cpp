#include "org/org_service.hpp"

#include "auth/auth_service.hpp"
#include "auth/test_support.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <future>

namespace worktrace::org {
namespace {

class OrgServiceTest : public ::testing::Test {
 protected:
  storage::Db& db() { return *test_db_.db; }

  std::int64_t count(std::string_view table) {
    auto rows = db().read([&](storage::Connection& connection) -> Result<std::int64_t> {
      auto statement = connection.prepare("SELECT count(*) FROM " + std::string(table));
      if (!statement) return statement.error();
      if (auto row = (*statement)->step(); !row) return row.error();
      return (*statement)->column_int(0);
    });
    return rows ? *rows : -1;
  }

  // Signs in through the real login route; returns the /me body.
  boost::json::value sign_in_and_me(const std::string& email, const std::string& password) {
    auth::AuthService auth(db(), clock_);
    api::Router router;
    auth.register_routes(router);
    const std::string token = auth::testing::sign_in_session(router, email, password).token;
    auto me =
        auth::testing::call(router, auth::testing::make_request("GET", "/api/v1/me", {}, token));
    EXPECT_EQ(me.status, 200);
    return boost::json::parse(me.body);
  }

  storage::testing::TestDb test_db_;
  ManualClock clock_{1'700'000'000'000};
  OrgService orgs_{db(), clock_};
};

TEST_F(OrgServiceTest, CreatesTheDemoOrganizationWithAGeneratedPassword) {
  EXPECT_EQ(*orgs_.first_org_id(), std::nullopt);
  auto login = orgs_.ensure_demo_org(std::nullopt, std::nullopt);
  ASSERT_TRUE(login) << login.error().message;
  EXPECT_TRUE(login->created);
  EXPECT_EQ(login->org_name, "Demo Company");
  EXPECT_EQ(login->email, "owner@demo.worktrace.local");
  ASSERT_EQ(login->password.size(), kGeneratedPasswordLength);
  for (const char ch : login->password) {
    EXPECT_NE(kReadableAlphabet.find(ch), std::string_view::npos) << ch;
  }
  auto first = orgs_.first_org_id();
  ASSERT_TRUE(first && first->has_value());

  const auto me = sign_in_and_me(login->email, login->password);
  EXPECT_EQ(me.at("user").at("name"), "Demo Owner");
  EXPECT_EQ(me.at("user").at("role"), "owner");
  EXPECT_EQ(me.at("org").at("name"), "Demo Company");
  EXPECT_EQ(me.at("org").at("id"), **first);
}

TEST_F(OrgServiceTest, ASecondCallChangesNothingAndRevealsNoPassword) {
  auto created =
      orgs_.ensure_demo_org(std::string("Boss@Example.com"), std::string("Correct-Horse-1"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->email, "boss@example.com");
  EXPECT_EQ(created->password, "Correct-Horse-1");

  auto again =
      orgs_.ensure_demo_org(std::string("other@example.com"), std::string("Correct-Horse-2"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_TRUE(again->password.empty());
  EXPECT_EQ(again->org_name, "Demo Company");
  EXPECT_EQ(again->email, "boss@example.com");
  EXPECT_EQ(count("organizations"), 1);
  EXPECT_EQ(count("users"), 1);
  // The first password still works; the second was never stored.
  EXPECT_EQ(sign_in_and_me("boss@example.com", "Correct-Horse-1").at("user").at("email"),
            "boss@example.com");
}

TEST_F(OrgServiceTest, RefusesWeakPasswordsAndMalformedEmails) {
  auto short_password = orgs_.ensure_demo_org(std::nullopt, std::string("1234567"));
  ASSERT_FALSE(short_password);
  EXPECT_TRUE(short_password.error().is(Errc::invalid_argument));
  EXPECT_EQ(short_password.error().message, "password: must be at least 8 characters");
  // Seven characters in fourteen bytes are still seven characters.
  EXPECT_FALSE(orgs_.ensure_demo_org(std::nullopt, std::string("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                                               "\xc3\xa9\xc3\xa9\xc3\xa9")));
  auto common = orgs_.ensure_demo_org(std::nullopt, std::string("password1"));
  ASSERT_FALSE(common);
  EXPECT_EQ(common.error().message, "password: is one of the most common passwords");
  auto bad_email = orgs_.ensure_demo_org(std::string("owner"), std::nullopt);
  ASSERT_FALSE(bad_email);
  EXPECT_TRUE(bad_email.error().is(Errc::invalid_argument));
  EXPECT_EQ(count("organizations"), 0);
  EXPECT_TRUE(orgs_.ensure_demo_org(std::nullopt, std::string("Batt3ry-Staple")));
}

TEST_F(OrgServiceTest, ConcurrentCallsCreateOneOrganization) {
  auto first = std::async(std::launch::async,
                          [&] { return orgs_.ensure_demo_org(std::nullopt, std::nullopt); });
  auto second = std::async(std::launch::async,
                           [&] { return orgs_.ensure_demo_org(std::nullopt, std::nullopt); });
  auto a = first.get();
  auto b = second.get();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->created, b->created);
  EXPECT_EQ(count("organizations"), 1);
  EXPECT_EQ(count("users"), 1);
}

}  // namespace
}  // namespace worktrace::org
