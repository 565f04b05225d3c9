#include "tracking/tracking_service.hpp"

#include "tracking/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::tracking {
namespace {

using testing::TrackingTest;

const boost::json::value kBerlinSchedule = boost::json::parse(
    R"({"time_zone":"Europe/Berlin","days":{"mon":[["09:00","12:00"],["13:00","17:30"]],
        "fri":[["09:00","15:00"]]}})");

const boost::json::value kDefaultScreenshots = boost::json::parse(
    R"({"enabled":true,"interval_s":600,"per_interval":1,"quality":70,"downscale":1,
        "blur_px":0})");

// `json` (an object) with `key` set to `value`.
boost::json::value with(boost::json::value json, std::string_view key, boost::json::value value) {
  json.as_object()[key] = std::move(value);
  return json;
}

// The schedule as the server renders it: all seven days.
boost::json::value rendered(const boost::json::value& schedule) {
  auto parsed = protocol::parse_work_schedule(schedule, "$");
  EXPECT_TRUE(parsed) << parsed.error().message;
  return protocol::work_schedule_json(*parsed);
}

class TrackingServiceTest : public TrackingTest {
 protected:
  TrackingServiceTest() {
    owner_ = sign_in("ann@acme.test");
    admin_ = sign_in("adam@acme.test");
    manager_ = sign_in("mia@acme.test");
    employee_ = sign_in("eve@acme.test");
    globex_session_ = sign_in("gus@globex.test");
  }

  std::string owner_, admin_, manager_, employee_, globex_session_;
};

TEST_F(TrackingServiceTest, EveryRoleReadsTheDefaultsOfAnOrganizationWithoutAPolicy) {
  for (const auto& session : {owner_, admin_, manager_, employee_}) {
    auto response = call_as(session, "GET", "/api/v1/org/tracking");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(boost::json::parse(response.body),
              with(boost::json::parse(
                       R"({"idle_threshold_s":180,"notify_on_start":true,"schedule":null})"),
                   "screenshots", kDefaultScreenshots));
  }
  EXPECT_EQ(call(auth::testing::make_request("GET", "/api/v1/org/tracking")).status, 401);
}

TEST_F(TrackingServiceTest, UpdatesAreValidatedAndOnlyForOwnersAndAdmins) {
  const auto expect_400 = [&](const boost::json::value& body, std::string_view message) {
    auto response = call_as(owner_, "PUT", "/api/v1/org/tracking", body);
    EXPECT_EQ(response.status, 400) << response.body;
    EXPECT_EQ(boost::json::parse(response.body).at("error").at("message").as_string(), message)
        << response.body;
  };
  expect_400({{"idle_threshold_s", 59}}, "$.idle_threshold_s: must be between 60 and 3600");
  expect_400({{"idle_threshold_s", 3601}}, "$.idle_threshold_s: must be between 60 and 3600");
  expect_400({{"notify_on_start", "yes"}}, "$.notify_on_start: must be true or false");
  expect_400({{"paused", true}}, "$.paused: is not a known field");
  auto bad_zone = kBerlinSchedule.as_object();
  bad_zone["time_zone"] = "Mars/Olympus_Mons";
  auto bad_zone_response = call_as(owner_, "PUT", "/api/v1/org/tracking", {{"schedule", bad_zone}});
  EXPECT_EQ(bad_zone_response.status, 400) << bad_zone_response.body;
  EXPECT_NE(bad_zone_response.body.find("$.schedule.time_zone"), std::string::npos)
      << bad_zone_response.body;

  for (const auto& session : {manager_, employee_}) {
    EXPECT_EQ(call_as(session, "PUT", "/api/v1/org/tracking", {{"idle_threshold_s", 300}}).status,
              403);
  }
  // A cookie write without the CSRF token.
  auto no_csrf = auth::testing::call(
      router_, auth::testing::make_request("PUT", "/api/v1/org/tracking",
                                           R"({"idle_threshold_s":300})", owner_));
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(auth::testing::audit_count(db(), "tracking.updated"), 0);
}

