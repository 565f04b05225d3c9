#include "uplink/control_client.hpp"

#include "uplink/control_client_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>

// The control channel over plain ws:// against a scripted server on 127.0.0.1.
namespace worktrace::agent::uplink::testing {
namespace {

using state::AgentState;
using ServerChannel = websocket::stream<tcp::socket>;

TEST(ControlClientTest, SaysHelloGetsWelcomedAndClosesCleanlyOnStop) {
  Watchdog watchdog(30s);
  UpgradeSeen seen;
  boost::json::value hello;
  std::uint16_t close_code = 0;
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    hello = read_json(channel);
    send_text(channel, kWelcome);
    close_code = read_until_close(channel);
  });
  {
    ClientRun run(local_options(server.port()), [] { return device_named("desk-1"); });
    ASSERT_TRUE(run.wait_for(AgentState::connected));
    const auto started = std::chrono::steady_clock::now();
    auto outcome = run.finish();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(*outcome, RunOutcome::stopped);
    const auto events = run.events();
    EXPECT_EQ(states_of(events),
              (std::vector<AgentState>{AgentState::connecting, AgentState::connected,
                                       AgentState::stopped}));
    ASSERT_TRUE(events[1].connected_since.has_value());
    EXPECT_GT(*events[1].connected_since, 1'700'000'000'000);
  }
  EXPECT_EQ(server.join(), "");
  EXPECT_EQ(seen.target, "/wt/ws/agent");
  EXPECT_EQ(seen.authorization, "Bearer wtd_test");
  EXPECT_EQ(hello.at("type"), "hello");
  EXPECT_EQ(device_in(hello), device_named("desk-1"));
  EXPECT_EQ(close_code, websocket::close_code::normal);
}

TEST(ControlClientTest, ReconnectsWithBackoffAfterTheServerDropsTheConnection) {
  Watchdog watchdog(30s);
  std::atomic<int> hellos = 0;
  ScriptedServer server(2, [&](tcp::socket socket, int connection_idx) {
    UpgradeSeen seen;
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    if (read_json(channel).at("type") == "hello") ++hellos;
    send_text(channel, kWelcome);
    if (connection_idx == 0) {
      channel.next_layer().close();  // drop it without a close frame
      return;
    }
    (void)read_until_close(channel);
  });
  ClientRun run(local_options(server.port()), [] { return device_named("desk-2"); });
  ASSERT_TRUE(run.wait_for(AgentState::connected, 2));
  auto outcome = run.finish();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, RunOutcome::stopped);
  EXPECT_EQ(server.join(), "");
  EXPECT_EQ(hellos, 2);

  const auto events = run.events();
  EXPECT_EQ(states_of(events),
            (std::vector<AgentState>{AgentState::connecting, AgentState::connected,
                                     AgentState::backoff, AgentState::connecting,
                                     AgentState::connected, AgentState::stopped}));
  const ChannelEvent& backoff = events[2];
  EXPECT_NE(backoff.last_error.find("connection lost"), std::string::npos) << backoff.last_error;
  ASSERT_TRUE(backoff.next_retry_at.has_value());
  EXPECT_FALSE(backoff.connected_since.has_value());
  // The first delay after a short-lived connection is at most the 50 ms base.
  EXPECT_LE(*backoff.next_retry_at, SystemClock().now_ms());
}

TEST(ControlClientTest, UnauthorizedUpgradeMeansRevokedWithoutRetrying) {
  Watchdog watchdog(30s);
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    refuse_upgrade(std::move(socket), http::status::unauthorized);
  });
  ClientRun run(local_options(server.port()), [] { return device_named("desk-3"); });
  ASSERT_TRUE(run.wait_for(AgentState::revoked));
  auto outcome = run.finish();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, RunOutcome::revoked);
  EXPECT_EQ(server.join(), "");
  const auto events = run.events();
  EXPECT_EQ(states_of(events),
            (std::vector<AgentState>{AgentState::connecting, AgentState::revoked}));
  EXPECT_NE(events.back().last_error.find("HTTP 401"), std::string::npos);
}

TEST(ControlClientTest, OtherRefusalsBackOffAndStopEndsTheWait) {
  Watchdog watchdog(30s);
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    refuse_upgrade(std::move(socket), http::status::service_unavailable);
  });
  ControlOptions options = local_options(server.port());
  options.backoff = {.base = 60s, .cap = 60s, .reset_after = 30s};
  ClientRun run(options, [] { return device_named("desk-4"); });
  ASSERT_TRUE(run.wait_for(AgentState::backoff));
  EXPECT_EQ(server.join(), "");
  const auto started = std::chrono::steady_clock::now();
  auto outcome = run.finish();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, RunOutcome::stopped);
  const auto events = run.events();
  EXPECT_EQ(states_of(events), (std::vector<AgentState>{AgentState::connecting, AgentState::backoff,
                                                        AgentState::stopped}));
  EXPECT_EQ(events[1].last_error, "the server refused the upgrade (HTTP 503)");
}

