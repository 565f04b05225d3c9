#include "activity/websites_service.hpp"

#include "activity/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::activity {
namespace {

using namespace testing;

constexpr EpochMs kT0 = slot_of(devices::testing::kStart) - 3600 * 1000;
constexpr std::int64_t kSecond = 1000;

class WebsitesServiceTest : public ReportTest {
 protected:
  static protocol::SpanRecord web(std::int64_t seq, EpochMs start, EpochMs end, std::string url,
                                  std::string domain, std::string title, bool idle = false) {
    auto record = span(seq, start, end, "chromium", std::move(title), idle);
    record.url = std::move(url);
    record.domain = std::move(domain);
    return record;
  }

  // example.com: 60 s on /a (sent with a query), 30 s on /b, 20 s on /a again (110 s);
  // docs.test: 100 s; then 60 s idle on example.com, 30 s private, 100 s on an excluded
  // domain (private at the server), 40 s in a terminal.
  void ingest_sample() {
    protocol::SpanRecord hidden = span(6, kT0 + 270 * kSecond, kT0 + 300 * kSecond, "", "");
    hidden.exe = "";
    hidden.is_private = true;
    auto response =
        post(credential_,
             batch_body({web(1, kT0, kT0 + 60 * kSecond, "https://example.com/a?token=s3cret#top",
                             "example.com", "A"),
                         web(2, kT0 + 60 * kSecond, kT0 + 90 * kSecond, "https://example.com/b",
                             "example.com", "B"),
                         web(3, kT0 + 90 * kSecond, kT0 + 190 * kSecond, "https://docs.test/x",
                             "docs.test", "X"),
                         web(4, kT0 + 190 * kSecond, kT0 + 250 * kSecond, "https://example.com/a",
                             "example.com", "A", true),
                         web(5, kT0 + 250 * kSecond, kT0 + 270 * kSecond, "https://example.com/a",
                             "example.com", "A again"),
                         hidden,
                         web(7, kT0 + 300 * kSecond, kT0 + 400 * kSecond,
                             "https://online.bank.test/acct?n=1", "online.bank.test", "Balance"),
                         span(8, kT0 + 400 * kSecond, kT0 + 440 * kSecond)}));
    ASSERT_EQ(response.status, 200) << response.body;
  }

