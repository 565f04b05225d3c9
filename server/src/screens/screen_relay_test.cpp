// The relay over a real (SQLite) database, the real hub and recording peers.
#include "screens/screen_relay.hpp"

#include "devices/test_support.hpp"
#include "protocol/screen_frame.hpp"
#include "protocol/testing/fake_jpeg.hpp"
#include "screens/screen_messages.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <functional>
#include <mutex>
#include <utility>

namespace worktrace::screens {
namespace {

namespace json = boost::json;
using devices::testing::kStart;
using realtime::Frame;
using realtime::ViewerId;

// A Peer that keeps every frame it was sent. The frames since the last flush() count as
// queued, not yet written: drop_queued may remove those. Thread-safe.
class FramePeer final : public realtime::Peer {
 public:
  bool send(Frame frame) override {
    std::lock_guard lock(mutex_);
    frames_.push_back(std::move(frame));
    return true;
  }
  std::size_t drop_queued(const std::function<bool(const Frame&)>& match) override {
    std::lock_guard lock(mutex_);
    const auto queued = frames_.begin() + static_cast<std::ptrdiff_t>(written_);
    const auto kept = std::remove_if(queued, frames_.end(), [&](const Frame& frame) {
      return frame.droppable && match(frame);
    });
    const auto dropped = static_cast<std::size_t>(frames_.end() - kept);
    frames_.erase(kept, frames_.end());
    return dropped;
  }
  void close(std::uint16_t, std::string) override {}
  // Everything sent so far has been written to the socket.
  void flush() {
    std::lock_guard lock(mutex_);
    written_ = frames_.size();
  }
  std::vector<Frame> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::vector<Frame> binary() const {
    std::vector<Frame> found;
    for (auto& frame : frames()) {
      if (frame.binary) found.push_back(frame);
    }
    return found;
  }
  std::vector<json::value> texts() const {
    std::vector<json::value> found;
    for (const auto& frame : frames()) {
      if (!frame.binary) found.push_back(json::parse(*frame.payload));
    }
    return found;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Frame> frames_;
  std::size_t written_ = 0;
};

// The `screens` states the agent behind `peer` was sent, in order.
std::vector<bool> watching_of(const FramePeer& peer) {
  std::vector<bool> states;
  for (const auto& message : peer.texts()) {
    if (message.at("type") == "screens") states.push_back(message.at("watching").as_bool());
  }
  return states;
}

using protocol::testing::fake_jpeg;

std::string agent_frame(EpochMs taken_at, int monitor = 0, std::string request_id = {}) {
  protocol::ScreenFrameHeader header;
  header.monitor = monitor;
  header.width = 64;
  header.height = 32;
  header.taken_at = taken_at;
  if (!request_id.empty()) {
    header.reason = protocol::CaptureReason::demand;
    header.request_id = std::move(request_id);
  }
  return protocol::encode_agent_frame(header, fake_jpeg(64, 32));
}

json::value watch_of(std::initializer_list<UserId> ids) {
  json::array array;
  for (const UserId id : ids) array.emplace_back(id);
  return json::object{{"type", "screens.watch"}, {"user_ids", array}};
}

json::value capture_of(UserId id) {
  return json::object{{"type", "screens.capture"}, {"user_id", id}};
}

class ScreenRelayTest : public devices::testing::DevicesTest {
 protected:
  // Viewer is a dashboard connected to the hub.
  struct Viewer {
    Actor actor;
    ViewerId id = 0;
    std::shared_ptr<FramePeer> peer;
  };

  ScreenRelayTest() {
    team_ = add_to_team(acme_employee_, 0, false);
    add_to_team(acme_manager_, team_, true);
    other_manager_ = auth::testing::create_user(db(), acme_, "olga@acme.test", Role::manager,
                                                devices::testing::kPassword);
    other_team_ = add_to_team(other_manager_, 0, true);
    std::tie(device_id_, std::ignore) = enroll_into(acme_, "eve-laptop");
    assign(device_id_, acme_employee_);
    device_ = DevicePrincipal{device_id_, acme_, acme_employee_};
  }