TEST(ControlClientTest, SendsDeviceInfoOnlyWhenItChangesAndSurvivesServerErrors) {
  Watchdog watchdog(30s);
  std::atomic<int> collections = 0;
  boost::json::value update;
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    UpgradeSeen seen;
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    (void)read_json(channel);
    send_text(channel, kWelcome);
    send_text(channel, R"({"type":"error","error":{"code":"invalid_argument","message":"x"}})");
    send_text(channel, "not json");
    update = read_json(channel);  // the next message on the same connection
    (void)read_until_close(channel);
  });
  // Three identical snapshots (hello plus two quiet ticks), then a new hostname.
  ControlOptions options = local_options(server.port());
  options.collect_interval = 20ms;
  ClientRun run(options, [&] { return device_named(++collections <= 3 ? "before" : "after"); });
  ASSERT_TRUE(run.wait_for(AgentState::connected));
  while (collections < 5) std::this_thread::sleep_for(5ms);
  auto outcome = run.finish();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(server.join(), "");
  EXPECT_EQ(update.at("type"), "device_info");
  EXPECT_EQ(device_in(update), device_named("after"));
  EXPECT_EQ(states_of(run.events()),
            (std::vector<AgentState>{AgentState::connecting, AgentState::connected,
                                     AgentState::stopped}));
}

TEST(ControlClientTest, HandsOnConfigAndSendsTheLatestStateAtMostOncePerInterval) {
  Watchdog watchdog(30s);
  std::vector<std::string> states;
  std::atomic<int> states_read = 0;
  ScriptedServer server(2, [&](tcp::socket socket, int connection_idx) {
    UpgradeSeen seen;
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    EXPECT_EQ(read_json(channel).at("type"), "hello");
    send_text(channel, kWelcome);
    if (connection_idx == 0) send_text(channel, R"({"type":"config","tracking":{"paused":true}})");
    // After hello, the state set before connecting; on the second connection, the latest.
    states.push_back(std::string(read_json(channel).at("state").as_string()));
    if (connection_idx == 0) {
      states.push_back(std::string(read_json(channel).at("state").as_string()));
      return;  // drops the connection: the client reconnects
    }
    ++states_read;
    (void)read_until_close(channel);
  });
  std::mutex mutex;
  std::vector<std::string> configs;
  ControlOptions options = local_options(server.port());
  options.state_interval = 300ms;
  ClientRun run(
      options, [] { return device_named("desk"); },
      [&](ControlClient& client) {
        client.on_message([&](std::string_view type, std::string_view text) {
          std::lock_guard lock(mutex);
          configs.push_back(std::string(type) + " " + std::string(text));
        });
        client.set_state_message(R"({"type":"activity","state":"active"})");
      });
  ASSERT_TRUE(run.wait_for(AgentState::connected));
  // Two changes within one interval: only the second goes.
  run.client().set_state_message(R"({"type":"activity","state":"idle"})");
  run.client().set_state_message(R"({"type":"activity","state":"paused"})");
  ASSERT_TRUE(run.wait_for(AgentState::connected, 2));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (states_read == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  auto outcome = run.finish();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(server.join(), "");
  EXPECT_EQ(states, (std::vector<std::string>{"active", "paused", "paused"}));
  std::lock_guard lock(mutex);
  ASSERT_GE(configs.size(), 1U);
  EXPECT_EQ(configs[0], R"(config {"type":"config","tracking":{"paused":true}})");
}

TEST(ControlClientTest, StopIsBoundedWhenTheServerIgnoresTheClose) {
  Watchdog watchdog(30s);
  std::mutex mutex;
  std::condition_variable agent_gone_cv;
  bool agent_gone = false;
  ScriptedServer server(1, [&](tcp::socket socket, int) {
    UpgradeSeen seen;
    ServerChannel channel(std::move(socket));
    accept_upgrade(channel, seen);
    (void)read_json(channel);
    send_text(channel, kWelcome);
    std::unique_lock lock(mutex);
    agent_gone_cv.wait_for(lock, 10s, [&] { return agent_gone; });  // never reads the close
  });
  ControlOptions options = local_options(server.port());
  options.close_timeout = 200ms;
  ClientRun run(options, [] { return device_named("desk-5"); });
  ASSERT_TRUE(run.wait_for(AgentState::connected));
  const auto started = std::chrono::steady_clock::now();
  auto outcome = run.finish();
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 1500ms);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, RunOutcome::stopped);
  {
    std::lock_guard lock(mutex);
    agent_gone = true;
  }
  agent_gone_cv.notify_one();
  EXPECT_EQ(server.join(), "");
}

TEST(ControlClientTest, StopBeforeRunReturnsAtOnce) {
  SystemClock clock;
  ControlClient client(
      ControlOptions{.url = *parse_server_url("http://127.0.0.1:9")},
      [] { return device_named("never"); }, [](const ChannelEvent&) {}, clock);
  client.stop();
  auto outcome = client.run();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, RunOutcome::stopped);
}

TEST(ControlClientTest, UnreadableCaFileFailsBeforeConnecting) {
  SystemClock clock;
  ControlClient client(
      ControlOptions{.url = *parse_server_url("https://127.0.0.1:9"),
                     .ca_file = "/nonexistent/ca.pem"},
      [] { return device_named("never"); }, [](const ChannelEvent&) {}, clock);
  auto outcome = client.run();
  ASSERT_FALSE(outcome);
  EXPECT_TRUE(outcome.error().is(Errc::invalid_argument));
  EXPECT_NE(outcome.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace worktrace::agent::uplink::testing
