#include "devices/agent_channel.hpp"
#include "devices/viewer_channel.hpp"

#include "devices/test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace worktrace::devices {
namespace {

using namespace testing;
using auth::testing::make_request;

api::Request upgrade_with_bearer(const std::string& credential) {
  auto request = make_request("GET", "/ws/agent");
  request.headers.emplace_back("authorization", "Bearer " + credential);
  return request;
}

class ChannelsTest : public DevicesTest {
 protected:
  ChannelsTest() {
    std::tie(device_id_, credential_) = enroll_into(acme_, "acme-laptop");
    principal_ = DevicePrincipal{device_id_, acme_, std::nullopt};
    acme_viewer_ = connect_viewer(Actor{acme_owner_, acme_, Role::owner, {}});
    globex_viewer_ = connect_viewer(Actor{globex_owner_, globex_, Role::owner, {}});
  }

  realtime::AgentChannelHandler& agent() { return devices_.agent_channel(); }
  realtime::ViewerChannelHandler& viewer() { return devices_.viewer_channel(); }

  std::string column_text(std::string_view column) {
    auto value = db().read([&](storage::Connection& connection) -> Result<std::string> {
      auto statement =
          connection.prepare("SELECT " + std::string(column) + " FROM devices WHERE id = ?");
      if (!statement) return statement.error();
      (*statement)->bind_int(1, device_id_);
      if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
      return (*statement)->column_text(0);
    });
    return value ? *value : "<" + value.error().message + ">";
  }

  std::string device_info_message(std::string_view type, const protocol::DeviceInfo& info) {
    const boost::json::object message = {{"type", type}, {"device", protocol::to_json(info)}};
    return boost::json::serialize(message);
  }

  DeviceId device_id_ = 0;
  std::string credential_;
  DevicePrincipal principal_;
  std::shared_ptr<RecordingPeer> acme_viewer_;
  std::shared_ptr<RecordingPeer> globex_viewer_;
};

TEST_F(ChannelsTest, AgentsAuthenticateWithTheirCredentialUnlessRevoked) {
  auto principal = agent().authenticate(upgrade_with_bearer(credential_));
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->device_id, device_id_);
  EXPECT_EQ(principal->org_id, acme_);
  EXPECT_FALSE(principal->user_id.has_value());

  EXPECT_TRUE(
      agent().authenticate(make_request("GET", "/ws/agent")).error().is(Errc::unauthenticated));
  EXPECT_TRUE(
      agent().authenticate(upgrade_with_bearer("wtd_forged")).error().is(Errc::unauthenticated));
  EXPECT_TRUE(agent()
                  .authenticate(upgrade_with_bearer("wte_" + credential_.substr(4)))
                  .error()
                  .is(Errc::unauthenticated));

  ASSERT_TRUE(db().write([&](storage::Connection& connection) {
    return connection.exec("UPDATE devices SET revoked_at = 1");
  }));
  auto revoked = agent().authenticate(upgrade_with_bearer(credential_));
  ASSERT_FALSE(revoked);
  EXPECT_TRUE(revoked.error().is(Errc::unauthenticated));
  EXPECT_EQ(revoked.error().message, "the device has been revoked");
}