  Viewer connect(Actor actor) {
    auto peer = std::make_shared<FramePeer>();
    const ViewerId id = hub_.viewer_connected(actor, peer);
    return {std::move(actor), id, peer};
  }
  Viewer owner() { return connect({acme_owner_, acme_, Role::owner, {}}); }
  Viewer manager() { return connect({acme_manager_, acme_, Role::manager, {team_}}); }

  // An agent online, as net/ opens its channel: registered with the hub, what on_connected
  // returns queued, then after_registered.
  void connect_agent(const DevicePrincipal& device, const std::shared_ptr<FramePeer>& peer) {
    hub_.agent_connected(device, peer);
    for (auto& message : relay_.on_connected(device)) peer->send(Frame::text(std::move(message)));
    relay_.after_registered(device);
  }
  void connect_agent() { connect_agent(device_, agent_); }

  json::value watch(const Viewer& viewer, std::initializer_list<UserId> ids) {
    auto reply = relay_.watch(viewer.actor, viewer.id, watch_of(ids));
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? json::parse(*reply) : json::value();
  }

  // The `screens` messages the agent of device_ got.
  std::vector<bool> agent_watching() const { return watching_of(*agent_); }

  // Runs `sql` with `user` bound to its one parameter.
  void run_for_user(const char* sql, UserId user) {
    auto done = db().write([&](storage::Connection& connection) -> Result<bool> {
      auto statement = connection.prepare(sql);
      if (!statement) return statement.error();
      (*statement)->bind_int(1, user);
      return (*statement)->step();
    });
    ASSERT_TRUE(done) << sql << ": " << done.error().message;
  }

  // Removes every team membership of `user` (the person leaves the manager's team).
  void leave_teams(UserId user) { run_for_user("DELETE FROM team_members WHERE user_id = ?", user); }

  void suspend(UserId user) {
    run_for_user("UPDATE users SET status = 'suspended' WHERE id = ?", user);
  }

