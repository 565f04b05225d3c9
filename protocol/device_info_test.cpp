#include "protocol/device_info.hpp"

#include <gtest/gtest.h>

namespace worktrace::protocol {
namespace {

DeviceInfo sample() {
  DeviceInfo info;
  info.hostname = "laptop-7";
  info.os_name = "Debian GNU/Linux 12 (bookworm)";
  info.os_id = "debian";
  info.os_version = "12";
  info.kernel = "6.1.0-18-amd64";
  info.arch = "x86_64";
  info.cpu_model = "Intel(R) Core(TM) i7";
  info.cpu_cores = 8;
  info.memory_bytes = 16LL << 30;
  info.agent_version = "0.1.0";
  info.local_ips = {"192.0.2.10", "fe80::1"};
  info.screens = {{.name = "eDP-1", .width = 1920, .height = 1080, .primary = true},
                  {.name = "HDMI-1", .x = 1920, .width = 2560, .height = 1440}};
  return info;
}

TEST(DeviceInfoTest, RoundTripsThroughJson) {
  const boost::json::value json = to_json(sample());
  auto reader = ObjectReader::open(json, "$.device");
  ASSERT_TRUE(reader);
  auto decoded = read_device_info(*reader);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, sample());
}

TEST(DeviceInfoTest, RequiresHostnameAndBoundsNumbers) {
  auto doc = parse_json(R"({"agent_version":"1"})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(read_device_info(*ObjectReader::open(*doc, "$.device")).error().message,
            "$.device.hostname: is required");

  doc = parse_json(R"({"hostname":"h","agent_version":"1","cpu_cores":-2})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(read_device_info(*ObjectReader::open(*doc, "$.device")).error().message,
            "$.device.cpu_cores: must be between 0 and 4096");

  doc = parse_json(R"({"hostname":"h","agent_version":"1","local_ips":["ok",7]})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(read_device_info(*ObjectReader::open(*doc, "$.device")).error().message,
            "$.device.local_ips[1]: must be a string of at most 64 bytes");
}

TEST(DeviceInfoTest, RejectsControlCharactersThatCouldForgeLogLines) {
  auto doc = parse_json(R"({"hostname":"h\nFAKE LOG LINE","agent_version":"1"})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(read_device_info(*ObjectReader::open(*doc, "$.device")).error().message,
            "$.device.hostname: must not contain control characters");
  doc = parse_json(R"({"hostname":"h","os_name":"\u001b[31mred","agent_version":"1"})");
  ASSERT_TRUE(doc);
  EXPECT_FALSE(read_device_info(*ObjectReader::open(*doc, "$.device")));
}

TEST(DeviceInfoTest, ChecksScreens) {
  auto doc =
      parse_json(R"({"hostname":"h","agent_version":"1","screens":[{"width":0,"height":5}]})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(read_device_info(*ObjectReader::open(*doc, "$.device")).error().message,
            "$.device.screens[0].width: must be between 1 and 1000000");
  doc = parse_json(R"({"hostname":"h","agent_version":"1","screens":{}})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(read_device_info(*ObjectReader::open(*doc, "$.device")).error().message,
            "$.device.screens: must be an array of at most 16 screens");
  doc =
      parse_json(R"({"hostname":"h","agent_version":"1","screens":[{"width":800,"height":600}]})");
  ASSERT_TRUE(doc);
  auto decoded = read_device_info(*ObjectReader::open(*doc));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->screens.size(), 1U);
  EXPECT_EQ(decoded->screens[0].name, "screen");
}

TEST(DeviceInfoTest, IgnoresUnknownKeysFromNewerAgents) {
  auto doc = parse_json(R"({"hostname":"h","agent_version":"9","gpu":"future"})");
  ASSERT_TRUE(doc);
  auto decoded = read_device_info(*ObjectReader::open(*doc));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->hostname, "h");
}

}  // namespace
}  // namespace worktrace::protocol
