// /ws/agent and /ws/dashboard over real sockets, with the real hub.
#include "net/channel.hpp"
#include "net/test_client.hpp"
#include "net/test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>

namespace worktrace::net::testing {
namespace {

namespace json = boost::json;

const Headers kAgentCredential{{"Authorization", "Bearer good-device"}};
const Headers kViewerSession{{"Cookie", "theme=dark; wt_session=good"}};

json::value read_json(WsClient& client) {
  const WsClient::Message message = client.read();
  EXPECT_FALSE(message.closed) << "closed with " << message.close_code;
  return message.closed ? json::value() : json::parse(message.data);
}

class WebSocketTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST(ChannelErrorTest, ShowsOurUnavailableMessageButHidesOtherServerErrors) {
  EXPECT_EQ(json::parse(channel_error_message(
                fail(Errc::unavailable, "no device of this person is online"))),
            json::parse(R"({"type":"error","error":{"code":"unavailable",
                "message":"no device of this person is online"}})"));
  EXPECT_EQ(json::parse(channel_error_message(fail(Errc::internal, "SQL detail"))),
            json::parse(R"({"type":"error","error":{"code":"internal",
                "message":"internal server error"}})"));
}

TEST_F(WebSocketTest, UpgradesWithoutCredentialsAreRefusedWith401) {
  server.start();
  WsClient agent(server.port(), "/ws/agent", {{"Authorization", "Bearer stolen"}});
  ASSERT_FALSE(agent.connected());
  EXPECT_EQ(agent.refusal().status, 401);
  EXPECT_EQ(
      json::parse(agent.refusal().body),
      json::parse(
          R"({"error":{"code":"unauthenticated","message":"device credential is missing or wrong"}})"));
  EXPECT_EQ(agent.refusal().header("content-security-policy").empty(), false);

  WsClient viewer(server.port(), "/ws/dashboard", {{"Cookie", "wt_session=expired"}});
  ASSERT_FALSE(viewer.connected());
  EXPECT_EQ(viewer.refusal().status, 401);
  EXPECT_EQ(server.agents.connects.load(), 0);
  EXPECT_FALSE(server.hub.is_online(FakeAgents::kDeviceId));
}

TEST_F(WebSocketTest, PlainGetOnAChannelPathIs400) {
  server.start();
  HttpClient client(server.port());
  const HttpReply reply = client.request("GET", "/ws/agent", kAgentCredential);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(json::parse(reply.body).at("error").at("code").as_string(), "invalid_argument");
  EXPECT_EQ(client.request("POST", "/ws/dashboard").status, 405);
}

TEST_F(WebSocketTest, AgentGetsTheWelcomeFirstThenRepliesAndErrors) {
  server.start();
  WsClient agent(server.port(), "/ws/agent", kAgentCredential);
  ASSERT_TRUE(agent.connected());
  EXPECT_EQ(agent.handshake_headers().at("server"), "worktrace");
  EXPECT_EQ(agent.handshake_headers().count("content-security-policy"), 1u);
  EXPECT_EQ(read_json(agent), json::parse(R"({"type":"welcome","device_id":7})"));
  EXPECT_EQ(server.agents.last_remote_ip(), "127.0.0.1");
  EXPECT_TRUE(eventually([&] { return server.hub.is_online(FakeAgents::kDeviceId); }));

  agent.send_text("hello");
  EXPECT_EQ(read_json(agent), json::parse(R"({"type":"echo","text":"hello"})"));
  agent.send_text("bad input");
  EXPECT_EQ(
      read_json(agent),
      json::parse(
          R"({"type":"error","error":{"code":"invalid_argument","message":"message is bad"}})"));
  agent.send_text("boom");
  EXPECT_EQ(
      read_json(agent),
      json::parse(
          R"({"type":"error","error":{"code":"internal","message":"internal server error"}})"));
  agent.send_text("silent");
  agent.send_text("after");
  EXPECT_EQ(read_json(agent), json::parse(R"({"type":"echo","text":"after"})"));
  agent.send_binary("bad frame");
  EXPECT_EQ(
      read_json(agent),
      json::parse(
          R"({"type":"error","error":{"code":"invalid_argument","message":"frame is bad"}})"));
}