  TeamId team_ = 0;
  TeamId other_team_ = 0;
  UserId other_manager_ = 0;
  DeviceId device_id_ = 0;
  DevicePrincipal device_;
  std::shared_ptr<FramePeer> agent_ = std::make_shared<FramePeer>();
  ScreenRelay relay_{db(), hub_, clock_};
};

TEST_F(ScreenRelayTest, OwnersAdminsAndThePersonsManagersMayWatchNobodyElse) {
  const json::value accepted = json::parse(R"([)" + std::to_string(acme_employee_) + "]");
  EXPECT_EQ(watch(owner(), {acme_employee_}).at("user_ids"), accepted);
  EXPECT_EQ(watch(connect({acme_admin_, acme_, Role::admin, {}}), {acme_employee_}).at("user_ids"),
            accepted);
  const auto by_manager = watch(manager(), {acme_employee_});
  EXPECT_EQ(by_manager.at("user_ids"), accepted);
  EXPECT_EQ(by_manager.at("enabled"), true);

  const auto refused_one = [&](const Viewer& viewer, UserId person) {
    const auto reply = watch(viewer, {person});
    EXPECT_TRUE(reply.at("user_ids").as_array().empty());
    return reply.at("refused").at(0);
  };
  const json::value forbidden = json::parse(
      R"({"code":"permission_denied","message":"only owners, admins and the person's managers may see their screen"})");
  const json::value not_found = json::parse(R"({"code":"not_found","message":"no such person"})");
  // Employees never, not even for themselves; another team's manager neither.
  EXPECT_EQ(
      refused_one(connect({acme_employee_, acme_, Role::employee, {}}), acme_employee_).at("error"),
      forbidden);
  EXPECT_EQ(
      refused_one(connect({other_manager_, acme_, Role::manager, {other_team_}}), acme_employee_)
          .at("error"),
      forbidden);
  // Another organization's person, nobody, in either direction: not found.
  EXPECT_EQ(
      refused_one(connect({globex_owner_, globex_, Role::owner, {}}), acme_employee_).at("error"),
      not_found);
  EXPECT_EQ(refused_one(owner(), globex_owner_).at("error"), not_found);
  EXPECT_EQ(refused_one(owner(), 999'999).at("error"), not_found);
  suspend(acme_employee_);
  EXPECT_EQ(refused_one(owner(), acme_employee_).at("error"), not_found);
  EXPECT_EQ(relay_.viewing_count(), 3u);
}

TEST_F(ScreenRelayTest, FramesGoOnlyToWatchersAsOneSharedNewestWinsPayload) {
  connect_agent();
  const Viewer first = owner();
  const Viewer second = manager();
  const Viewer bystander = owner();
  watch(first, {acme_employee_});
  watch(second, {acme_employee_});
  clock_.advance(1500);
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart, 1)));

  const auto got_first = first.peer->binary();
  const auto got_second = second.peer->binary();
  ASSERT_EQ(got_first.size(), 1u);
  ASSERT_EQ(got_second.size(), 1u);
  EXPECT_TRUE(bystander.peer->frames().empty());
  // Built once, shared, droppable and keyed by its screen.
  EXPECT_EQ(got_first[0].payload.get(), got_second[0].payload.get());
  EXPECT_TRUE(got_first[0].droppable);
  EXPECT_EQ(got_first[0].replace_key, stream_key(acme_employee_, device_id_, 1));
  auto parsed = protocol::parse_viewer_frame(*got_first[0].payload);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->info.user_id, acme_employee_);
  EXPECT_EQ(parsed->info.device_id, device_id_);
  EXPECT_EQ(parsed->info.header.monitor, 1);
  EXPECT_EQ(parsed->info.header.taken_at, kStart);
  EXPECT_EQ(parsed->info.received_at, kStart + 1500);
  EXPECT_EQ(parsed->jpeg, fake_jpeg(64, 32));

  // Nobody watching: dropped, not an error.
  first.peer->flush();
  watch(first, {});
  watch(second, {});
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  EXPECT_EQ(first.peer->binary().size(), 1u);
}

TEST_F(ScreenRelayTest, TheAgentHearsWhenSomebodyStartsAndWhenEverybodyStops) {
  EXPECT_TRUE(relay_.on_connected(device_).empty());  // the state follows in after_registered
  connect_agent();
  EXPECT_EQ(agent_->texts(), (std::vector<json::value>{
                                 json::parse(R"({"type":"screens","watching":false})")}));
  const Viewer first = owner();
  const Viewer second = manager();
  watch(first, {acme_employee_});
  watch(second, {acme_employee_});
  EXPECT_EQ(agent_watching(), (std::vector<bool>{false, true}));
  watch(first, {});
  EXPECT_EQ(agent_watching(), (std::vector<bool>{false, true}));
  relay_.viewer_disconnected(second.id);
  EXPECT_EQ(agent_watching(), (std::vector<bool>{false, true, false}));
  // A connection while someone watches starts with true.
  watch(first, {acme_employee_});
  auto reconnected = std::make_shared<FramePeer>();
  connect_agent(device_, reconnected);
  EXPECT_EQ(watching_of(*reconnected), (std::vector<bool>{true}));
}

TEST_F(ScreenRelayTest, EveryViewingIsAuditedWithItsDurationAndFrames) {
  connect_agent();
  const Viewer viewer = manager();
  watch(viewer, {acme_employee_});
  watch(viewer, {acme_employee_});  // still the same viewing
  clock_.advance(5000);
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart + 4000, 1)));
  relay_.viewer_disconnected(viewer.id);

  const auto started = audit_entries(acme_, "screens.view_started");
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].at("actor").as_string(), "user:" + std::to_string(acme_manager_));
  EXPECT_EQ(started[0].at("target_id").as_string(), std::to_string(acme_employee_));
  EXPECT_EQ(started[0].at("subject_user_id"), acme_employee_);
  const auto ended = audit_entries(acme_, "screens.view_ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].at("details"), json::parse(R"({"duration_ms":5000,"frames":2})"));
  EXPECT_EQ(relay_.viewing_count(), 0u);
}