TEST_F(ChannelsTest, ConnectingRecordsTheAddressWelcomesAndTellsOnlyTheOrganization) {
  clock_.advance(5'000);
  const auto sent = agent().on_connected(principal_, "203.0.113.9");
  ASSERT_EQ(sent.size(), 1U);
  const std::string& welcome = sent.front();
  EXPECT_EQ(boost::json::parse(welcome),
            boost::json::parse(R"({"type":"welcome","device_id":)" + std::to_string(device_id_) +
                               R"(,"org_id":)" + std::to_string(acme_) +
                               R"(,"server_version":"0.1.0"})"));
  EXPECT_EQ(column_text("remote_ip"), "203.0.113.9");
  EXPECT_EQ(column_text("last_seen_at"), std::to_string(kStart + 5'000));

  const auto messages = acme_viewer_->messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("type"), "device.online");
  EXPECT_EQ(messages[0].at("device").at("id"), device_id_);
  EXPECT_EQ(messages[0].at("device").at("remote_ip"), "203.0.113.9");
  EXPECT_EQ(messages[0].at("device").at("online"), true);
  EXPECT_TRUE(globex_viewer_->messages().empty());
}

// A domain's handler of further message types, recording what the channel hands it.
class RecordingHandler final : public realtime::AgentMessageHandler {
 public:
  std::vector<std::string> on_connected(const DevicePrincipal& device) override {
    connected.push_back(device.device_id);
    return {R"({"type":"config"})"};
  }
  bool handles(std::string_view type) const override { return type == "activity"; }
  Result<std::optional<std::string>> on_message(const DevicePrincipal& device,
                                                std::string_view type,
                                                const boost::json::value& json) override {
    messages.emplace_back(device.device_id,
                          std::string(type) + ":" + std::string(json.at("state").as_string()));
    return std::optional<std::string>(R"({"type":"ok"})");
  }
  void on_disconnected(const DevicePrincipal& device) override {
    disconnected.push_back(device.device_id);
  }

  std::vector<DeviceId> connected;
  std::vector<std::pair<DeviceId, std::string>> messages;
  std::vector<DeviceId> disconnected;
};

TEST_F(ChannelsTest, HandlersGetTheirTypesAndSendAfterTheWelcome) {
  RecordingHandler handler;
  devices_.add_agent_handler(handler);
  const auto sent = agent().on_connected(principal_, "203.0.113.9");
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(boost::json::parse(sent[0]).at("type"), "welcome");
  EXPECT_EQ(sent[1], R"({"type":"config"})");
  EXPECT_EQ(handler.connected, std::vector<DeviceId>{device_id_});

  auto reply = agent().on_text(principal_, R"({"type":"activity","state":"idle"})");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->value_or(""), R"({"type":"ok"})");
  ASSERT_EQ(handler.messages.size(), 1U);
  EXPECT_EQ(handler.messages[0].second, "activity:idle");

  auto unknown = agent().on_text(principal_, R"({"type":"screenshot"})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown message type 'screenshot'");

  agent().on_disconnected(principal_);
  EXPECT_EQ(handler.disconnected, std::vector<DeviceId>{device_id_});
}

// Takes the binary messages (a screen relay's part), recording their sizes.
class BinaryHandler final : public realtime::AgentMessageHandler {
 public:
  std::vector<std::string> on_connected(const DevicePrincipal&) override { return {}; }
  bool handles(std::string_view) const override { return false; }
  Result<std::optional<std::string>> on_message(const DevicePrincipal&, std::string_view,
                                                const boost::json::value&) override {
    return std::optional<std::string>();
  }
  void on_disconnected(const DevicePrincipal&) override {}
  bool takes_binary() const override { return true; }
  Result<void> on_binary(const DevicePrincipal& device, std::string_view message) override {
    if (message.empty()) return fail(Errc::invalid_argument, "empty frame");
    frames.emplace_back(device.device_id, message.size());
    return {};
  }

  std::vector<std::pair<DeviceId, std::size_t>> frames;
};

TEST_F(ChannelsTest, BinaryMessagesGoToTheHandlerThatTakesThem) {
  EXPECT_EQ(agent().on_binary(principal_, "frame").error().message,
            "binary messages are not accepted");
  RecordingHandler text_only;
  BinaryHandler frames;
  devices_.add_agent_handler(text_only);
  devices_.add_agent_handler(frames);
  ASSERT_TRUE(agent().on_binary(principal_, "frame"));
  EXPECT_EQ(agent().on_binary(principal_, "").error().message, "empty frame");
  ASSERT_EQ(frames.frames.size(), 1U);
  EXPECT_EQ(frames.frames[0], (std::pair<DeviceId, std::size_t>{device_id_, 5}));
}

// A domain's handler of dashboard messages, recording what the channel hands it.
class ViewerHandler final : public realtime::ViewerMessageHandler {
 public:
  bool handles(std::string_view type) const override { return type.starts_with("screens."); }
  Result<std::optional<std::string>> on_message(const Actor& viewer, realtime::ViewerId viewer_id,
                                                std::string_view type,
                                                const boost::json::value&) override {
    seen.push_back(std::to_string(viewer.user_id) + "/" + std::to_string(viewer_id) + ":" +
                   std::string(type));
    return std::optional<std::string>(R"({"type":"screens.watching"})");
  }
  void on_disconnected(const Actor& viewer, realtime::ViewerId viewer_id) override {
    seen.push_back(std::to_string(viewer.user_id) + "/" + std::to_string(viewer_id) + ":gone");
  }

  std::vector<std::string> seen;
};

TEST_F(ChannelsTest, ViewerHandlersGetTheirTypesWithTheViewerId) {
  ViewerHandler handler;
  devices_.viewer_channel().add_handler(handler);
  const Actor owner{acme_owner_, acme_, Role::owner, {}};
  auto reply = viewer().on_text(owner, 42, R"({"type":"screens.watch","user_ids":[]})");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->value_or(""), R"({"type":"screens.watching"})");
  EXPECT_EQ(viewer().on_text(owner, 42, R"({"type":"watch"})").error().message,
            "unknown message type 'watch'");
  viewer().on_disconnected(owner, 42);
  const std::string prefix = std::to_string(acme_owner_) + "/42:";
  EXPECT_EQ(handler.seen, (std::vector<std::string>{prefix + "screens.watch", prefix + "gone"}));
}

