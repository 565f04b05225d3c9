#include "protocol/screenshot_policy.hpp"

#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>

namespace worktrace::protocol {
namespace {

Result<ScreenshotPolicy> read(std::string_view text, bool reject_unknown = true,
                              const ScreenshotPolicy& base = {}) {
  auto json = parse_json(text);
  EXPECT_TRUE(json);
  return read_screenshot_policy(*json, base, "$.screenshots", reject_unknown);
}

TEST(ScreenshotPolicyTest, DefaultsAreOnceEveryTenMinutesAtQuality70) {
  const ScreenshotPolicy policy;
  EXPECT_TRUE(policy.enabled);
  EXPECT_EQ(policy.interval_s, 600);
  EXPECT_EQ(policy.per_interval, 1);
  EXPECT_EQ(policy.quality, 70);
  EXPECT_EQ(policy.downscale, 1);
  EXPECT_EQ(policy.blur_px, 0);
}

TEST(ScreenshotPolicyTest, PresentKeysReplaceTheBaseAndMissingKeysKeepIt) {
  ScreenshotPolicy base;
  base.quality = 50;
  auto policy = read(R"({"per_interval":3,"blur_px":8,"enabled":false})", true, base);
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_FALSE(policy->enabled);
  EXPECT_EQ(policy->per_interval, 3);
  EXPECT_EQ(policy->blur_px, 8);
  EXPECT_EQ(policy->quality, 50);
  EXPECT_EQ(policy->interval_s, 600);
  auto round = read_screenshot_policy(boost::json::value(to_json(*policy)), {}, "$", true);
  ASSERT_TRUE(round);
  EXPECT_EQ(*round, *policy);
}

TEST(ScreenshotPolicyTest, OutOfRangeValuesNameTheirPath) {
  const auto refusal = [](std::string_view text, bool reject_unknown = true) {
    auto policy = read(text, reject_unknown);
    return policy ? std::string("accepted") : policy.error().message;
  };
  EXPECT_EQ(refusal(R"({"quality":9})"), "$.screenshots.quality: must be between 10 and 95");
  EXPECT_EQ(refusal(R"({"interval_s":59})"),
            "$.screenshots.interval_s: must be between 60 and 3600");
  EXPECT_EQ(refusal(R"({"per_interval":11})"),
            "$.screenshots.per_interval: must be between 1 and 10");
  EXPECT_EQ(refusal(R"({"downscale":5})"), "$.screenshots.downscale: must be between 1 and 4");
  EXPECT_EQ(refusal(R"({"blur_px":33})"), "$.screenshots.blur_px: must be between 0 and 32");
  EXPECT_EQ(refusal(R"({"enabled":"yes"})"), "$.screenshots.enabled: must be true or false");
  EXPECT_EQ(refusal(R"([])"), "$.screenshots: must be an object");
  EXPECT_EQ(refusal(R"({"fps":3})"), "$.screenshots.fps: is not a known field");
  EXPECT_EQ(refusal(R"({"fps":3})", false), "accepted");
}

}  // namespace
}  // namespace worktrace::protocol