TEST_F(ScreenRelayTest, AReassignedDeviceSendsToItsNewPersonsViewers) {
  connect_agent();
  const Viewer employee_watcher = owner();
  const Viewer admin_watcher = owner();
  watch(employee_watcher, {acme_employee_});
  watch(admin_watcher, {acme_admin_});
  assign(device_id_, acme_admin_);
  relay_.reassigned(device_id_);
  // The agent is told its (new) person is watched.
  EXPECT_EQ(agent_watching(), (std::vector<bool>{false, true, true}));
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  EXPECT_TRUE(employee_watcher.peer->binary().empty());
  ASSERT_EQ(admin_watcher.peer->binary().size(), 1u);
  EXPECT_EQ(protocol::parse_viewer_frame(*admin_watcher.peer->binary()[0].payload)->info.user_id,
            acme_admin_);

  assign(device_id_, std::nullopt);
  relay_.reassigned(device_id_);
  EXPECT_EQ(agent_watching(), (std::vector<bool>{false, true, true, false}));
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  EXPECT_EQ(admin_watcher.peer->binary().size(), 1u);
}

TEST_F(ScreenRelayTest, AViewerWhoLosesTheRightIsStoppedAndTold) {
  connect_agent();
  const Viewer by_manager = manager();
  const Viewer by_owner = owner();
  watch(by_manager, {acme_employee_});
  watch(by_owner, {acme_employee_});
  leave_teams(acme_employee_);
  relay_.access_changed(globex_);  // another organization's change touches nothing here
  EXPECT_EQ(relay_.viewing_count(), 2u);
  relay_.access_changed(acme_);
  EXPECT_EQ(relay_.viewing_count(), 1u);
  ASSERT_EQ(by_manager.peer->texts().size(), 1u);
  EXPECT_EQ(by_manager.peer->texts()[0],
            json::parse(R"({"type":"screens.ended","user_id":)" + std::to_string(acme_employee_) +
                        R"(,"reason":"access_lost"})"));
  EXPECT_TRUE(by_owner.peer->texts().empty());
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  EXPECT_TRUE(by_manager.peer->binary().empty());
  EXPECT_EQ(by_owner.peer->binary().size(), 1u);
  const auto ended = audit_entries(acme_, "screens.view_ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].at("actor_user_id"), acme_manager_);
}

TEST_F(ScreenRelayTest, BadFramesAreRefusedWithWhatIsWrong) {
  connect_agent();
  const Viewer viewer = owner();
  watch(viewer, {acme_employee_});
  const auto bad_magic = relay_.on_binary(device_, "XXXX" + agent_frame(kStart).substr(4));
  ASSERT_FALSE(bad_magic);
  EXPECT_TRUE(bad_magic.error().is(Errc::invalid_argument));
  EXPECT_NE(bad_magic.error().message.find("bad magic"), std::string::npos);
  const auto stale = relay_.on_binary(device_, agent_frame(kStart - kMaxFrameAgeMs - 1));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().message,
            "screen frame: $.taken_at: must be within [now - 10 min, now + 5 min]");
  EXPECT_FALSE(relay_.on_binary(device_, agent_frame(kStart + kMaxFrameAheadMs + 1)));
  EXPECT_TRUE(relay_.on_binary(device_, agent_frame(kStart + kMaxFrameAheadMs)));
  EXPECT_FALSE(relay_.on_binary(device_, ""));
  EXPECT_EQ(viewer.peer->binary().size(), 1u);
  // A device the relay does not know (never connected here): dropped.
  EXPECT_TRUE(
      relay_.on_binary(DevicePrincipal{424242, acme_, acme_employee_}, agent_frame(kStart)));
  EXPECT_EQ(viewer.peer->binary().size(), 1u);
}

