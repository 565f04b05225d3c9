#include "realtime/hub.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace worktrace::realtime {
namespace {

// Records what the hub sends; accepts up to `capacity` frames like a bounded queue.
class RecordingPeer final : public Peer {
 public:
  explicit RecordingPeer(std::size_t capacity = 100) : capacity_(capacity) {}
  bool send(Frame frame) override {
    std::lock_guard lock(mutex_);
    if (frames_.size() >= capacity_) return false;
    frames_.push_back(*frame.payload);
    return true;
  }
  void close(std::uint16_t code, std::string reason) override {
    std::lock_guard lock(mutex_);
    close_code_ = code;
    close_reason_ = std::move(reason);
  }
  std::vector<std::string> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::uint16_t close_code() const {
    std::lock_guard lock(mutex_);
    return close_code_;
  }
  std::string close_reason() const {
    std::lock_guard lock(mutex_);
    return close_reason_;
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<std::string> frames_;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
};

Actor viewer_of(OrgId org_id) {
  Actor actor;
  actor.user_id = org_id * 100;
  actor.org_id = org_id;
  actor.role = Role::owner;
  return actor;
}

TEST(HubTest, PublishesOnlyToViewersOfTheSameOrganization) {
  Hub hub;
  auto org1_viewer = std::make_shared<RecordingPeer>();
  auto org2_viewer = std::make_shared<RecordingPeer>();
  hub.viewer_connected(viewer_of(1), org1_viewer);
  hub.viewer_connected(viewer_of(2), org2_viewer);

  EXPECT_EQ(hub.publish_to_org(1, Frame::text("for org 1")), 1u);
  EXPECT_EQ(org1_viewer->frames(), std::vector<std::string>{"for org 1"});
  EXPECT_TRUE(org2_viewer->frames().empty());
}

TEST(HubTest, TracksOnlineAgentsPerOrganization) {
  Hub hub;
  auto agent = std::make_shared<RecordingPeer>();
  hub.agent_connected({7, 1, std::nullopt}, agent);
  EXPECT_TRUE(hub.is_online(7));
  EXPECT_EQ(hub.online_devices(1), std::vector<DeviceId>{7});
  EXPECT_TRUE(hub.online_devices(2).empty());
  EXPECT_TRUE(hub.send_to_agent(7, Frame::text("cmd")));
  EXPECT_FALSE(hub.send_to_agent(8, Frame::text("cmd")));
  EXPECT_TRUE(hub.agent_disconnected(7, agent.get()));
  EXPECT_FALSE(hub.is_online(7));
}

TEST(HubTest, NewerAgentConnectionReplacesAndClosesTheOlder) {
  Hub hub;
  auto first = std::make_shared<RecordingPeer>();
  auto second = std::make_shared<RecordingPeer>();
  hub.agent_connected({7, 1, std::nullopt}, first);
  hub.agent_connected({7, 1, std::nullopt}, second);
  EXPECT_EQ(first->close_code(), 1008);
  // The old connection's late disconnect must not unregister the new one.
  EXPECT_FALSE(hub.agent_disconnected(7, first.get()));
  EXPECT_TRUE(hub.is_online(7));
}

TEST(HubTest, SlowViewerDoesNotBlockOthers) {
  Hub hub;
  auto slow = std::make_shared<RecordingPeer>(1);
  auto fast = std::make_shared<RecordingPeer>();
  hub.viewer_connected(viewer_of(1), slow);
  hub.viewer_connected(viewer_of(1), fast);
  EXPECT_EQ(hub.publish_to_org(1, Frame::text("a")), 2u);
  EXPECT_EQ(hub.publish_to_org(1, Frame::text("b")), 1u);
  EXPECT_EQ(fast->frames().size(), 2u);
}

TEST(HubTest, CloseAllClosesEveryConnectionAsGoingAway) {
  Hub hub;
  auto agent = std::make_shared<RecordingPeer>();
  auto viewer = std::make_shared<RecordingPeer>();
  hub.agent_connected({1, 1, std::nullopt}, agent);
  const ViewerId viewer_id = hub.viewer_connected(viewer_of(1), viewer);
  EXPECT_EQ(hub.counts().agents, 1u);
  EXPECT_EQ(hub.counts().viewers, 1u);
  hub.close_all();
  EXPECT_EQ(agent->close_code(), 1001);
  EXPECT_EQ(viewer->close_code(), 1001);
  hub.viewer_disconnected(viewer_id);
  EXPECT_EQ(hub.counts().viewers, 0u);
}

TEST(HubTest, ConcurrentPublishAndRegistrationIsSafe) {
  Hub hub;
  constexpr int kRounds = 2000;
  std::thread publisher([&] {
    for (int round_idx = 0; round_idx < kRounds; ++round_idx) {
      (void)hub.publish_to_org(1, Frame::text("x"));
    }
  });
  for (int round_idx = 0; round_idx < kRounds; ++round_idx) {
    const ViewerId viewer_id =
        hub.viewer_connected(viewer_of(1), std::make_shared<RecordingPeer>());
    hub.viewer_disconnected(viewer_id);
  }
  publisher.join();
  EXPECT_EQ(hub.counts().viewers, 0u);
}

TEST(HubTest, DisconnectViewersClosesOnlyTheMatchingOnesAndTheyHearNothingMore) {
  Hub hub;
  Actor first = viewer_of(1);
  first.session_id = 11;
  Actor second = viewer_of(1);
  second.user_id = 101;
  second.session_id = 12;
  Actor token_viewer = viewer_of(1);
  auto first_peer = std::make_shared<RecordingPeer>();
  auto second_peer = std::make_shared<RecordingPeer>();
  auto token_peer = std::make_shared<RecordingPeer>();
  hub.viewer_connected(first, first_peer);
  hub.viewer_connected(second, second_peer);
  hub.viewer_connected(token_viewer, token_peer);
  EXPECT_EQ(hub.viewer_session_ids(), (std::vector<std::int64_t>{11, 12}));

  const auto ended = [](const Actor& actor) { return actor.session_id == 11; };
  EXPECT_EQ(hub.disconnect_viewers(ended, "session ended"), 1u);
  EXPECT_EQ(first_peer->close_code(), 1008);
  EXPECT_EQ(first_peer->close_reason(), "session ended");
  EXPECT_EQ(second_peer->close_code(), 0);
  // Closed once: a second sweep finds nothing new, and the closed viewer gets no events.
  EXPECT_EQ(hub.disconnect_viewers(ended, "session ended"), 0u);
  EXPECT_EQ(hub.viewer_session_ids(), (std::vector<std::int64_t>{12}));
  EXPECT_EQ(hub.publish_to_org(1, Frame::text("event")), 2u);
  EXPECT_TRUE(first_peer->frames().empty());
  EXPECT_EQ(second_peer->frames().size(), 1u);
  EXPECT_EQ(hub.counts().viewers, 3u);
}

TEST(HubTest, ViewerPeerIsTheOpenConnectionOfAViewer) {
  Hub hub;
  auto open_peer = std::make_shared<RecordingPeer>();
  auto closed_peer = std::make_shared<RecordingPeer>();
  Actor closed_viewer = viewer_of(1);
  closed_viewer.user_id = 7;
  const ViewerId open_id = hub.viewer_connected(viewer_of(1), open_peer);
  const ViewerId closed_id = hub.viewer_connected(closed_viewer, closed_peer);
  EXPECT_EQ(hub.viewer_peer(open_id), open_peer);
  EXPECT_EQ(hub.viewer_peer(closed_id), closed_peer);
  hub.disconnect_viewers([](const Actor& actor) { return actor.user_id == 7; }, "gone");
  EXPECT_EQ(hub.viewer_peer(closed_id), nullptr);
  hub.viewer_disconnected(open_id);
  EXPECT_EQ(hub.viewer_peer(open_id), nullptr);
  EXPECT_EQ(hub.viewer_peer(999), nullptr);
}

}  // namespace
}  // namespace worktrace::realtime
