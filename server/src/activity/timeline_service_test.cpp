#include "activity/timeline_service.hpp"

#include "activity/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::activity {
namespace {

using namespace testing;

constexpr EpochMs kT0 = slot_of(devices::testing::kStart) - 3600 * 1000;

class TimelineServiceTest : public ReportTest {
 protected:
  void ingest_sample() {
    auto response = post(credential_,
                         batch_body({span(1, kT0, kT0 + 600'000),
                                     span(3, kT0 + 600'000, kT0 + 900'000, "emacs", "notes"),
                                     span(4, kT0 + 900'000, kT0 + 960'000, "xterm", "build", true)},
                                    {input(2, kT0 + 60'000, 10), input(5, kT0 + 660'000, 5)}));
    ASSERT_EQ(response.status, 200) << response.body;
  }
};

TEST_F(TimelineServiceTest, ShowsClippedSpansTotalsTopListsAndSlots) {
  ingest_sample();
  const std::string owner = sign_in("ann@acme.test");
  auto response = get("timeline", acme_employee_, owner, kT0 + 300'000, kT0 + 1'200'000);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto expected = boost::json::object{
      {"user_id", acme_employee_},
      {"from", kT0 + 300'000},
      {"to", kT0 + 1'200'000},
      {"spans", boost::json::array{{{"start", kT0 + 300'000},
                                    {"end", kT0 + 600'000},
                                    {"app", "xterm"},
                                    {"exe", "/usr/bin/xterm"},
                                    {"title", "build"},
                                    {"idle", false},
                                    {"device_id", device_},
                                    {"url", ""},
                                    {"domain", ""},
                                    {"project", ""},
                                    {"file", ""},
                                    {"private", false}},
                                   {{"start", kT0 + 600'000},
                                    {"end", kT0 + 900'000},
                                    {"app", "emacs"},
                                    {"exe", "/usr/bin/emacs"},
                                    {"title", "notes"},
                                    {"idle", false},
                                    {"device_id", device_},
                                    {"url", ""},
                                    {"domain", ""},
                                    {"project", ""},
                                    {"file", ""},
                                    {"private", false}},
                                   {{"start", kT0 + 900'000},
                                    {"end", kT0 + 960'000},
                                    {"app", "xterm"},
                                    {"exe", "/usr/bin/xterm"},
                                    {"title", "build"},
                                    {"idle", true},
                                    {"device_id", device_},
                                    {"url", ""},
                                    {"domain", ""},
                                    {"project", ""},
                                    {"file", ""},
                                    {"private", false}}}},
      {"truncated", false},
      {"totals", {{"active_ms", 600'000}, {"idle_ms", 60'000}}},
      {"apps", boost::json::array{{{"app", "emacs"}, {"active_ms", 300'000}},
                                  {{"app", "xterm"}, {"active_ms", 300'000}}}},
      {"titles",
       boost::json::array{{{"app", "emacs"}, {"title", "notes"}, {"active_ms", 300'000}},
                          {{"app", "xterm"}, {"title", "build"}, {"active_ms", 300'000}}}},
      {"slots", boost::json::array{{{"slot", kT0},
                                    {"active_ms", 600'000},
                                    {"idle_ms", 0},
                                    {"keys", 10},
                                    {"clicks", 0},
                                    {"scrolls", 1},
                                    {"distance_px", 10},
                                    {"activity_pct", 100}},
                                   {{"slot", kT0 + 600'000},
                                    {"active_ms", 300'000},
                                    {"idle_ms", 60'000},
                                    {"keys", 5},
                                    {"clicks", 0},
                                    {"scrolls", 1},
                                    {"distance_px", 10},
                                    {"activity_pct", 50}}}}};
  EXPECT_EQ(json_of(response), boost::json::value(expected)) << response.body;
}

TEST_F(TimelineServiceTest, ListsInputMinutes) {
  ingest_sample();
  const std::string employee = sign_in("eve@acme.test");
  auto response = get("input", acme_employee_, employee, kT0, kT0 + 3'600'000);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json_of(response).at("minutes"),
            boost::json::parse("[{\"minute\":" + std::to_string(kT0 + 60'000) +
                               ",\"keys\":10,\"clicks\":0,\"scrolls\":1,\"distance_px\":10},"
                               "{\"minute\":" +
                               std::to_string(kT0 + 660'000) +
                               ",\"keys\":5,\"clicks\":0,\"scrolls\":1,\"distance_px\":10}]"));
  auto later = get("input", acme_employee_, employee, kT0 + 61'000, kT0 + 3'600'000);
  EXPECT_EQ(json_of(later).at("minutes").as_array().size(), 1U);
}

TEST_F(TimelineServiceTest, DefaultsToTheLastDayAndChecksTheRange) {
  const std::string owner = sign_in("ann@acme.test");
  auto fallback = get("timeline", acme_employee_, owner);
  ASSERT_EQ(fallback.status, 200) << fallback.body;
  EXPECT_EQ(json_of(fallback).at("to"), devices::testing::kStart);
  EXPECT_EQ(json_of(fallback).at("from"), devices::testing::kStart - kDefaultRangeMs);
  auto from_only = get("input", acme_employee_, owner, kT0);
  EXPECT_EQ(json_of(from_only).at("to"), kT0 + kDefaultRangeMs);

  const auto error = [&](std::optional<EpochMs> from, std::optional<EpochMs> to) {
    auto response = get("timeline", acme_employee_, owner, from, to);
    EXPECT_EQ(response.status, 400) << response.body;
    return std::string(json_of(response).at("error").at("message").as_string());
  };
  EXPECT_EQ(error(kT0, kT0), "to: must be after from");
  EXPECT_EQ(error(kT0, kT0 + kMaxRangeMs + 1), "to: must be at most 7 days after from");
  EXPECT_EQ(get("timeline", acme_employee_, owner, kT0, kT0 + kMaxRangeMs).status, 200);
  auto request = make_request(
      "GET", "/api/v1/people/" + std::to_string(acme_employee_) + "/timeline", "", owner);
  request.query["from"] = "yesterday";
  auto bad = call(request);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_of(bad).at("error").at("message"), "from: must be a time in epoch milliseconds");
}

TEST_F(TimelineServiceTest, FollowsTheAccessPolicy) {
  ingest_sample();
  const auto status = [&](std::string_view email, UserId person) {
    const std::string session = sign_in(email);
    const int timeline = get("timeline", person, session, kT0, kT0 + 3'600'000).status;
    const int input = get("input", person, session, kT0, kT0 + 3'600'000).status;
    EXPECT_EQ(timeline, input) << email;
    return timeline;
  };
  EXPECT_EQ(status("eve@acme.test", acme_employee_), 200);   // oneself
  EXPECT_EQ(status("ann@acme.test", acme_employee_), 200);   // owner
  EXPECT_EQ(status("adam@acme.test", acme_employee_), 200);  // admin
  EXPECT_EQ(status("mia@acme.test", acme_employee_), 200);   // manager of eve's team
  EXPECT_EQ(status("max@acme.test", acme_employee_), 403);   // manager of another team
  EXPECT_EQ(status("bob@acme.test", acme_employee_), 403);   // another employee
  EXPECT_EQ(status("eve@acme.test", acme_owner_), 403);
  EXPECT_EQ(status("gus@globex.test", acme_employee_), 404);  // another organization
  EXPECT_EQ(status("ann@acme.test", globex_owner_), 404);
  EXPECT_EQ(status("ann@acme.test", 999'999), 404);
  EXPECT_EQ(get("timeline", acme_employee_, "").status, 401);
  auto bad_id = make_request("GET", "/api/v1/people/abc/timeline", "", sign_in("ann@acme.test"));
  EXPECT_EQ(call(bad_id).status, 404);
}

TEST_F(TimelineServiceTest, ApiTokensNeedReportsRead) {
  ingest_sample();
  const std::string owner = sign_in("ann@acme.test");
  const auto token = [&](std::string_view scopes) {
    auto created = call(make_request(
        "POST", "/api/v1/api-tokens",
        R"({"name":"t","scopes":[)" + std::string(scopes) + R"(],"ttl_days":30})", owner));
    EXPECT_EQ(created.status, 201) << created.body;
    return std::string(json_of(created).at("token").as_string());
  };
  const std::string path = "/api/v1/people/" + std::to_string(acme_employee_) + "/timeline";
  auto denied = call(auth::testing::make_token_request("GET", path, token(R"("people:read")")));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(json_of(denied).at("error").at("message"),
            "this API token lacks the scope reports:read");
  auto allowed = call(auth::testing::make_token_request("GET", path, token(R"("reports:read")")));
  EXPECT_EQ(allowed.status, 200) << allowed.body;
}

TEST_F(TimelineServiceTest, ViewsOfOthersAreAudited) {
  const std::string employee = sign_in("eve@acme.test");
  ASSERT_EQ(get("timeline", acme_employee_, employee, kT0, kT0 + 1000).status, 200);
  EXPECT_TRUE(audit_entries(acme_, "activity.viewed").empty());
  const std::string manager = sign_in("mia@acme.test");
  ASSERT_EQ(get("input", acme_employee_, manager, kT0, kT0 + 1000).status, 200);
  const auto entries = audit_entries(acme_, "activity.viewed");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("actor_user_id"), acme_manager_);
  EXPECT_EQ(entries[0].at("subject_user_id"), acme_employee_);
  EXPECT_EQ(entries[0].at("details"),
            boost::json::parse(R"({"view":"input","from":)" + std::to_string(kT0) + R"(,"to":)" +
                               std::to_string(kT0 + 1000) + "}"));
}

TEST_F(TimelineServiceTest, AnotherOrganizationsDeviceNeverShowsUp) {
  // A globex device claiming nothing about acme: its data stays in globex.
  auto [globex_device, globex_credential] = enroll_into(globex_, "globex-laptop");
  assign(globex_device, globex_owner_);
  ASSERT_EQ(post(globex_credential, batch_body({span(1, kT0, kT0 + 60'000)})).status, 200);
  const std::string owner = sign_in("ann@acme.test");
  EXPECT_EQ(get("timeline", globex_owner_, owner, kT0, kT0 + 3'600'000).status, 404);
  const std::string globex = sign_in("gus@globex.test");
  auto own = get("timeline", globex_owner_, globex, kT0, kT0 + 3'600'000);
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(json_of(own).at("spans").as_array().size(), 1U);
}

}  // namespace
}  // namespace worktrace::activity