TEST_F(ScreenRelayTest, CaptureNowReachesThePersonsDevicesAtMostEveryTwoSeconds) {
  const Viewer viewer = manager();
  EXPECT_EQ(relay_.capture(viewer.actor, viewer.id, capture_of(acme_employee_)).error().message,
            "watch the person first");
  watch(viewer, {acme_employee_});
  const auto offline = relay_.capture(viewer.actor, viewer.id, capture_of(acme_employee_));
  ASSERT_FALSE(offline);
  EXPECT_TRUE(offline.error().is(Errc::unavailable));
  connect_agent();
  auto sent = relay_.capture(viewer.actor, viewer.id, capture_of(acme_employee_));
  ASSERT_TRUE(sent) << sent.error().message;
  const auto reply = json::parse(*sent);
  EXPECT_EQ(reply.at("type"), "screens.capture_sent");
  EXPECT_EQ(reply.at("devices"), 1);
  const std::string request_id(reply.at("request_id").as_string());
  EXPECT_EQ(request_id.size(), kRequestIdChars);
  const auto commands = agent_->texts();
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.back(),
            json::parse(R"({"type":"capture_now","request_id":")" + request_id + R"("})"));
  EXPECT_TRUE(relay_.capture(viewer.actor, viewer.id, capture_of(acme_employee_))
                  .error()
                  .is(Errc::rate_limited));
  clock_.advance(kCaptureIntervalMs);
  auto again = relay_.capture(viewer.actor, viewer.id, capture_of(acme_employee_));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NE(json::parse(*again).at("request_id"), reply.at("request_id"));
  EXPECT_EQ(audit_entries(acme_, "screens.capture_requested").size(), 2u);

  // The agent's refusal reaches the watchers.
  auto refused = relay_.on_message(device_, "screenshot_refused",
                                   json::parse(R"({"type":"screenshot_refused","request_id":")" +
                                               request_id + R"(","reason":"idle"})"));
  ASSERT_TRUE(refused) << refused.error().message;
  const auto texts = viewer.peer->texts();
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts.back().at("type"), "screens.refused");
  EXPECT_EQ(texts.back().at("reason"), "idle");
  EXPECT_EQ(texts.back().at("device_id"), device_id_);
}