TEST_F(ChannelsTest, EmployeesHearOnlyOfTheirOwnDevices) {
  const auto employee_viewer = connect_viewer(Actor{acme_employee_, acme_, Role::employee, {}});
  // The shared device belongs to nobody: the employee must not hear of it.
  (void)agent().on_connected(principal_, "203.0.113.9");
  EXPECT_TRUE(employee_viewer->messages().empty());
  EXPECT_EQ(acme_viewer_->messages().size(), 1u);

  // Once it is the employee's own device, they do: the owner is read when the event happens,
  // not taken from the (older) connection's principal.
  assign(device_id_, acme_employee_);
  agent().on_disconnected(principal_);
  const auto messages = employee_viewer->messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("type"), "device.offline");
}

TEST_F(ChannelsTest, DeviceInfoUpdatesTheRowOnlyWhenChangedAndPublishes) {
  hub_.agent_connected(principal_, std::make_shared<RecordingPeer>());
  auto same = agent().on_text(principal_, device_info_message("hello", sample_info("acme-laptop")));
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_FALSE(same->has_value());
  EXPECT_TRUE(acme_viewer_->messages().empty());  // nothing changed, nothing said

  auto upgraded = sample_info("acme-laptop");
  upgraded.kernel = "6.1.0-20-amd64";
  upgraded.local_ips = {"192.0.2.11"};
  clock_.advance(1'000);
  auto changed = agent().on_text(principal_, device_info_message("device_info", upgraded));
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_FALSE(changed->has_value());
  EXPECT_EQ(column_text("kernel"), "6.1.0-20-amd64");
  EXPECT_EQ(column_text("local_ips"), R"(["192.0.2.11"])");
  EXPECT_EQ(column_text("last_seen_at"), std::to_string(kStart + 1'000));

  const auto messages = acme_viewer_->messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("type"), "device.updated");
  EXPECT_EQ(messages[0].at("device").at("kernel"), "6.1.0-20-amd64");
  EXPECT_EQ(messages[0].at("device").at("online"), true);
  EXPECT_TRUE(globex_viewer_->messages().empty());
}

TEST_F(ChannelsTest, BadAgentMessagesAreErrorsThatNameTheProblem) {
  auto unknown = agent().on_text(principal_, R"({"type":"reboot"})");
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().is(Errc::invalid_argument));
  EXPECT_EQ(unknown.error().message, "unknown message type 'reboot'");

  EXPECT_TRUE(agent().on_text(principal_, "{").error().is(Errc::invalid_argument));
  EXPECT_EQ(agent().on_text(principal_, R"({"kind":"hello"})").error().message,
            "$.type: is required");
  EXPECT_EQ(agent().on_text(principal_, R"({"type":"device_info"})").error().message,
            "$.device: is required");
  EXPECT_EQ(
      agent().on_text(principal_, R"({"type":"hello","device":{"hostname":"h"}})").error().message,
      "$.device.agent_version: is required");
  EXPECT_TRUE(agent()
                  .on_text(principal_, std::string(kMaxAgentMessageBytes + 1, ' '))
                  .error()
                  .is(Errc::payload_too_large));
  EXPECT_EQ(column_text("hostname"), "acme-laptop");
}

TEST_F(ChannelsTest, ARevokedDevicesInfoIsNotStored) {
  ASSERT_TRUE(db().write([&](storage::Connection& connection) {
    return connection.exec("UPDATE devices SET revoked_at = 1");
  }));
  auto renamed = sample_info("renamed");
  ASSERT_TRUE(agent().on_text(principal_, device_info_message("device_info", renamed)));
  EXPECT_EQ(column_text("hostname"), "acme-laptop");
  EXPECT_TRUE(acme_viewer_->messages().empty());
}

TEST_F(ChannelsTest, DisconnectingRecordsLastSeenAndPublishesOffline) {
  clock_.advance(90'000);
  agent().on_disconnected(principal_);
  EXPECT_EQ(column_text("last_seen_at"), std::to_string(kStart + 90'000));
  const auto messages = acme_viewer_->messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], boost::json::parse(R"({"type":"device.offline","device_id":)" +
                                            std::to_string(device_id_) + R"(,"last_seen_at":)" +
                                            std::to_string(kStart + 90'000) + "}"));
  EXPECT_TRUE(globex_viewer_->messages().empty());
}

TEST_F(ChannelsTest, ViewersAuthenticateWithTheirSessionAndPlayPingPong) {
  EXPECT_TRUE(viewer()
                  .authenticate(make_request("GET", "/ws/dashboard"))
                  .error()
                  .is(Errc::unauthenticated));
  const std::string token = sign_in("ann@acme.test");
  auto actor = viewer().authenticate(make_request("GET", "/ws/dashboard", {}, token));
  ASSERT_TRUE(actor) << actor.error().message;
  EXPECT_EQ(actor->user_id, acme_owner_);
  EXPECT_EQ(actor->org_id, acme_);

  // A page on another origin cannot ride on the cookie.
  auto cross_site = make_request("GET", "/ws/dashboard", {}, token);
  cross_site.headers.emplace_back("host", "worktrace.example.com");
  cross_site.headers.emplace_back("origin", "http://wiki.example.com");
  EXPECT_TRUE(viewer().authenticate(cross_site).error().is(Errc::permission_denied));

  const auto hello = boost::json::parse(viewer().on_connected(*actor));
  EXPECT_EQ(hello.at("type"), "hello");
  EXPECT_EQ(hello.at("server_version"), "0.1.0");
  EXPECT_EQ(hello.at("user").at("email"), "ann@acme.test");
  EXPECT_EQ(hello.at("user").at("role"), "owner");

  auto pong = viewer().on_text(*actor, 1, R"({"type":"ping"})");
  ASSERT_TRUE(pong && pong->has_value());
  EXPECT_EQ(boost::json::parse(**pong), boost::json::parse(R"({"type":"pong"})"));
  EXPECT_EQ(viewer().on_text(*actor, 1, R"({"type":"watch"})").error().message,
            "unknown message type 'watch'");
  EXPECT_TRUE(viewer()
                  .on_text(*actor, 1, std::string(kMaxViewerMessageBytes + 1, ' '))
                  .error()
                  .is(Errc::payload_too_large));
}

TEST_F(ChannelsTest, TheSweepClosesViewersWhoseSessionIdledOut) {
  const std::string idle_token = sign_in("ann@acme.test");
  auto idle = viewer().authenticate(make_request("GET", "/ws/dashboard", {}, idle_token));
  ASSERT_TRUE(idle);
  const auto idle_peer = connect_viewer(*idle);

  clock_.advance(auth::kSessionIdleMs);
  const std::string fresh_token = sign_in("ann@acme.test");
  auto fresh = viewer().authenticate(make_request("GET", "/ws/dashboard", {}, fresh_token));
  ASSERT_TRUE(fresh);
  const auto fresh_peer = connect_viewer(*fresh);

  auto closed = devices_.viewer_channel().close_ended_sessions();
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_EQ(*closed, 1u);
  ASSERT_EQ(idle_peer->closes().size(), 1u);
  EXPECT_EQ(idle_peer->closes()[0].first, 1008);
  EXPECT_TRUE(fresh_peer->closes().empty());
  EXPECT_EQ(*devices_.viewer_channel().close_ended_sessions(), 0u);
}

TEST_F(ChannelsTest, TheSweeperThreadRunsAndStopsWithTheService) {
  const std::string token = sign_in("ann@acme.test");
  auto actor = viewer().authenticate(make_request("GET", "/ws/dashboard", {}, token));
  ASSERT_TRUE(actor);
  const auto peer = connect_viewer(*actor);
  ASSERT_EQ(call(make_request("POST", "/api/v1/auth/logout", {}, token)).status, 204);
  devices_.start_session_sweep(std::chrono::milliseconds(10));
  for (int wait_idx = 0; wait_idx < 500 && peer->closes().empty(); ++wait_idx) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(peer->closes().size(), 1u);
  EXPECT_EQ(peer->closes()[0].second, "session ended");
}

}  // namespace
}  // namespace worktrace::devices
