#include "uplink/control_client.hpp"

#include "uplink/control_client_test_support.hpp"
#include "uplink/messages.hpp"

#include <gtest/gtest.h>

#include <future>

// Screenshot frames and queued text (send_binary, send_text) over plain ws:// against a
// scripted server on 127.0.0.1, and the `screens`/`capture_now` messages reaching on_message.
namespace worktrace::agent::uplink::testing {
namespace {

using state::AgentState;
using ServerChannel = websocket::stream<tcp::socket>;

struct Received {
  bool binary = false;
  std::string payload;
};

Received read_message(ServerChannel& channel) {
  beast::flat_buffer buffer;
  channel.read(buffer);
  return {channel.got_binary(), beast::buffers_to_string(buffer.data())};
}

// Records the latest binary counts the client reported. Thread-safe.
class StatsRecorder {
 public:
  void operator()(const BinaryStats& stats) {
    const std::lock_guard lock(mutex_);
    latest_ = stats;
  }
  BinaryStats latest() {
    const std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  std::mutex mutex_;
  BinaryStats latest_;  // guarded by mutex_
};

TEST(ControlClientBinaryTest, FramesGoAsBinaryMessagesAndAFullQueueDropsTheOldest) {
  Watchdog watchdog(30s);
  std::promise<void> accepted;
  std::promise<void> queued;
  std::promise<void> queued_read;
  std::promise<void> all_read;
  std::vector<Received> received;
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    // The client is now inside its connection attempt, waiting for the upgrade: frames queued
    // meanwhile wait for this connection.
    accepted.set_value();
    queued.get_future().wait();
    UpgradeSeen seen;
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    if (read_json(channel).at("type") != "hello") throw std::runtime_error("no hello first");
    send_text(channel, kWelcome);
    for (int message_idx = 0; message_idx < 6; ++message_idx) {
      received.push_back(read_message(channel));
      if (message_idx == 3) queued_read.set_value();
    }
    all_read.set_value();
    (void)read_until_close(channel);
  });
  StatsRecorder stats;
  ClientRun run(
      local_options(server.port()), [] { return device_named("desk"); },
      [&](ControlClient& client) { client.on_binary_stats(std::ref(stats)); });
  accepted.get_future().wait();
  for (int frame_idx = 1; frame_idx <= 5; ++frame_idx) {
    run.client().send_binary("frame-" + std::to_string(frame_idx));
  }
  EXPECT_EQ(run.client().binary_stats(), (BinaryStats{.sent = 0, .dropped = 1}));
  queued.set_value();
  ASSERT_TRUE(run.wait_for(AgentState::connected));
  queued_read.get_future().wait();
  // Queued text goes before queued frames; one at a time, the order is the calls'.
  run.client().send_text(screenshot_refused_message("req-1", "idle"));
  run.client().send_binary(std::string("\xFF\xD8 binary \0 bytes", 17));
  all_read.get_future().wait();
  auto outcome = run.finish();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(server.join(), "");

  ASSERT_EQ(received.size(), 6U);
  for (int frame_idx = 0; frame_idx < 4; ++frame_idx) {
    EXPECT_TRUE(received[frame_idx].binary) << frame_idx;
    EXPECT_EQ(received[frame_idx].payload, "frame-" + std::to_string(frame_idx + 2));
  }
  EXPECT_FALSE(received[4].binary);
  EXPECT_EQ(received[4].payload, screenshot_refused_message("req-1", "idle"));
  EXPECT_TRUE(received[5].binary);
  EXPECT_EQ(received[5].payload, std::string("\xFF\xD8 binary \0 bytes", 17));
  EXPECT_EQ(run.client().binary_stats(), (BinaryStats{.sent = 5, .dropped = 1}));
  EXPECT_EQ(stats.latest(), (BinaryStats{.sent = 5, .dropped = 1}));
}

TEST(ControlClientBinaryTest, FramesQueuedWithoutAConnectionAreDropped) {
  Watchdog watchdog(30s);
  std::promise<void> all_read;
  std::vector<Received> received;
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    UpgradeSeen seen;
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    (void)read_json(channel);  // hello
    send_text(channel, kWelcome);
    received.push_back(read_message(channel));
    all_read.set_value();
    (void)read_until_close(channel);
  });
  StatsRecorder stats;
  ClientRun run(
      local_options(server.port()), [] { return device_named("desk"); },
      [&](ControlClient& client) {
        client.on_binary_stats(std::ref(stats));
        // Before run(): no connection is being made, so these never leave.
        client.send_binary("stale-1");
        client.send_binary("stale-2");
        client.send_text(R"({"type":"stale"})");
      });
  ASSERT_TRUE(run.wait_for(AgentState::connected));
  run.client().send_binary("live");
  all_read.get_future().wait();
  ASSERT_TRUE(run.finish());
  EXPECT_EQ(server.join(), "");
  ASSERT_EQ(received.size(), 1U);
  EXPECT_TRUE(received[0].binary);
  EXPECT_EQ(received[0].payload, "live");
  EXPECT_EQ(run.client().binary_stats(), (BinaryStats{.sent = 1, .dropped = 2}));
  EXPECT_EQ(stats.latest(), (BinaryStats{.sent = 1, .dropped = 2}));
}

TEST(ControlClientBinaryTest, ScreensAndCaptureNowReachOnMessage) {
  Watchdog watchdog(30s);
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    UpgradeSeen seen;
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    (void)read_json(channel);  // hello
    send_text(channel, kWelcome);
    send_text(channel, R"({"type":"screens","watching":true})");
    send_text(channel, R"({"type":"capture_now","request_id":"0123456789abcdef"})");
    (void)read_until_close(channel);
  });
  std::mutex mutex;
  std::condition_variable got_cv;
  std::vector<std::string> types;  // guarded by mutex
  ClientRun run(
      local_options(server.port()), [] { return device_named("desk"); },
      [&](ControlClient& client) {
        client.on_message([&](std::string_view type, std::string_view text) {
          auto parsed = parse_server_message(text);
          ASSERT_TRUE(parsed);
          const std::lock_guard lock(mutex);
          types.push_back(
              std::string(type) + ":" +
              (type == "screens" ? std::to_string(parsed->watching) : parsed->request_id));
          got_cv.notify_all();
        });
      });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(got_cv.wait_for(lock, 10s, [&] { return types.size() == 2; }));
    EXPECT_EQ(types, (std::vector<std::string>{"screens:1", "capture_now:0123456789abcdef"}));
  }
  ASSERT_TRUE(run.finish());
  EXPECT_EQ(server.join(), "");
}

}  // namespace
}  // namespace worktrace::agent::uplink::testing