TEST_F(ScreenRelayTest, MalformedWatchChangesNothing) {
  const Viewer viewer = owner();
  watch(viewer, {acme_employee_});
  auto bad = relay_.watch(viewer.actor, viewer.id,
                          json::parse(R"({"type":"screens.watch","user_ids":[1,1]})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "$.user_ids[1]: appears twice");
  EXPECT_EQ(relay_.viewing_count(), 1u);
}


// ---- races with the database and with other threads, made deterministic

TEST_F(ScreenRelayTest, TheLastScreensMessageIsTheStateNowWhenAWatchRacesTheConnection) {
  // The real devices channel with the relay as one of its handlers, opened the way net/ opens
  // it, with a change of who watches made by another thread before the first messages are
  // queued.
  devices_.add_agent_handler(relay_);
  auto& channel = devices_.agent_channel();
  const auto open = [&](const std::shared_ptr<FramePeer>& peer, const std::function<void()>& race) {
    hub_.agent_connected(device_, peer);
    auto first = channel.on_connected(device_, "192.0.2.7");
    race();
    for (auto& message : first) peer->send(Frame::text(std::move(message)));
    channel.after_registered(device_);
  };
  const Viewer viewer = owner();

  // Somebody starts watching: the agent must end with true (not the false of the moment of
  // on_connected), and hears nothing before its welcome.
  auto first = std::make_shared<FramePeer>();
  open(first, [&] { watch(viewer, {acme_employee_}); });
  ASSERT_FALSE(first->texts().empty());
  EXPECT_EQ(first->texts().front().at("type"), "welcome");
  EXPECT_EQ(watching_of(*first), (std::vector<bool>{true}));

  // Everybody stops: the agent must end with false, or it would capture for nobody.
  auto second = std::make_shared<FramePeer>();
  open(second, [&] { watch(viewer, {}); });
  EXPECT_EQ(second->texts().front().at("type"), "welcome");
  EXPECT_EQ(watching_of(*second), (std::vector<bool>{false}));
}

TEST_F(ScreenRelayTest, AReassignmentWhileTheAgentConnectsIsNotLost) {
  const Viewer admin_watcher = owner();
  watch(admin_watcher, {acme_admin_});
  bool raced = false;
  // After the connection read the person (eve), the device goes to adam and the platform calls
  // reassigned() before the relay knows the device.
  relay_.set_step_hook([&](ScreenRelay::Step step) {
    if (step != ScreenRelay::Step::person_read || std::exchange(raced, true)) return;
    assign(device_id_, acme_admin_);
    relay_.reassigned(device_id_);
  });
  connect_agent();
  ASSERT_TRUE(raced);
  EXPECT_EQ(agent_watching(), (std::vector<bool>{true}));
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  ASSERT_EQ(admin_watcher.peer->binary().size(), 1u);
  EXPECT_EQ(protocol::parse_viewer_frame(*admin_watcher.peer->binary()[0].payload)->info.user_id,
            acme_admin_);
}

TEST_F(ScreenRelayTest, ReassignmentsAppliedOutOfOrderEndOnTheLatest) {
  connect_agent();
  const Viewer manager_watcher = owner();
  const Viewer admin_watcher = owner();
  watch(manager_watcher, {acme_manager_});
  watch(admin_watcher, {acme_admin_});
  bool raced = false;
  // eve -> mia -> adam: the call for mia has read mia when adam's assignment commits and its
  // call runs to the end; the call for mia then applies last.
  relay_.set_step_hook([&](ScreenRelay::Step step) {
    if (step != ScreenRelay::Step::person_read || std::exchange(raced, true)) return;
    assign(device_id_, acme_admin_);
    relay_.reassigned(device_id_);
  });
  assign(device_id_, acme_manager_);
  relay_.reassigned(device_id_);
  ASSERT_TRUE(raced);
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  EXPECT_TRUE(manager_watcher.peer->binary().empty());
  EXPECT_EQ(admin_watcher.peer->binary().size(), 1u);
  EXPECT_EQ(agent_watching().back(), true);
}

TEST_F(ScreenRelayTest, ARightsChangeBetweenTheCheckAndTheStartOfAWatchIsNotMissed) {
  connect_agent();
  const Viewer viewer = manager();
  bool raced = false;
  // The watch has found the manager allowed; then the person leaves the team and
  // access_changed runs (finding no viewing yet to end).
  relay_.set_step_hook([&](ScreenRelay::Step step) {
    if (step != ScreenRelay::Step::rights_read || std::exchange(raced, true)) return;
    leave_teams(acme_employee_);
    relay_.access_changed(acme_);
  });
  const auto reply = watch(viewer, {acme_employee_});
  ASSERT_TRUE(raced);
  EXPECT_TRUE(reply.at("user_ids").as_array().empty());
  ASSERT_EQ(reply.at("refused").as_array().size(), 1u);
  EXPECT_EQ(reply.at("refused").at(0).at("error").at("code"), "permission_denied");
  EXPECT_EQ(relay_.viewing_count(), 0u);
  EXPECT_EQ(agent_watching(), (std::vector<bool>{false}));
  // The start audited before the change is closed in the audit.
  EXPECT_EQ(audit_entries(acme_, "screens.view_started").size(), 1u);
  const auto ended = audit_entries(acme_, "screens.view_ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].at("details"), json::parse(R"({"duration_ms":0,"frames":0})"));
}

TEST_F(ScreenRelayTest, AWatchGivesUpWhileTheRightsKeepChanging) {
  const Viewer viewer = owner();
  int changes = 0;
  relay_.set_step_hook([&](ScreenRelay::Step step) {
    if (step != ScreenRelay::Step::rights_read) return;
    ++changes;
    relay_.access_changed(acme_);
  });
  auto reply = relay_.watch(viewer.actor, viewer.id, watch_of({acme_employee_}));
  ASSERT_FALSE(reply);
  EXPECT_TRUE(reply.error().is(Errc::unavailable));
  EXPECT_EQ(changes, kMaxWatchAttempts);
  EXPECT_EQ(relay_.viewing_count(), 0u);
  EXPECT_EQ(audit_entries(acme_, "screens.view_started").size(), 1u);
  EXPECT_EQ(audit_entries(acme_, "screens.view_ended").size(), 1u);
}

TEST_F(ScreenRelayTest, ViewingsWhoseRightsCannotBeReadAgainEnd) {
  connect_agent();
  const Viewer by_manager = manager();
  const Viewer by_owner = owner();
  watch(by_manager, {acme_employee_});
  watch(by_owner, {acme_employee_});
  // Reading the rights now fails (the table is gone).
  auto broken = db().write([&](storage::Connection& connection) -> Result<void> {
    return connection.exec("ALTER TABLE team_members RENAME TO team_members_gone");
  });
  ASSERT_TRUE(broken) << broken.error().message;
  relay_.access_changed(acme_);
  EXPECT_EQ(relay_.viewing_count(), 0u);
  const json::value ended_message = json::parse(R"({"type":"screens.ended","user_id":)" +
                                                std::to_string(acme_employee_) +
                                                R"(,"reason":"recheck_failed"})");
  EXPECT_EQ(by_manager.peer->texts(), std::vector<json::value>{ended_message});
  EXPECT_EQ(by_owner.peer->texts(), std::vector<json::value>{ended_message});
  EXPECT_EQ(audit_entries(acme_, "screens.view_ended").size(), 2u);
  EXPECT_EQ(agent_watching(), (std::vector<bool>{false, true, false}));
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart)));
  EXPECT_TRUE(by_owner.peer->binary().empty());
}