TEST_F(WebSocketTest, AgentBinaryMessagesReachTheHandlerOnTheirOwnLimit) {
  auto options = server.default_options();
  options.agent_max_message_bytes = 1024;
  options.agent_max_binary_bytes = 200 * 1024;  // several read chunks
  server.start(options);
  WsClient agent(server.port(), "/ws/agent", kAgentCredential);
  ASSERT_TRUE(agent.connected());
  read_json(agent);
  agent.send_binary(std::string(150 * 1024, 'j'));  // over the text limit, within the binary
  EXPECT_TRUE(eventually([&] { return server.agents.binary_messages.load() == 1; }));
  EXPECT_EQ(server.agents.binary_bytes.load(), 150u * 1024);

  // Too large: read to its end and refused alone; the channel stays open.
  agent.send_binary(std::string(300 * 1024, 'k'));
  const json::value refused = read_json(agent);
  EXPECT_EQ(refused.at("error").at("code").as_string(), "payload_too_large");
  EXPECT_EQ(refused.at("error").at("message").as_string(), "binary message exceeds 204800 bytes");
  agent.send_text("still open");
  EXPECT_EQ(read_json(agent).at("text").as_string(), "still open");
  agent.send_binary(std::string(10, 'l'));
  EXPECT_TRUE(eventually([&] { return server.agents.binary_messages.load() == 2; }));
  EXPECT_EQ(server.agents.binary_bytes.load(), 150u * 1024 + 10);
  EXPECT_EQ(server.agents.disconnects.load(), 0);

  // Text keeps its own limit and its 1009 close.
  agent.send_text(std::string(2048, 't'));
  const WsClient::Message closed = agent.read();
  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.close_code, 1009);
}

TEST_F(WebSocketTest, BinaryMessagesHaveTheirOwnRateWithOneErrorASecond) {
  server.start();  // 4 a second, bursts of 8
  WsClient agent(server.port(), "/ws/agent", kAgentCredential);
  ASSERT_TRUE(agent.connected());
  read_json(agent);
  for (int frame_idx = 0; frame_idx < 14; ++frame_idx) agent.send_binary("frame");
  agent.send_text("after the burst");
  // One rate_limited error for the whole burst, then the text (its budget is separate).
  const json::value limited = read_json(agent);
  EXPECT_EQ(limited.at("error").at("code").as_string(), "rate_limited");
  EXPECT_EQ(read_json(agent).at("text").as_string(), "after the burst");
  const int delivered = server.agents.binary_messages.load();
  EXPECT_GE(delivered, 8);
  EXPECT_LE(delivered, 10);  // a slow machine may refill a token or two meanwhile
  HttpClient client(server.port());
  const std::string metrics = client.request("GET", "/metrics").body;
  EXPECT_NE(metrics.find("worktrace_ws_binary_refused_total " + std::to_string(14 - delivered)),
            std::string::npos)
      << metrics;
}

TEST_F(WebSocketTest, TheHubReachesTheAgentAndClosingUnregisters) {
  server.start();
  {
    WsClient agent(server.port(), "/ws/agent", kAgentCredential);
    ASSERT_TRUE(agent.connected());
    read_json(agent);  // welcome
    ASSERT_TRUE(eventually([&] { return server.hub.is_online(FakeAgents::kDeviceId); }));
    EXPECT_TRUE(server.hub.send_to_agent(FakeAgents::kDeviceId,
                                         realtime::Frame::text(R"({"type":"cmd"})")));
    EXPECT_EQ(read_json(agent), json::parse(R"({"type":"cmd"})"));
    agent.close();
  }
  EXPECT_TRUE(eventually([&] { return server.agents.disconnects.load() == 1; }));
  EXPECT_FALSE(server.hub.is_online(FakeAgents::kDeviceId));
  EXPECT_TRUE(eventually([&] { return server.hub.counts().agents == 0; }));
}

TEST_F(WebSocketTest, ANewerAgentConnectionReplacesTheOlderOne) {
  server.start();
  WsClient older(server.port(), "/ws/agent", kAgentCredential);
  ASSERT_TRUE(older.connected());
  read_json(older);
  WsClient newer(server.port(), "/ws/agent", kAgentCredential);
  ASSERT_TRUE(newer.connected());
  read_json(newer);
  const WsClient::Message closed = older.read();
  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.close_code, 1008);
  // The device stays online through its newer connection; the handler hears of no offline.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(server.hub.is_online(FakeAgents::kDeviceId));
  EXPECT_EQ(server.agents.disconnects.load(), 0);
  newer.send_text("still here");
  EXPECT_EQ(read_json(newer).at("text").as_string(), "still here");
}