  api::Response team_get(TeamId team, const std::string& cookie, EpochMs from, EpochMs to) {
    auto request =
        make_request("GET", "/api/v1/teams/" + std::to_string(team) + "/websites", "", cookie);
    request.query["from"] = std::to_string(from);
    request.query["to"] = std::to_string(to);
    return call(std::move(request));
  }
};

TEST_F(WebsitesServiceTest, IngestStoresWebFieldsRedactedAndRollsUpDomains) {
  protocol::RedactionPolicy policy;
  policy.excluded_domains = {"bank.test"};
  set_redaction(acme_, policy);
  ingest_sample();
  auto response = get("timeline", acme_employee_, sign_in("eve@acme.test"), kT0, kT0 + 3600'000);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json_of(response);
  const auto& spans = body.at("spans").as_array();
  // The agent's private span and the one made private here agree on everything: one row.
  ASSERT_EQ(spans.size(), 7U) << response.body;
  // The query and fragment are cut by the server (the default strip_query policy).
  EXPECT_EQ(spans[0].at("url"), "https://example.com/a");
  EXPECT_EQ(spans[0].at("domain"), "example.com");
  EXPECT_EQ(spans[0].at("private"), false);
  // The excluded domain became private: its time is kept, nothing of what it was.
  EXPECT_EQ(spans[5].at("private"), true);
  EXPECT_EQ(spans[5].at("app"), "");
  EXPECT_EQ(spans[5].at("title"), "");
  EXPECT_EQ(spans[5].at("url"), "");
  EXPECT_EQ(spans[5].at("domain"), "");
  EXPECT_EQ(spans[5].at("end").as_int64() - spans[5].at("start").as_int64(), 130 * kSecond);
  EXPECT_EQ(spans[6].at("app"), "xterm");
  EXPECT_EQ(response.body.find("s3cret"), std::string::npos);
  EXPECT_EQ(response.body.find("bank"), std::string::npos);

  EXPECT_EQ(scalar("SELECT sum(active_ms) FROM rollup_domains WHERE domain = 'example.com'"),
            110 * kSecond);
  EXPECT_EQ(scalar("SELECT sum(active_ms) FROM rollup_domains WHERE domain = 'docs.test'"),
            100 * kSecond);
  EXPECT_EQ(scalar("SELECT count(*) FROM rollup_domains"), 2);
}

TEST_F(WebsitesServiceTest, MergesOnlySpansThatAgreeOnTheirUrl) {
  ingest_sample();
  auto response = post(credential_, batch_body({web(9, kT0 + 440 * kSecond, kT0 + 450 * kSecond,
                                                    "https://docs.test/y", "docs.test", "X"),
                                                web(10, kT0 + 450 * kSecond, kT0 + 460 * kSecond,
                                                    "https://docs.test/y", "docs.test", "X")}));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto spans = stored_spans(device_);
  ASSERT_EQ(spans.size(), 9U);  // the sample's 8, then the two merged into one
  EXPECT_EQ(spans.back().start, kT0 + 440 * kSecond);
  EXPECT_EQ(spans.back().end, kT0 + 460 * kSecond);
  EXPECT_EQ(scalar("SELECT sum(active_ms) FROM rollup_domains WHERE domain = 'docs.test'"),
            120 * kSecond);
}

TEST_F(WebsitesServiceTest, ListsDomainsAndTopPagesByTime) {
  protocol::RedactionPolicy policy;
  policy.excluded_domains = {"bank.test"};
  set_redaction(acme_, policy);
  ingest_sample();
  auto response = get("websites", acme_employee_, sign_in("eve@acme.test"), kT0, kT0 + 3600'000);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json_of(response),
            boost::json::parse(R"({"user_id":)" + std::to_string(acme_employee_) + R"(,"from":)" +
                               std::to_string(kT0) + R"(,"to":)" + std::to_string(kT0 + 3600'000) +
                               R"(,"total_seconds":210.0,"domains":[
      {"domain":"example.com","seconds":110.0,"pages":[
        {"url":"https://example.com/a","title":"A","seconds":80.0},
        {"url":"https://example.com/b","title":"B","seconds":30.0}]},
      {"domain":"docs.test","seconds":100.0,"pages":[
        {"url":"https://docs.test/x","title":"X","seconds":100.0}]}]})"));
  // Their own data: no audit entry.
  EXPECT_TRUE(audit_entries(acme_, "activity.viewed").empty());

  // Clipped to the range: 30 s of /a, 30 s of /b, 10 s of docs.test.
  response = get("websites", acme_employee_, sign_in("mia@acme.test"), kT0 + 30 * kSecond,
                 kT0 + 100 * kSecond);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json_of(response);
  EXPECT_EQ(body.at("total_seconds").as_double(), 70.0);
  EXPECT_EQ(body.at("domains").at(0).at("domain"), "example.com");
  EXPECT_EQ(body.at("domains").at(0).at("seconds").as_double(), 60.0);
  EXPECT_EQ(body.at("domains").at(1).at("seconds").as_double(), 10.0);
  const auto entries = audit_entries(acme_, "activity.viewed");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("details").at("view"), "websites");
  EXPECT_EQ(entries[0].at("subject_user_id"), acme_employee_);
}

TEST_F(WebsitesServiceTest, PagesAreEmptyWhenThePolicyKeepsDomainsOnly) {
  ingest_sample();
  protocol::RedactionPolicy policy;
  policy.url_mode = protocol::UrlMode::domain;
  set_redaction(acme_, policy);
  auto response = get("websites", acme_employee_, sign_in("ann@acme.test"), kT0, kT0 + 3600'000);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json_of(response);
  ASSERT_EQ(body.at("domains").as_array().size(), 3U);  // bank.test was not excluded then
  for (const auto& domain : body.at("domains").as_array()) {
    EXPECT_TRUE(domain.at("pages").as_array().empty()) << response.body;
  }
  // From now on the server keeps only scheme://host.
  response =
      post(credential_, batch_body({web(20, kT0 + 500 * kSecond, kT0 + 510 * kSecond,
                                        "https://docs.test/deep/path?q", "docs.test", "D")}));
  ASSERT_EQ(response.status, 200) << response.body;
  response = get("timeline", acme_employee_, sign_in("ann@acme.test"), kT0 + 500 * kSecond,
                 kT0 + 510 * kSecond);
  EXPECT_EQ(json_of(response).at("spans").at(0).at("url"), "https://docs.test");
}

TEST_F(WebsitesServiceTest, PersonAccessFollowsTheTimeline) {
  ingest_sample();
  const EpochMs to = kT0 + 3600'000;
  EXPECT_EQ(get("websites", acme_employee_, sign_in("max@acme.test"), kT0, to).status, 403);
  EXPECT_EQ(get("websites", acme_employee_, sign_in("bob@acme.test"), kT0, to).status, 403);
  EXPECT_EQ(get("websites", acme_employee_, sign_in("gus@globex.test"), kT0, to).status, 404);
  EXPECT_EQ(get("websites", acme_employee_, "", kT0, to).status, 401);
  EXPECT_EQ(get("websites", acme_employee_, sign_in("adam@acme.test"), kT0, to).status, 200);
}

TEST_F(WebsitesServiceTest, RefusesBadRanges) {
  const std::string cookie = sign_in("eve@acme.test");
  const auto message = [](const api::Response& response) {
    return std::string(json_of(response).at("error").at("message").as_string());
  };
  auto response = get("websites", acme_employee_, cookie, std::nullopt, kT0);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(message(response), "from: is required");
  response = get("websites", acme_employee_, cookie, kT0, std::nullopt);
  EXPECT_EQ(message(response), "to: is required");
  response = get("websites", acme_employee_, cookie, kT0, kT0);
  EXPECT_EQ(message(response), "to: must be after from");
  response = get("websites", acme_employee_, cookie, kT0, kT0 + kMaxWebsitesRangeMs + 1);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(message(response), "to: must be at most 31 days after from");
  EXPECT_EQ(get("websites", acme_employee_, cookie, kT0, kT0 + kMaxWebsitesRangeMs).status, 200);
  auto request = make_request(
      "GET", "/api/v1/people/" + std::to_string(acme_employee_) + "/websites", "", cookie);
  request.query["from"] = "yesterday";
  request.query["to"] = "1";
  EXPECT_EQ(message(call(std::move(request))), "from: must be a time in epoch milliseconds");
}

TEST_F(WebsitesServiceTest, TeamWebsitesSumTheMembersRollups) {
  ingest_sample();
  const EpochMs to = kT0 + 3600'000;
  auto response = team_get(team_, sign_in("mia@acme.test"), kT0, to);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json_of(response);
  EXPECT_EQ(body.at("total_seconds").as_double(), 310.0);  // bank.test was not excluded
  const auto& domains = body.at("domains").as_array();
  ASSERT_EQ(domains.size(), 3U);
  EXPECT_EQ(domains[0].at("domain"), "example.com");
  EXPECT_EQ(domains[0].at("seconds").as_double(), 110.0);
  EXPECT_EQ(domains[0].at("people").at(0).at("user_id"), acme_employee_);
  EXPECT_EQ(domains[0].at("people").at(0).at("seconds").as_double(), 110.0);
  EXPECT_FALSE(domains[0].at("people").at(0).at("name").as_string().empty());
  EXPECT_EQ(domains[1].at("domain"), "docs.test");
  EXPECT_EQ(domains[2].at("domain"), "online.bank.test");
  const auto entries = audit_entries(acme_, "activity.viewed");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("details").at("view"), "team_websites");

  EXPECT_EQ(team_get(team_, sign_in("ann@acme.test"), kT0, to).status, 200);
  EXPECT_EQ(team_get(team_, sign_in("max@acme.test"), kT0, to).status, 403);
  EXPECT_EQ(team_get(team_, sign_in("eve@acme.test"), kT0, to).status, 403);
  EXPECT_EQ(team_get(team_, sign_in("gus@globex.test"), kT0, to).status, 404);
  EXPECT_EQ(team_get(team_ + 100, sign_in("ann@acme.test"), kT0, to).status, 404);
  EXPECT_EQ(team_get(team_, sign_in("ann@acme.test"), kT0, kT0 + 32LL * 86'400'000).status, 400);
}

}  // namespace
}  // namespace worktrace::activity
