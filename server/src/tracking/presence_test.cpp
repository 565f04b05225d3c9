#include "tracking/presence.hpp"

#include "tracking/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::tracking {
namespace {

using testing::RecordingPeer;
using testing::TrackingTest;

// The activity.state messages `peer` received, oldest first.
std::vector<boost::json::object> states(const RecordingPeer& peer) {
  std::vector<boost::json::object> found;
  for (const auto& message : peer.messages()) {
    if (message.at("type") == "activity.state") found.push_back(message.as_object());
  }
  return found;
}

boost::json::value activity(std::string_view state, EpochMs since, std::string_view app = "",
                            std::string_view title = "") {
  boost::json::object message = {{"type", "activity"}, {"state", state}, {"since", since}};
  if (!app.empty()) message["app"] = app;
  if (!title.empty()) message["title"] = title;
  return message;
}

class PresenceTest : public TrackingTest {
 protected:
  PresenceTest() {
    team_a_ = add_to_team(acme_employee_, 0, false);
    add_to_team(acme_manager_, team_a_, true);
    other_manager_ = auth::testing::create_user(db(), acme_, "otto@acme.test", Role::manager,
                                                devices::testing::kPassword);
    team_b_ = add_to_team(other_manager_, 0, true);
    other_employee_ = auth::testing::create_user(db(), acme_, "bob@acme.test", Role::employee,
                                                 devices::testing::kPassword);
    add_to_team(other_employee_, team_b_, false);

    std::tie(eve_device_, std::ignore) = enroll_into(acme_, "eve-pc");
    assign(eve_device_, acme_employee_);
    eve_ = DevicePrincipal{eve_device_, acme_, acme_employee_};
  }

  // Connects `device` as net/ does: hub registration, then the handler.
  std::vector<std::string> connect(const DevicePrincipal& device) {
    auto peer = std::make_shared<RecordingPeer>();
    agents_[device.device_id] = peer;
    hub_.agent_connected(device, peer);
    return presence_.on_connected(device);
  }

  // Disconnects `device` as net/ does: the hub forgets it, then the handler hears of it.
  void disconnect(const DevicePrincipal& device) {
    ASSERT_TRUE(hub_.agent_disconnected(device.device_id, agents_.at(device.device_id).get()));
    presence_.on_disconnected(device);
  }

  Result<std::optional<std::string>> send(const DevicePrincipal& device,
                                          const boost::json::value& message) {
    return presence_.on_message(device, "activity", message);
  }

  TeamId team_a_ = 0;
  TeamId team_b_ = 0;
  UserId other_manager_ = 0;
  UserId other_employee_ = 0;
  DeviceId eve_device_ = 0;
  DevicePrincipal eve_;
  std::map<DeviceId, std::shared_ptr<RecordingPeer>> agents_;  // the latest connection of each
};

TEST_F(PresenceTest, ConnectingAnswersWithTheConfigAndRecordsTheDeviceOnline) {
  const auto owner = connect_viewer(actor(acme_owner_, acme_, Role::owner));
  clock_.advance(1'000);
  // The config goes straight to the agent's connection (before net/ sends the welcome).
  EXPECT_TRUE(connect(eve_).empty());
  const auto messages = agents_.at(eve_device_)->messages();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].at("type"), "config");
  EXPECT_EQ(messages[0].at("tracking").at("paused"), false);