TEST_F(WebSocketTest, OversizedMessageCloses1009AndTheServerKeepsServing) {
  auto options = server.default_options();
  options.agent_max_message_bytes = 1024;
  server.start(options);
  {
    WsClient agent(server.port(), "/ws/agent", kAgentCredential);
    ASSERT_TRUE(agent.connected());
    read_json(agent);
    agent.send_text(std::string(2048, 'x'));
    const WsClient::Message closed = agent.read();
    EXPECT_TRUE(closed.closed);
    EXPECT_EQ(closed.close_code, 1009);
  }
  EXPECT_TRUE(eventually([&] { return server.agents.disconnects.load() == 1; }));
  HttpClient client(server.port());
  EXPECT_EQ(client.request("GET", "/healthz").status, 200);
  WsClient again(server.port(), "/ws/agent", kAgentCredential);
  ASSERT_TRUE(again.connected());
  read_json(again);
  again.send_text(std::string(1000, 'y'));
  EXPECT_EQ(read_json(again).at("text").as_string().size(), 1000u);
}

TEST_F(WebSocketTest, InvalidUtf8Closes1007) {
  server.start();
  WsClient agent(server.port(), "/ws/agent", kAgentCredential);
  ASSERT_TRUE(agent.connected());
  read_json(agent);
  agent.send_text("\xff\xfe not utf-8");
  const WsClient::Message closed = agent.read();
  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.close_code, 1007);
}

TEST_F(WebSocketTest, DashboardGetsHelloAnswersPingAndRefusesBinary) {
  server.start();
  WsClient viewer(server.port(), "/ws/dashboard", kViewerSession);
  ASSERT_TRUE(viewer.connected());
  EXPECT_EQ(read_json(viewer), json::parse(R"({"type":"hello"})"));
  EXPECT_TRUE(eventually([&] { return server.hub.counts().viewers == 1; }));
  EXPECT_EQ(server.hub.publish_to_org(1, realtime::Frame::text(R"({"type":"device.online"})")), 1u);
  EXPECT_EQ(read_json(viewer), json::parse(R"({"type":"device.online"})"));
  viewer.send_text(R"({"type":"ping"})");
  EXPECT_EQ(read_json(viewer), json::parse(R"({"type":"pong"})"));
  viewer.send_text(R"({"type":"whoami"})");
  const auto viewer_id = read_json(viewer).at("viewer_id").to_number<realtime::ViewerId>();
  EXPECT_NE(server.hub.viewer_peer(viewer_id), nullptr);
  viewer.send_binary("frame");
  const WsClient::Message closed = viewer.read();
  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.close_code, 1003);
  EXPECT_TRUE(eventually([&] { return server.hub.counts().viewers == 0; }));
  // The handler hears of the viewer that ended, by the id its messages carried.
  EXPECT_TRUE(eventually([&] { return server.viewers.disconnects.load() == 1; }));
  EXPECT_EQ(server.viewers.last_disconnected.load(), viewer_id);
}

TEST_F(WebSocketTest, ViewerMessagesOverTheLimitClose1009) {
  auto options = server.default_options();
  options.viewer_max_message_bytes = 512;
  server.start(options);
  WsClient viewer(server.port(), "/ws/dashboard", kViewerSession);
  ASSERT_TRUE(viewer.connected());
  read_json(viewer);
  viewer.send_text(std::string(1024, 'v'));
  const WsClient::Message closed = viewer.read();
  EXPECT_TRUE(closed.closed);
  EXPECT_EQ(closed.close_code, 1009);
}

TEST_F(WebSocketTest, MetricsCountOpenChannels) {
  server.start();
  WsClient agent(server.port(), "/ws/agent", kAgentCredential);
  read_json(agent);
  WsClient viewer(server.port(), "/ws/dashboard", kViewerSession);
  read_json(viewer);
  HttpClient client(server.port());
  const std::string text = client.request("GET", "/metrics").body;
  EXPECT_NE(text.find("worktrace_ws_open_connections{kind=\"agent\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("worktrace_ws_open_connections{kind=\"dashboard\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("worktrace_http_open_connections 3\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find(R"(worktrace_http_requests_total{route="/ws/agent",method="GET",status="101"} 1)"),
      std::string::npos)
      << text;
}

TEST_F(WebSocketTest, StopClosesChannelsWith1001) {
  server.start();
  WsClient agent(server.port(), "/ws/agent", kAgentCredential);
  read_json(agent);
  WsClient viewer(server.port(), "/ws/dashboard", kViewerSession);
  read_json(viewer);
  server.server().stop();
  for (WsClient* client : {&agent, &viewer}) {
    const WsClient::Message closed = client->read();
    EXPECT_TRUE(closed.closed);
    EXPECT_EQ(closed.close_code, 1001);
  }
  EXPECT_TRUE(server.stop_and_wait());
  EXPECT_EQ(server.agents.disconnects.load(), 1);
  EXPECT_EQ(server.hub.counts().agents, 0u);
  EXPECT_EQ(server.hub.counts().viewers, 0u);
}

}  // namespace
}  // namespace worktrace::net::testing
