#include "uplink/messages.hpp"

#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace worktrace::agent::uplink {
namespace {

protocol::DeviceInfo sample_device() {
  protocol::DeviceInfo device;
  device.hostname = "laptop-7";
  device.os_name = "Debian GNU/Linux 12 (bookworm)";
  device.cpu_cores = 8;
  device.agent_version = "0.1.0";
  device.local_ips = {"192.0.2.10"};
  return device;
}

protocol::DeviceInfo device_of(const boost::json::value& message) {
  auto root = protocol::ObjectReader::open(message);
  auto device = root->required_object("device");
  EXPECT_TRUE(device);
  return *protocol::read_device_info(*device);
}

TEST(EnrollMessagesTest, RequestCarriesTokenDeviceAndOptionalName) {
  auto body = protocol::parse_json(enroll_request_body("wte_abc", sample_device()));
  ASSERT_TRUE(body);
  EXPECT_EQ(body->at("token"), "wte_abc");
  EXPECT_FALSE(body->as_object().contains("name"));
  EXPECT_EQ(device_of(*body), sample_device());

  body = protocol::parse_json(enroll_request_body("wte_abc", sample_device(), "Ann's laptop"));
  ASSERT_TRUE(body);
  EXPECT_EQ(body->at("name"), "Ann's laptop");
}

TEST(EnrollMessagesTest, CreatedReplyGivesTheEnrollment) {
  auto enrollment = parse_enroll_reply(
      201, R"({"device_id":12,"credential":"wtd_xyz","org_id":3,"org_name":"Acme"})");
  ASSERT_TRUE(enrollment) << enrollment.error().message;
  EXPECT_EQ(enrollment->device_id, 12);
  EXPECT_EQ(enrollment->org_id, 3);
  EXPECT_EQ(enrollment->org_name, "Acme");
  EXPECT_EQ(enrollment->credential, "wtd_xyz");
}

TEST(EnrollMessagesTest, ErrorReplyCarriesTheServersMessage) {
  auto refused = parse_enroll_reply(
      401, R"({"error":{"code":"unauthenticated","message":"enrollment token expired"}})");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::unauthenticated));
  EXPECT_EQ(refused.error().message,
            "the server refused enrollment (HTTP 401): enrollment token expired");

  auto proxy = parse_enroll_reply(502, "<html>Bad Gateway</html>");
  ASSERT_FALSE(proxy);
  EXPECT_TRUE(proxy.error().is(Errc::internal));
  EXPECT_EQ(proxy.error().message, "the server refused enrollment (HTTP 502)");

  auto escape = parse_enroll_reply(
      400, "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"bad\\u001b[31m\"}}");
  ASSERT_FALSE(escape);
  EXPECT_EQ(escape.error().message, "the server refused enrollment (HTTP 400): bad?[31m");
}

TEST(EnrollMessagesTest, MalformedCreatedReplyNamesTheField) {
  auto missing = parse_enroll_reply(201, R"({"device_id":12,"org_id":3})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "the server's enrollment answer is malformed: $.credential: is required");
  EXPECT_FALSE(parse_enroll_reply(201, "not json"));
}

TEST(ChannelMessagesTest, HelloAndDeviceInfoCarryTheDevice) {
  auto hello = protocol::parse_json(hello_message(sample_device()));
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->at("type"), "hello");
  EXPECT_EQ(device_of(*hello), sample_device());
  auto update = protocol::parse_json(device_info_message(sample_device()));
  ASSERT_TRUE(update);
  EXPECT_EQ(update->at("type"), "device_info");
  EXPECT_EQ(device_of(*update), sample_device());
}

TEST(ChannelMessagesTest, ReadsWelcomeErrorAndUnknownTypes) {
  auto welcome = parse_server_message(
      R"({"type":"welcome","device_id":5,"org_id":2,"server_version":"0.1.0"})");
  ASSERT_TRUE(welcome) << welcome.error().message;
  EXPECT_EQ(welcome->type, "welcome");
  EXPECT_EQ(welcome->device_id, 5);
  EXPECT_EQ(welcome->org_id, 2);
  EXPECT_EQ(welcome->server_version, "0.1.0");

  auto error = parse_server_message(
      R"({"type":"error","error":{"code":"invalid_argument","message":"$.device.hostname: is required"}})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error_code, "invalid_argument");
  EXPECT_EQ(error->error_message, "$.device.hostname: is required");

  auto future = parse_server_message(R"({"type":"screenshot.request","id":1})");
  ASSERT_TRUE(future);
  EXPECT_EQ(future->type, "screenshot.request");

  EXPECT_EQ(parse_server_message(R"({"type":"welcome","org_id":2})").error().message,
            "$.device_id: is required");
  EXPECT_EQ(parse_server_message(R"({"kind":"x"})").error().message, "$.type: is required");
  EXPECT_FALSE(parse_server_message("[1]"));
}

TEST(ChannelMessagesTest, ReadsScreensAndCaptureNow) {
  auto watching = parse_server_message(R"({"type":"screens","watching":true})");
  ASSERT_TRUE(watching) << watching.error().message;
  EXPECT_EQ(watching->type, "screens");
  EXPECT_TRUE(watching->watching);
  auto not_watching = parse_server_message(R"({"type":"screens","watching":false})");
  ASSERT_TRUE(not_watching);
  EXPECT_FALSE(not_watching->watching);
  EXPECT_EQ(parse_server_message(R"({"type":"screens"})").error().message,
            "$.watching: is required");
  EXPECT_FALSE(parse_server_message(R"({"type":"screens","watching":"yes"})"));

  auto demand = parse_server_message(R"({"type":"capture_now","request_id":"Ab_9-x0123456789"})");
  ASSERT_TRUE(demand) << demand.error().message;
  EXPECT_EQ(demand->request_id, "Ab_9-x0123456789");
  EXPECT_EQ(parse_server_message(R"({"type":"capture_now"})").error().message,
            "$.request_id: is required");
  for (const char* bad : {R"({"type":"capture_now","request_id":""})",
                          R"({"type":"capture_now","request_id":"has space"})",
                          R"({"type":"capture_now","request_id":"quote\"s"})"}) {
    auto refused = parse_server_message(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("$.request_id"), std::string::npos);
  }
  EXPECT_FALSE(parse_server_message(R"({"type":"capture_now","request_id":")" +
                                    std::string(65, 'a') + R"("})"));
}

TEST(ChannelMessagesTest, ScreenshotRefusedNamesTheDemandAndTheReason) {
  auto parsed = protocol::parse_json(screenshot_refused_message("req_1", "idle"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, boost::json::parse(
                         R"({"type":"screenshot_refused","request_id":"req_1","reason":"idle"})"));
}

TEST(PrintableTest, ReplacesControlsAndCutsOnCharacterBoundary) {
  EXPECT_EQ(printable("ok\r\nnext\x1b"), "ok??next?");
  EXPECT_EQ(printable("ab\xc3\xa9", 3), "ab");
  EXPECT_EQ(printable("ab\xc3\xa9", 4), "ab\xc3\xa9");
  EXPECT_EQ(printable(std::string(600, 'x')).size(), 512u);
}

}  // namespace
}  // namespace worktrace::agent::uplink
