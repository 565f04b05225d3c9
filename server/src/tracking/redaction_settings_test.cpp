#include "tracking/redaction_settings.hpp"

#include "tracking/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::tracking {
namespace {

using namespace testing;

const boost::json::value kDefaults = boost::json::parse(
    R"({"url_mode":"strip_query","title_rules":[],"excluded_domains":[],"excluded_apps":[]})");

class RedactionSettingsTest : public TrackingTest {
 protected:
  RedactionSettingsTest() {
    owner_ = sign_in("ann@acme.test");
    admin_ = sign_in("adam@acme.test");
    manager_ = sign_in("mia@acme.test");
    employee_ = sign_in("eve@acme.test");
    globex_session_ = sign_in("gus@globex.test");
  }

  // The `redaction` objects of the config messages `peer` received, oldest first.
  static std::vector<boost::json::value> redactions(const RecordingPeer& peer) {
    std::vector<boost::json::value> found;
    for (const auto& message : peer.messages()) {
      if (message.at("type") == "config") found.push_back(message.at("redaction"));
    }
    return found;
  }

  std::string owner_, admin_, manager_, employee_, globex_session_;
};

TEST_F(RedactionSettingsTest, EveryMemberReadsThePolicyWithEveryKey) {
  for (const auto& session : {owner_, admin_, manager_, employee_}) {
    auto response = call_as(session, "GET", "/api/v1/org/redaction");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(boost::json::parse(response.body), kDefaults);
  }
  EXPECT_EQ(call(auth::testing::make_request("GET", "/api/v1/org/redaction")).status, 401);
}

TEST_F(RedactionSettingsTest, AChangeIsStoredAuditedCachedAndPushed) {
  const auto [acme_device, acme_credential] = enroll_into(acme_, "acme-pc");
  const auto [globex_device, globex_credential] = enroll_into(globex_, "globex-pc");
  const auto acme_agent = connect_agent({acme_device, acme_, std::nullopt});
  const auto globex_agent = connect_agent({globex_device, globex_, std::nullopt});
  // Loaded into the cache before the change: the change must replace it.
  auto cached = tracking_.redaction_cache().get(acme_);
  ASSERT_TRUE(cached);
  EXPECT_EQ((*cached)->url_mode, protocol::UrlMode::strip_query);

  const boost::json::value body = boost::json::parse(
      R"({"url_mode":"domain","title_rules":[{"pattern":"\\S+@\\S+","action":"mask"}],
          "excluded_domains":["Bank.Example."]})");
  auto response = call_as(admin_, "PUT", "/api/v1/org/redaction", body);
  ASSERT_EQ(response.status, 200) << response.body;
  const boost::json::value expected = boost::json::parse(
      R"({"url_mode":"domain",
          "title_rules":[{"pattern":"\\S+@\\S+","action":"mask","replacement":"•••"}],
          "excluded_domains":["bank.example"],"excluded_apps":[]})");
  EXPECT_EQ(boost::json::parse(response.body), expected);
  EXPECT_EQ(boost::json::parse(call_as(employee_, "GET", "/api/v1/org/redaction").body), expected);
  EXPECT_EQ(boost::json::parse(call_as(globex_session_, "GET", "/api/v1/org/redaction").body),
            kDefaults);

  cached = tracking_.redaction_cache().get(acme_);
  ASSERT_TRUE(cached);
  EXPECT_EQ((*cached)->url_mode, protocol::UrlMode::domain);
  EXPECT_EQ((*cached)->excluded_domains, std::vector<std::string>{"bank.example"});

  const auto entries = audit_entries(acme_, "org.redaction_changed");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("actor_user_id"), acme_admin_);
  EXPECT_EQ(entries[0].at("target_id").as_string(), std::to_string(acme_));
  EXPECT_EQ(entries[0].at("details"),
            boost::json::parse(R"({"changed":["url_mode","title_rules","excluded_domains"]})"));

  const auto pushed = redactions(*acme_agent);
  ASSERT_EQ(pushed.size(), 1U);
  EXPECT_EQ(pushed[0], expected);
  EXPECT_TRUE(redactions(*globex_agent).empty());

  // The same policy again: no audit entry, no push. The tracking policy row is untouched.
  ASSERT_EQ(call_as(owner_, "PUT", "/api/v1/org/redaction", expected).status, 200);
  EXPECT_EQ(audit_entries(acme_, "org.redaction_changed").size(), 1U);
  EXPECT_EQ(redactions(*acme_agent).size(), 1U);
  EXPECT_EQ(boost::json::parse(call_as(owner_, "GET", "/api/v1/org/tracking").body)
                .at("idle_threshold_s"),
            180);

  // A tracking change keeps the redaction policy, and its config carries it.
  ASSERT_EQ(call_as(owner_, "PUT", "/api/v1/org/tracking", {{"idle_threshold_s", 300}}).status,
            200);
  EXPECT_EQ(redactions(*acme_agent).back(), expected);
  EXPECT_EQ(boost::json::parse(call_as(owner_, "GET", "/api/v1/org/redaction").body), expected);

  // Missing keys are the defaults.
  response = call_as(owner_, "PUT", "/api/v1/org/redaction", {{"excluded_apps", {"KeePassXC"}}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(boost::json::parse(response.body),
            boost::json::parse(R"({"url_mode":"strip_query","title_rules":[],
                "excluded_domains":[],"excluded_apps":["KeePassXC"]})"));
  EXPECT_EQ(redactions(*acme_agent).size(), 3U);
}

TEST_F(RedactionSettingsTest, UpdatesAreValidatedAndOnlyForOwnersAndAdmins) {
  // `message` is the whole message, or its start when it ends with "...".
  const auto expect_400 = [&](std::string_view body, std::string_view message) {
    auto response = call_as(owner_, "PUT", "/api/v1/org/redaction", boost::json::parse(body));
    EXPECT_EQ(response.status, 400) << response.body;
    std::string got(boost::json::parse(response.body).at("error").at("message").as_string());
    if (message.ends_with("...")) {
      message.remove_suffix(3);
      got = got.substr(0, message.size());
    }
    EXPECT_EQ(got, message) << response.body;
  };
  expect_400(R"({"title_rules":[{"pattern":"(a+)+","action":"mask"}]})",
             "$.title_rules[0].pattern: repeats a group...");
  expect_400(R"({"title_rules":[{"pattern":"(","action":"mask"}]})",
             "$.title_rules[0].pattern: ...");
  expect_400(R"({"url_mode":"everything"})",
             "$.url_mode: must be \"full\", \"strip_query\" or \"domain\"");
  expect_400(R"({"excluded_domains":["not a domain"]})",
             "$.excluded_domains[0]: must be a domain name such as example.com");
  expect_400(R"({"retention_days":3})", "$.retention_days: is not a known field");
  expect_400(R"([1])", "$: must be an object");

  for (const auto& session : {manager_, employee_}) {
    EXPECT_EQ(
        call_as(session, "PUT", "/api/v1/org/redaction", {{"url_mode", "domain"}}).status, 403);
  }
  EXPECT_EQ(auth::testing::audit_count(db(), "org.redaction_changed"), 0);
  EXPECT_EQ(boost::json::parse(call_as(owner_, "GET", "/api/v1/org/redaction").body), kDefaults);
}

TEST_F(RedactionSettingsTest, AConnectingAgentGetsThePolicyInItsConfig) {
  const auto [device, credential] = enroll_into(acme_, "acme-pc");
  ASSERT_EQ(call_as(owner_, "PUT", "/api/v1/org/redaction", {{"url_mode", "full"}}).status, 200);
  auto config = tracking_.config_message({device, acme_, std::nullopt});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(boost::json::parse(*config).at("redaction").at("url_mode"), "full");
}

}  // namespace
}  // namespace worktrace::tracking