TEST_F(TrackingServiceTest, AnUpdateIsStoredAuditedAndPushedToTheOrganizationsOnlineAgents) {
  const auto [acme_device, acme_credential] = enroll_into(acme_, "acme-pc");
  const auto [offline_device, offline_credential] = enroll_into(acme_, "acme-offline");
  const auto [globex_device, globex_credential] = enroll_into(globex_, "globex-pc");
  const auto acme_agent = connect_agent({acme_device, acme_, std::nullopt});
  const auto globex_agent = connect_agent({globex_device, globex_, std::nullopt});
  set_cursor(acme_device, 40);

  auto response = call_as(admin_, "PUT", "/api/v1/org/tracking",
                          {{"idle_threshold_s", 300}, {"schedule", kBerlinSchedule}});
  ASSERT_EQ(response.status, 200) << response.body;
  const boost::json::value expected = {{"idle_threshold_s", 300},
                                       {"notify_on_start", true},
                                       {"schedule", rendered(kBerlinSchedule)},
                                       {"screenshots", kDefaultScreenshots}};
  EXPECT_EQ(boost::json::parse(response.body), expected);
  auto read_back = call_as(employee_, "GET", "/api/v1/org/tracking");
  EXPECT_EQ(boost::json::parse(read_back.body), expected);
  // Another organization keeps its defaults.
  EXPECT_EQ(boost::json::parse(call_as(globex_session_, "GET", "/api/v1/org/tracking").body)
                .at("idle_threshold_s"),
            180);

  const auto entries = audit_entries(acme_, "tracking.updated");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("actor_user_id"), acme_admin_);
  EXPECT_EQ(entries[0].at("target_id").as_string(), std::to_string(acme_));
  EXPECT_EQ(entries[0].at("details"),
            boost::json::parse(R"({"changed":["idle_threshold_s","schedule"]})"));

  const auto pushed = configs(*acme_agent);
  ASSERT_EQ(pushed.size(), 1U);
  EXPECT_EQ(pushed[0].at("idle_threshold_s"), 300);
  EXPECT_EQ(pushed[0].at("schedule"), rendered(kBerlinSchedule));
  EXPECT_EQ(pushed[0].at("paused"), false);
  EXPECT_EQ(pushed[0].at("last_seq"), 40);
  EXPECT_TRUE(configs(*globex_agent).empty());

  // The same values again change nothing: no audit entry, no push.
  ASSERT_EQ(call_as(owner_, "PUT", "/api/v1/org/tracking", {{"idle_threshold_s", 300}}).status,
            200);
  EXPECT_EQ(audit_entries(acme_, "tracking.updated").size(), 1U);
  EXPECT_EQ(configs(*acme_agent).size(), 1U);

  // Clearing the schedule: null is "always".
  response = call_as(owner_, "PUT", "/api/v1/org/tracking",
                     {{"schedule", nullptr}, {"notify_on_start", false}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(boost::json::parse(response.body),
            with(boost::json::parse(
                     R"({"idle_threshold_s":300,"notify_on_start":false,"schedule":null})"),
                 "screenshots", kDefaultScreenshots));
  EXPECT_EQ(audit_entries(acme_, "tracking.updated").back().at("details"),
            boost::json::parse(R"({"changed":["notify_on_start","schedule"]})"));
  EXPECT_EQ(configs(*acme_agent).back().at("schedule"), nullptr);
}

// The top-level "screenshots" of the config messages `peer` received, oldest first.
std::vector<boost::json::value> screenshot_configs(const testing::RecordingPeer& peer) {
  std::vector<boost::json::value> found;
  for (const auto& message : peer.messages()) {
    if (message.at("type") == "config") found.push_back(message.at("screenshots"));
  }
  return found;
}

TEST_F(TrackingServiceTest, ScreenshotSettingsChangePartiallyAreAuditedAndPushed) {
  const auto [device, credential] = enroll_into(acme_, "shots-pc");
  const auto agent = connect_agent({device, acme_, std::nullopt});

  auto response = call_as(admin_, "PUT", "/api/v1/org/tracking",
                          {{"screenshots", {{"per_interval", 3}, {"quality", 40}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto expected = kDefaultScreenshots;
  expected.as_object()["per_interval"] = 3;
  expected.as_object()["quality"] = 40;
  EXPECT_EQ(boost::json::parse(response.body).at("screenshots"), expected);
  EXPECT_EQ(
      boost::json::parse(call_as(employee_, "GET", "/api/v1/org/tracking").body).at("screenshots"),
      expected);
  EXPECT_EQ(boost::json::parse(response.body).at("idle_threshold_s"), 180);
  ASSERT_EQ(screenshot_configs(*agent).size(), 1U);
  EXPECT_EQ(screenshot_configs(*agent)[0], expected);
  EXPECT_FALSE(configs(*agent)[0].contains("screenshots"));
  auto entries = audit_entries(acme_, "tracking.updated");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("details"), boost::json::parse(R"({"changed":["screenshots"]})"));

  // A second partial change keeps what the first set; null keeps a value too.
  response = call_as(owner_, "PUT", "/api/v1/org/tracking",
                     {{"screenshots", {{"enabled", false}, {"blur_px", 8}, {"quality", nullptr}}},
                      {"idle_threshold_s", 240}});
  ASSERT_EQ(response.status, 200) << response.body;
  expected.as_object()["enabled"] = false;
  expected.as_object()["blur_px"] = 8;
  EXPECT_EQ(boost::json::parse(response.body).at("screenshots"), expected);
  EXPECT_EQ(screenshot_configs(*agent).back(), expected);
  EXPECT_EQ(audit_entries(acme_, "tracking.updated").back().at("details"),
            boost::json::parse(R"({"changed":["idle_threshold_s","screenshots"]})"));

  // The same values again (and an empty object): nothing changes, nothing is pushed.
  for (const boost::json::value& same :
       {boost::json::value{{"screenshots", {{"blur_px", 8}}}},
        boost::json::value{{"screenshots", boost::json::object{}}}}) {
    ASSERT_EQ(call_as(owner_, "PUT", "/api/v1/org/tracking", same).status, 200);
  }
  EXPECT_EQ(audit_entries(acme_, "tracking.updated").size(), 2U);
  EXPECT_EQ(screenshot_configs(*agent).size(), 2U);
  // Another organization keeps the defaults.
  EXPECT_EQ(boost::json::parse(call_as(globex_session_, "GET", "/api/v1/org/tracking").body)
                .at("screenshots"),
            kDefaultScreenshots);
}

TEST_F(TrackingServiceTest, BadScreenshotSettingsAreRefusedNamingThePath) {
  const auto expect_400 = [&](const boost::json::value& screenshots, std::string_view message) {
    auto response = call_as(owner_, "PUT", "/api/v1/org/tracking",
                            {{"idle_threshold_s", 300}, {"screenshots", screenshots}});
    EXPECT_EQ(response.status, 400) << response.body;
    EXPECT_EQ(boost::json::parse(response.body).at("error").at("message").as_string(), message)
        << response.body;
  };
  expect_400({{"quality", 5}}, "$.screenshots.quality: must be between 10 and 95");
  expect_400({{"quality", 96}}, "$.screenshots.quality: must be between 10 and 95");
  expect_400({{"interval_s", 59}}, "$.screenshots.interval_s: must be between 60 and 3600");
  expect_400({{"per_interval", 11}}, "$.screenshots.per_interval: must be between 1 and 10");
  expect_400({{"downscale", 0}}, "$.screenshots.downscale: must be between 1 and 4");
  expect_400({{"blur_px", 33}}, "$.screenshots.blur_px: must be between 0 and 32");
  expect_400({{"enabled", "yes"}}, "$.screenshots.enabled: must be true or false");
  expect_400({{"shots", 2}}, "$.screenshots.shots: is not a known field");
  auto not_object = call_as(owner_, "PUT", "/api/v1/org/tracking", {{"screenshots", 5}});
  EXPECT_EQ(not_object.status, 400) << not_object.body;
  EXPECT_NE(not_object.body.find("$.screenshots"), std::string::npos) << not_object.body;
  // Nothing of a refused body is kept.
  EXPECT_EQ(
      boost::json::parse(call_as(owner_, "GET", "/api/v1/org/tracking").body),
      with(boost::json::parse(R"({"idle_threshold_s":180,"notify_on_start":true,"schedule":null})"),
           "screenshots", kDefaultScreenshots));
  EXPECT_EQ(auth::testing::audit_count(db(), "tracking.updated"), 0);
}

TEST_F(TrackingServiceTest, StoredScreenshotSettingsThatNoLongerParseGiveTheDefaults) {
  const auto [device, credential] = enroll_into(acme_, "stored-pc");
  ASSERT_EQ(call_as(owner_, "PUT", "/api/v1/org/tracking",
                    {{"idle_threshold_s", 900}, {"screenshots", {{"quality", 30}}}})
                .status,
            200);
  for (const char* stored : {"'{\"quality\":1000}'", "'not json'", "'[1,2]'"}) {
    auth::testing::exec_sql(db(),
                            std::string("UPDATE tracking_policies SET screenshots = ") + stored);
    auto response = call_as(owner_, "GET", "/api/v1/org/tracking");
    ASSERT_EQ(response.status, 200) << stored << response.body;
    EXPECT_EQ(boost::json::parse(response.body).at("screenshots"), kDefaultScreenshots) << stored;
    EXPECT_EQ(boost::json::parse(response.body).at("idle_threshold_s"), 900) << stored;
    auto config = tracking_.config_message({device, acme_, std::nullopt});
    ASSERT_TRUE(config) << stored << config.error().message;
    EXPECT_EQ(boost::json::parse(*config).at("screenshots"), kDefaultScreenshots) << stored;
  }
  // NULL (a row written before schema 5): the defaults as well.
  auth::testing::exec_sql(db(), "UPDATE tracking_policies SET screenshots = NULL");
  EXPECT_EQ(
      boost::json::parse(call_as(owner_, "GET", "/api/v1/org/tracking").body).at("screenshots"),
      kDefaultScreenshots);
}

TEST_F(TrackingServiceTest, PausingAPersonIsAuditedAndPushedToTheirOnlineDevicesOnly) {
  const auto [eve_device, eve_credential] = enroll_into(acme_, "eve-pc");
  const auto [shared_device, shared_credential] = enroll_into(acme_, "shared-pc");
  assign(eve_device, acme_employee_);
  const auto eve_agent = connect_agent({eve_device, acme_, acme_employee_});
  const auto shared_agent = connect_agent({shared_device, acme_, std::nullopt});
  const std::string path = "/api/v1/people/" + std::to_string(acme_employee_) + "/tracking";

  auto paused = call_as(owner_, "PUT", path, {{"paused", true}});
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(boost::json::parse(paused.body),
            boost::json::value({{"user_id", acme_employee_}, {"paused", true}}));
  ASSERT_EQ(configs(*eve_agent).size(), 1U);
  EXPECT_EQ(configs(*eve_agent)[0].at("paused"), true);
  EXPECT_TRUE(configs(*shared_agent).empty());
  auto entries = audit_entries(acme_, "tracking.paused");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("subject_user_id"), acme_employee_);
  EXPECT_EQ(entries[0].at("target_id").as_string(), std::to_string(acme_employee_));
  EXPECT_EQ(entries[0].at("actor_user_id"), acme_owner_);

  // Pausing again changes nothing.
  ASSERT_EQ(call_as(admin_, "PUT", path, {{"paused", true}}).status, 200);
  EXPECT_EQ(audit_entries(acme_, "tracking.paused").size(), 1U);
  EXPECT_EQ(configs(*eve_agent).size(), 1U);

  auto resumed = call_as(admin_, "PUT", path, {{"paused", false}});
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(configs(*eve_agent).back().at("paused"), false);
  EXPECT_EQ(audit_entries(acme_, "tracking.resumed").size(), 1U);
}

TEST_F(TrackingServiceTest, PauseChecksRoleThenOrganizationThenBody) {
  const std::string path = "/api/v1/people/" + std::to_string(acme_employee_) + "/tracking";
  // Lower roles: 403, even with a bad body or for someone who does not exist.
  EXPECT_EQ(call_as(manager_, "PUT", path, {{"paused", true}}).status, 403);
  EXPECT_EQ(call_as(employee_, "PUT", path, {{"paused", true}}).status, 403);
  EXPECT_EQ(call_as(employee_, "PUT", "/api/v1/people/999999/tracking", {{"x", 1}}).status, 403);
  // Another organization's person: 404, as if there were none.
  auto foreign = call_as(globex_session_, "PUT", path, {{"paused", true}});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(call_as(owner_, "PUT", "/api/v1/people/999999/tracking", {{"paused", true}}).status,
            404);
  EXPECT_EQ(call_as(owner_, "PUT", "/api/v1/people/abc/tracking", {{"paused", true}}).status, 404);
  // Bad bodies.
  auto missing = call_as(owner_, "PUT", path, boost::json::object{});
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("$.paused: is required"), std::string::npos) << missing.body;
  EXPECT_EQ(call_as(owner_, "PUT", path, {{"paused", "yes"}}).status, 400);
  EXPECT_EQ(call_as(owner_, "PUT", path, {{"paused", true}, {"until", 5}}).status, 400);
  EXPECT_EQ(auth::testing::audit_count(db(), "tracking.paused"), 0);
}

TEST_F(TrackingServiceTest, TheConfigCarriesThePolicyThePersonsPauseAndTheCursor) {
  const auto [device, credential] = enroll_into(acme_, "config-pc");
  const DevicePrincipal unassigned{device, acme_, std::nullopt};

  auto config = tracking_.config_message(unassigned);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(boost::json::parse(*config),
            boost::json::parse(R"({"type":"config","tracking":{"idle_threshold_s":180,
              "notify_on_start":true,"schedule":null,"paused":false,"last_seq":0},
              "redaction":{"url_mode":"strip_query","title_rules":[],"excluded_domains":[],
              "excluded_apps":[]},"screenshots":{"enabled":true,"interval_s":600,
              "per_interval":1,"quality":70,"downscale":1,"blur_px":0}})"));

  PolicyPatch patch;
  patch.idle_threshold_s = 600;
  patch.notify_on_start = false;
  ScreenshotPatch shots;
  shots.quality = 40;
  patch.screenshots = shots;
  ASSERT_TRUE(tracking_.update_policy(actor(acme_owner_, acme_, Role::owner), "127.0.0.1", patch));
  ASSERT_TRUE(
      tracking_.set_paused(actor(acme_owner_, acme_, Role::owner), "", acme_employee_, true));
  assign(device, acme_employee_);
  set_cursor(device, 12345);
  // The principal is from before the assignment: the config follows the database.
  config = tracking_.config_message(unassigned);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(boost::json::parse(*config),
            boost::json::parse(R"({"type":"config","tracking":{"idle_threshold_s":600,
              "notify_on_start":false,"schedule":null,"paused":true,"last_seq":12345},
              "redaction":{"url_mode":"strip_query","title_rules":[],"excluded_domains":[],
              "excluded_apps":[]},"screenshots":{"enabled":true,"interval_s":600,
              "per_interval":1,"quality":40,"downscale":1,"blur_px":0}})"));

  // Another organization's device id, and a revoked device: not found.
  EXPECT_TRUE(
      tracking_.config_message({device, globex_, std::nullopt}).error().is(Errc::not_found));
  auth::testing::exec_sql(db(), "UPDATE devices SET revoked_at = 1");
  EXPECT_TRUE(tracking_.config_message(unassigned).error().is(Errc::not_found));
}

