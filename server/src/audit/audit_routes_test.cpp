#include "audit/audit_routes.hpp"

#include "audit/audit_log.hpp"
#include "auth/test_support.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace worktrace::audit {
namespace {

using auth::testing::make_request;

constexpr std::string_view kPassword = "s3cret-enough";
constexpr EpochMs kStart = 1'700'000'000'000;

class AuditRoutesTest : public ::testing::Test {
 protected:
  AuditRoutesTest() {
    acme_ = auth::testing::create_org(db(), "Acme");
    globex_ = auth::testing::create_org(db(), "Globex");
    ann_ = auth::testing::create_user(db(), acme_, "ann@acme.test", Role::owner, kPassword);
    adam_ = auth::testing::create_user(db(), acme_, "adam@acme.test", Role::admin, kPassword);
    mia_ = auth::testing::create_user(db(), acme_, "mia@acme.test", Role::manager, kPassword);
    eve_ = auth::testing::create_user(db(), acme_, "eve@acme.test", Role::employee, kPassword);
    gus_ = auth::testing::create_user(db(), globex_, "gus@globex.test", Role::owner, kPassword);
    auth_.register_routes(router_);
    routes_.register_routes(router_);
  }

  storage::Db& db() { return *test_db_.db; }

  void add(OrgId org_id, std::string action, std::optional<UserId> subject = std::nullopt) {
    Entry entry;
    entry.org_id = org_id;
    entry.actor = "system";
    entry.action = std::move(action);
    entry.subject_user_id = subject;
    auto seq = db().write([&](storage::Connection& c) { return append(c, entry, kStart); });
    ASSERT_TRUE(seq);
  }

  api::Response get(std::string_view email, std::string target) {
    const std::string session = auth::testing::sign_in_session(router_, email, kPassword).token;
    api::Request request = make_request("GET", target, {}, session);
    const auto question = target.find('?');
    if (question != std::string::npos) {
      request.path = target.substr(0, question);
      std::string_view rest = std::string_view(target).substr(question + 1);
      while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        request.query.emplace(std::string(pair.substr(0, eq)),
                              eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      }
    }
    return auth::testing::call(router_, std::move(request));
  }

  storage::testing::TestDb test_db_;
  ManualClock clock_{kStart};
  auth::AuthService auth_{db(), clock_};
  AuditRoutes routes_{db(), auth_};
  api::Router router_;
  OrgId acme_ = 0;
  OrgId globex_ = 0;
  UserId ann_ = 0;
  UserId adam_ = 0;
  UserId mia_ = 0;
  UserId eve_ = 0;
  UserId gus_ = 0;
};

TEST_F(AuditRoutesTest, OwnersAndAdminsListTheirOrganizationsEntriesOnly) {
  add(acme_, "person.viewed", eve_);
  add(globex_, "org.updated");
  for (const auto* email : {"ann@acme.test", "adam@acme.test"}) {
    auto response = get(email, "/api/v1/audit?action=person.viewed");
    ASSERT_EQ(response.status, 200) << response.body;
    const auto body = boost::json::parse(response.body);
    const auto& entries = body.at("entries").as_array();
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].at("subject_name").as_string(), "User eve@acme.test");
    EXPECT_TRUE(body.at("next_before_seq").is_null());
  }
  auto globex = get("gus@globex.test", "/api/v1/audit");
  ASSERT_EQ(globex.status, 200);
  const auto body = boost::json::parse(globex.body);
  // Gus's own sign-in may be logged too; none of Acme's entries are there.
  for (const auto& entry : body.at("entries").as_array()) {
    EXPECT_NE(entry.at("action").as_string(), "person.viewed");
  }
}

TEST_F(AuditRoutesTest, ManagersEmployeesAndStrangersAreRefused) {
  EXPECT_EQ(get("mia@acme.test", "/api/v1/audit").status, 403);
  EXPECT_EQ(get("eve@acme.test", "/api/v1/audit").status, 403);
  EXPECT_EQ(get("eve@acme.test", "/api/v1/audit/verify").status, 403);
  auto anonymous = auth::testing::call(router_, make_request("GET", "/api/v1/audit"));
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(AuditRoutesTest, BadQueryParametersAreNamed) {
  struct Case {
    const char* target;
    const char* message;
  };
  const Case cases[] = {
      {"/api/v1/audit?limit=0", "limit: must be an integer between 1 and 500"},
      {"/api/v1/audit?limit=abc", "limit: must be an integer between 1 and 500"},
      {"/api/v1/audit?before_seq=-1", "before_seq: must be an integer between 1 and"},
      {"/api/v1/audit?action=AUTH", "action: must be an action name"},
      {"/api/v1/audit?action=.*", "action: must be an action name"},
      {"/api/v1/audit?colour=red", "unknown query parameter 'colour'"},
  };
  for (const auto& test_case : cases) {
    auto response = get("ann@acme.test", test_case.target);
    EXPECT_EQ(response.status, 400) << test_case.target;
    EXPECT_NE(response.body.find(test_case.message), std::string::npos) << response.body;
  }
}

TEST_F(AuditRoutesTest, VerifyReportsTheChainOfTheCallersOrganization) {
  add(acme_, "org.updated");
  add(acme_, "org.updated");
  auto response = get("adam@acme.test", "/api/v1/audit/verify");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = boost::json::parse(response.body);
  EXPECT_TRUE(body.at("ok").as_bool());
  EXPECT_GE(body.at("entries").as_int64(), 2);
  EXPECT_TRUE(body.at("first_broken_seq").is_null());
  EXPECT_TRUE(body.at("reason").is_null());

  auto tampered = db().write([](storage::Connection& c) -> Result<void> {
    if (auto dropped = c.exec("DROP TRIGGER audit_log_no_update"); !dropped) return dropped;
    return c.exec("UPDATE audit_log SET action = 'org.deleted' WHERE seq = 2");
  });
  ASSERT_TRUE(tampered);
  response = get("adam@acme.test", "/api/v1/audit/verify");
  body = boost::json::parse(response.body);
  EXPECT_FALSE(body.at("ok").as_bool());
  EXPECT_EQ(body.at("first_broken_seq").as_int64(), 2);
  EXPECT_EQ(body.at("reason").as_string(), "its hash does not match its contents");
}

}  // namespace
}  // namespace worktrace::audit