  const auto state = presence_.device(eve_device_);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, LiveStatus::online);
  EXPECT_EQ(state->since, devices::testing::kStart + 1'000);
  const auto heard = states(*owner);
  ASSERT_EQ(heard.size(), 1U);
  EXPECT_EQ(boost::json::value(heard[0]),
            boost::json::value({{"type", "activity.state"},
                                {"user_id", acme_employee_},
                                {"device_id", eve_device_},
                                {"status", "online"},
                                {"app", ""},
                                {"title", ""},
                                {"since", devices::testing::kStart + 1'000}}));
  EXPECT_TRUE(presence_.handles("activity"));
  EXPECT_FALSE(presence_.handles("hello"));
}

TEST_F(PresenceTest, ActivityReachesOnlyTheViewersWhoMaySeeThePerson) {
  const auto owner = connect_viewer(actor(acme_owner_, acme_, Role::owner));
  const auto admin = connect_viewer(actor(acme_admin_, acme_, Role::admin));
  const auto manager = connect_viewer(actor(acme_manager_, acme_, Role::manager, {team_a_}));
  const auto self = connect_viewer(actor(acme_employee_, acme_, Role::employee));
  const auto other_manager = connect_viewer(actor(other_manager_, acme_, Role::manager, {team_b_}));
  const auto other_employee = connect_viewer(actor(other_employee_, acme_, Role::employee));
  const auto globex = connect_viewer(actor(globex_owner_, globex_, Role::owner));
  (void)connect(eve_);

  const EpochMs since = devices::testing::kStart - 5'000;
  auto reply = send(eve_, activity("active", since, "xterm", "build - make"));
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_FALSE(reply->has_value());

  for (const auto& viewer : {owner, admin, manager, self}) {
    const auto heard = states(*viewer);
    ASSERT_EQ(heard.size(), 2U);  // online, then active
    EXPECT_EQ(boost::json::value(heard[1]), boost::json::value({{"type", "activity.state"},
                                                                {"user_id", acme_employee_},
                                                                {"device_id", eve_device_},
                                                                {"status", "active"},
                                                                {"app", "xterm"},
                                                                {"title", "build - make"},
                                                                {"since", since}}));
  }
  for (const auto& viewer : {other_manager, other_employee, globex}) {
    EXPECT_TRUE(states(*viewer).empty());
  }
  const auto state = presence_.device(eve_device_);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, LiveStatus::active);
  EXPECT_EQ(state->title, "build - make");
}

TEST_F(PresenceTest, AnUnassignedDeviceIsHeardOfOnlyByOwnersAndAdmins) {
  const auto [shared, credential] = enroll_into(acme_, "shared-pc");
  const auto admin = connect_viewer(actor(acme_admin_, acme_, Role::admin));
  const auto manager = connect_viewer(actor(acme_manager_, acme_, Role::manager, {team_a_}));
  const auto self = connect_viewer(actor(acme_employee_, acme_, Role::employee));
  const DevicePrincipal device{shared, acme_, std::nullopt};
  (void)connect(device);
  ASSERT_TRUE(send(device, activity("idle", devices::testing::kStart, "xterm", "top")));
  const auto heard = states(*admin);
  ASSERT_EQ(heard.size(), 2U);
  EXPECT_EQ(heard[1].at("user_id"), nullptr);
  EXPECT_EQ(heard[1].at("status"), "idle");
  EXPECT_TRUE(states(*manager).empty());
  EXPECT_TRUE(states(*self).empty());
}

TEST_F(PresenceTest, BadActivityMessagesAreRefusedNamingThePath) {
  (void)connect(eve_);
  const EpochMs now = devices::testing::kStart;
  const auto refused = [&](const boost::json::value& message, std::string_view text) {
    auto result = send(eve_, message);
    ASSERT_FALSE(result) << boost::json::serialize(message);
    EXPECT_TRUE(result.error().is(Errc::invalid_argument));
    EXPECT_EQ(result.error().message, text);
  };
  refused(activity("working", now), "$.state: must be active, idle, paused or off_hours");
  refused(activity("active", now, std::string(256, 'a')), "$.app: must be at most 255 bytes");
  refused(activity("active", now, "xterm", std::string(2049, 't')),
          "$.title: must be at most 2048 bytes");
  refused(activity("active", now + 5 * 60'000 + 1), "$.since: is in the future");
  refused(activity("active", now - 31LL * 24 * 3600'000 - 1), "$.since: is more than 31 days ago");
  refused({{"type", "activity"}, {"state", "active"}}, "$.since: is required");
  refused({{"type", "activity"}, {"state", "active"}, {"since", now}, {"url", "x"}},
          "$.url: is not a known field");
  refused({{"type", "activity"}, {"state", "active"}, {"since", now}, {"app", 5}},
          "$.app: must be a string");
  // Not valid UTF-8 (a value built in code: the parser would refuse it already).
  refused({{"type", "activity"}, {"state", "active"}, {"since", now}, {"title", "\xC3\x28"}},
          "$.title: must be valid UTF-8");
  EXPECT_FALSE(presence_.on_message(eve_, "screenshot", activity("active", now)));
  EXPECT_EQ(presence_.device(eve_device_)->status, LiveStatus::online);  // nothing stored

  // The edges are fine.
  EXPECT_TRUE(send(eve_, activity("active", now + 5 * 60'000)));
  EXPECT_TRUE(send(eve_, activity("active", now - 31LL * 24 * 3600'000)));
}

TEST_F(PresenceTest, PausedAndOffHoursNeverShowAWindow) {
  const auto owner = connect_viewer(actor(acme_owner_, acme_, Role::owner));
  (void)connect(eve_);
  ASSERT_TRUE(send(eve_, activity("paused", devices::testing::kStart, "xterm", "secret")));
  auto heard = states(*owner);
  ASSERT_EQ(heard.size(), 2U);
  EXPECT_EQ(heard[1].at("status"), "paused");
  EXPECT_EQ(heard[1].at("app"), "");
  EXPECT_EQ(heard[1].at("title"), "");
  ASSERT_TRUE(send(eve_, activity("off_hours", devices::testing::kStart, "xterm", "secret")));
  EXPECT_EQ(presence_.device(eve_device_)->title, "");
}

TEST_F(PresenceTest, DisconnectingPublishesOfflineUnlessANewerConnectionIsOnline) {
  const auto manager = connect_viewer(actor(acme_manager_, acme_, Role::manager, {team_a_}));
  (void)connect(eve_);
  ASSERT_TRUE(send(eve_, activity("active", devices::testing::kStart, "xterm", "vim")));
  clock_.advance(7'000);
  disconnect(eve_);
  EXPECT_FALSE(presence_.device(eve_device_));
  auto heard = states(*manager);
  ASSERT_EQ(heard.size(), 3U);
  EXPECT_EQ(boost::json::value(heard[2]),
            boost::json::value({{"type", "activity.state"},
                                {"user_id", acme_employee_},
                                {"device_id", eve_device_},
                                {"status", "offline"},
                                {"app", ""},
                                {"title", ""},
                                {"since", devices::testing::kStart + 7'000}}));

  // An older connection ending after a newer one registered says nothing.
  (void)connect(eve_);
  presence_.on_disconnected(eve_);
  EXPECT_TRUE(presence_.device(eve_device_));
  EXPECT_EQ(states(*manager).back().at("status"), "online");
}

TEST_F(PresenceTest, TheLiveListShowsEachVisiblePersonsMostActiveDevice) {
  const auto [second, second_credential] = enroll_into(acme_, "eve-laptop");
  assign(second, acme_employee_);
  const DevicePrincipal eve_laptop{second, acme_, acme_employee_};
  (void)connect(eve_);
  (void)connect(eve_laptop);
  ASSERT_TRUE(
      send(eve_laptop, activity("idle", devices::testing::kStart - 60'000, "code", "main.cpp")));
  const auto [bob_device, bob_credential] = enroll_into(acme_, "bob-pc");
  assign(bob_device, other_employee_);
  // A suspended person is not listed.
  auth::testing::create_user(db(), acme_, "sue@acme.test", Role::employee,
                             devices::testing::kPassword, "suspended");

  const auto names = [](const std::vector<LivePerson>& people) {
    std::vector<std::string> found;
    for (const auto& person : people) found.push_back(person.email);
    return found;
  };
  auto owner_view = presence_.live(actor(acme_owner_, acme_, Role::owner));
  ASSERT_TRUE(owner_view) << owner_view.error().message;
  EXPECT_EQ(names(*owner_view),
            (std::vector<std::string>{"adam@acme.test", "ann@acme.test", "bob@acme.test",
                                      "eve@acme.test", "mia@acme.test", "otto@acme.test"}));
  const LivePerson& eve = (*owner_view)[3];
  EXPECT_EQ(eve.status, LiveStatus::idle);  // idle beats online
  EXPECT_EQ(eve.device_id, second);
  EXPECT_EQ(eve.app, "code");
  EXPECT_EQ(eve.title, "main.cpp");
  EXPECT_EQ(eve.since, devices::testing::kStart - 60'000);
  EXPECT_EQ(eve.team_ids, std::vector<TeamId>{team_a_});
  EXPECT_TRUE(eve.last_seen_at);
  const LivePerson& bob = (*owner_view)[2];
  EXPECT_EQ(bob.status, LiveStatus::offline);
  EXPECT_EQ(bob.device_id, bob_device);
  EXPECT_TRUE(bob.last_seen_at);
  const LivePerson& ann = (*owner_view)[1];
  EXPECT_EQ(ann.status, LiveStatus::offline);
  EXPECT_FALSE(ann.device_id);
  EXPECT_FALSE(ann.since);
  EXPECT_FALSE(ann.last_seen_at);

  ASSERT_TRUE(send(eve_, activity("active", devices::testing::kStart, "xterm", "make")));
  auto manager_view = presence_.live(actor(acme_manager_, acme_, Role::manager, {team_a_}));
  ASSERT_TRUE(manager_view);
  EXPECT_EQ(names(*manager_view), (std::vector<std::string>{"eve@acme.test", "mia@acme.test"}));
  EXPECT_EQ((*manager_view)[0].status, LiveStatus::active);  // active beats idle
  EXPECT_EQ((*manager_view)[0].device_id, eve_device_);

  auto employee_view = presence_.live(actor(other_employee_, acme_, Role::employee));
  ASSERT_TRUE(employee_view);
  EXPECT_EQ(names(*employee_view), std::vector<std::string>{"bob@acme.test"});
  auto globex_view = presence_.live(actor(globex_owner_, globex_, Role::owner));
  ASSERT_TRUE(globex_view);
  EXPECT_EQ(names(*globex_view), std::vector<std::string>{"gus@globex.test"});

  Actor token = actor(acme_owner_, acme_, Role::owner);
  token.scopes = static_cast<std::uint32_t>(Scope::people_read);
  EXPECT_TRUE(presence_.live(token).error().is(Errc::permission_denied));
}

TEST_F(PresenceTest, TheLiveRouteRendersThePeople) {
  (void)connect(eve_);
  const std::string session = sign_in("eve@acme.test");
  auto response = call_as(session, "GET", "/api/v1/activity/live");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = boost::json::parse(response.body);
  const auto& people = body.at("people").as_array();
  ASSERT_EQ(people.size(), 1U);
  const auto& eve = people[0].as_object();
  EXPECT_EQ(eve.at("user_id"), acme_employee_);
  EXPECT_EQ(eve.at("name"), "User eve@acme.test");
  EXPECT_EQ(eve.at("email"), "eve@acme.test");
  EXPECT_EQ(eve.at("team_ids"), boost::json::array({team_a_}));
  EXPECT_EQ(eve.at("status"), "online");
  EXPECT_EQ(eve.at("device_id"), eve_device_);
  EXPECT_EQ(eve.at("app"), "");
  EXPECT_EQ(eve.at("title"), "");
  EXPECT_TRUE(eve.at("since").is_int64());
  EXPECT_TRUE(eve.at("last_seen_at").is_int64());
  EXPECT_EQ(call(auth::testing::make_request("GET", "/api/v1/activity/live")).status, 401);
}

}  // namespace
}  // namespace worktrace::tracking