TEST_F(TrackingServiceTest, PushConfigSendsTheCurrentConfigToAnOnlineDevice) {
  const auto [device, credential] = enroll_into(acme_, "reassigned-pc");
  const auto [offline, offline_credential] = enroll_into(acme_, "offline-pc");
  const auto agent = connect_agent({device, acme_, std::nullopt});
  ASSERT_TRUE(
      tracking_.set_paused(actor(acme_admin_, acme_, Role::admin), "", acme_employee_, true));
  EXPECT_TRUE(configs(*agent).empty());  // not the person's device yet

  assign(device, acme_employee_);
  tracking_.push_config(device);
  ASSERT_EQ(configs(*agent).size(), 1U);
  EXPECT_EQ(configs(*agent)[0].at("paused"), true);

  tracking_.push_config(offline);  // not connected: nothing to do
  tracking_.push_config(987654);   // no such device
  EXPECT_EQ(configs(*agent).size(), 1U);
}

TEST_F(TrackingServiceTest, ServiceCallsCheckRolesAndScopes) {
  Actor token = actor(acme_owner_, acme_, Role::owner);
  token.scopes = static_cast<std::uint32_t>(Scope::people_read);
  token.api_token_id = 1;
  EXPECT_TRUE(tracking_.policy(token).error().is(Errc::permission_denied));
  EXPECT_TRUE(tracking_.update_policy(token, "", {}).error().is(Errc::permission_denied));
  EXPECT_TRUE(
      tracking_.set_paused(token, "", acme_employee_, true).error().is(Errc::permission_denied));
  token.scopes = static_cast<std::uint32_t>(Scope::org_read);
  EXPECT_TRUE(tracking_.policy(token));
}

}  // namespace
}  // namespace worktrace::tracking