TEST_F(ScreenRelayTest, FramesStillQueuedForAnEndedViewingAreDropped) {
  connect_agent();
  // A second device, adam's.
  const auto [admin_device_id, credential] = enroll_into(acme_, "adam-desktop");
  assign(admin_device_id, acme_admin_);
  const DevicePrincipal admin_device{admin_device_id, acme_, acme_admin_};
  connect_agent(admin_device, std::make_shared<FramePeer>());

  const Viewer by_manager = manager();
  const Viewer by_owner = owner();
  watch(by_manager, {acme_employee_});
  watch(by_owner, {acme_employee_, acme_admin_});
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart, 0)));
  ASSERT_TRUE(relay_.on_binary(device_, agent_frame(kStart, 1)));
  ASSERT_TRUE(relay_.on_binary(admin_device, agent_frame(kStart, 0)));
  ASSERT_EQ(by_owner.peer->binary().size(), 3u);
  ASSERT_EQ(by_manager.peer->binary().size(), 2u);

  // The owner stops watching eve: eve's two screens go from the owner's queue, adam's stays.
  watch(by_owner, {acme_admin_});
  const auto kept = by_owner.peer->binary();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(protocol::parse_viewer_frame(*kept[0].payload)->info.user_id, acme_admin_);

  // The manager loses the right: eve's frames go from the manager's queue, then it is told.
  leave_teams(acme_employee_);
  relay_.access_changed(acme_);
  EXPECT_TRUE(by_manager.peer->binary().empty());
  ASSERT_EQ(by_manager.peer->texts().size(), 1u);
  EXPECT_EQ(by_manager.peer->texts()[0].at("reason"), "access_lost");

  // `frames` counts what was handed to the viewer's connection, dropped later or not.
  const auto ended = audit_entries(acme_, "screens.view_ended");
  ASSERT_EQ(ended.size(), 2u);
  for (const auto& entry : ended) EXPECT_EQ(entry.at("details").at("frames"), 2);
}

}  // namespace
}  // namespace worktrace::screens
