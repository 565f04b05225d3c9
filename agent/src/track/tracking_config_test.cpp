#include "track/tracking_config.hpp"

#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>

namespace worktrace::agent::track {
namespace {

Result<TrackingConfig> parse(std::string_view text) {
  auto json = protocol::parse_json(text);
  EXPECT_TRUE(json) << text;
  if (!json) return fail(Errc::internal, "bad test JSON");
  return parse_tracking_config(*json);
}

TEST(TrackingConfigTest, ReadsTheConfigMessage) {
  auto config = parse(R"({"idle_threshold_s":300,"paused":true,"notify_on_start":false,
      "schedule":{"time_zone":"Europe/Berlin","days":{"mon":[["09:00","17:30"]]}},"last_seq":40})");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->idle_threshold_s, 300);
  EXPECT_TRUE(config->paused);
  EXPECT_FALSE(config->notify_on_start);
  ASSERT_TRUE(config->schedule);
  EXPECT_EQ(config->schedule->time_zone, "Europe/Berlin");
  EXPECT_EQ(config->schedule->days[0], (std::vector<protocol::WorkInterval>{{540, 1050}}));
  EXPECT_EQ(config->last_seq, 40);
}

TEST(TrackingConfigTest, DefaultsForMissingFieldsAndIgnoresUnknownOnes) {
  auto config = parse(R"({"schedule":null,"something_new":{"x":1}})");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(*config, TrackingConfig{});
  EXPECT_EQ(*parse("{}"), TrackingConfig{});
}

TEST(TrackingConfigTest, RoundTripsThroughJson) {
  auto config = parse(R"({"idle_threshold_s":60,"paused":false,"notify_on_start":true,
      "schedule":{"time_zone":"Asia/Kathmandu","days":{"sun":[["00:00","24:00"]]}},"last_seq":9007199254740992})");
  ASSERT_TRUE(config) << config.error().message;
  auto again = parse_tracking_config(to_json(*config));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *config);
  EXPECT_TRUE(to_json(TrackingConfig{}).at("schedule").is_null());
  EXPECT_EQ(*parse_tracking_config(to_json(TrackingConfig{})), TrackingConfig{});
}

TEST(TrackingConfigTest, BadValuesNameTheirPath) {
  EXPECT_EQ(parse(R"({"paused":"yes"})").error().message,
            "$.tracking.paused: must be true or false");
  EXPECT_EQ(parse(R"({"last_seq":-1})").error().message,
            "$.tracking.last_seq: must be between 0 and 9007199254740992");
  EXPECT_EQ(parse("[]").error().message, "$.tracking: must be an object");
  EXPECT_TRUE(parse(R"({"paused":1})").error().is(Errc::invalid_argument));
}

// A config whose other parts this agent cannot use still pauses, and work hours it cannot
// evaluate record nothing rather than outside the organization's hours.
TEST(TrackingConfigTest, WhatItCannotUseFallsBackAndThePauseStillHolds) {
  auto config = parse(
      R"({"paused":true,"idle_threshold_s":59,"notify_on_start":"x",
          "schedule":{"time_zone":"Nowhere/Land","days":{"mon":[["09:00","17:00"]]}}})");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->paused);
  EXPECT_EQ(config->idle_threshold_s, 180);
  EXPECT_TRUE(config->notify_on_start);
  ASSERT_TRUE(config->schedule.has_value());
  for (const auto& day : config->schedule->days) EXPECT_TRUE(day.empty());
  EXPECT_FALSE(protocol::is_work_time(config->schedule, 1'764'400'000'000));

  for (const char* bad : {R"({"schedule":{"time_zone":"UTC","days":{"mon":[["10:00","09:00"]]}}})",
                          R"({"schedule":"Europe/Berlin"})", R"({"idle_threshold_s":"180"})"}) {
    auto fallback = parse(bad);
    ASSERT_TRUE(fallback) << bad;
    EXPECT_FALSE(fallback->paused);
  }
}

// The config message's top-level "redaction": absent -> default, invalid -> the previous one.
TEST(TrackingConfigTest, ReadsTheRedactionPolicyBesideTracking) {
  auto message = protocol::parse_json(
      R"({"type":"config","tracking":{},"redaction":{"url_mode":"domain",
          "title_rules":[{"pattern":"\\d+","action":"mask","replacement":"#"}],
          "excluded_domains":["Bank.Example"],"excluded_apps":["KeePassXC"]}})");
  ASSERT_TRUE(message);
  const auto policy = read_redaction(*message, {});
  EXPECT_EQ(policy.url_mode, protocol::UrlMode::domain);
  ASSERT_EQ(policy.title_rules.size(), 1U);
  EXPECT_EQ(policy.title_rules[0].pattern(), "\\d+");
  EXPECT_EQ(policy.excluded_domains, std::vector<std::string>{"bank.example"});
  EXPECT_EQ(policy.excluded_apps, std::vector<std::string>{"KeePassXC"});

  EXPECT_EQ(read_redaction(*protocol::parse_json(R"({"tracking":{}})"), policy),
            protocol::RedactionPolicy{});
  EXPECT_EQ(read_redaction(*protocol::parse_json(R"({"redaction":null})"), policy),
            protocol::RedactionPolicy{});
  for (const char* bad : {R"({"redaction":{"url_mode":"everything"}})",
                          R"({"redaction":{"title_rules":[{"pattern":"(a+)+","action":"drop"}]}})",
                          R"({"redaction":[]})"}) {
    EXPECT_EQ(read_redaction(*protocol::parse_json(bad), policy), policy) << bad;
  }
}

TEST(TrackingConfigTest, PolicyFileKeepsTheRedactionPolicy) {
  TrackingConfig config;
  config.idle_threshold_s = 600;
  config.redaction.url_mode = protocol::UrlMode::full;
  config.redaction.excluded_domains = {"example.com"};
  config.redaction.title_rules.push_back(
      protocol::TitleRule::make("secret", protocol::TitleAction::drop).value());
  const boost::json::value saved = to_json(config);
  auto again = parse_tracking_config(saved);
  ASSERT_TRUE(again) << again.error().message;
  again->redaction = read_redaction(saved, {});
  EXPECT_EQ(*again, config);
}

// The config message's top-level "screenshots": absent -> default, invalid -> the previous one.
TEST(TrackingConfigTest, ReadsTheScreenshotPolicyBesideTracking) {
  const auto message = protocol::parse_json(
      R"({"type":"config","tracking":{},"screenshots":{"enabled":true,"interval_s":300,
          "per_interval":3,"quality":50,"downscale":2,"blur_px":4,"newer_key":1}})");
  ASSERT_TRUE(message);
  const auto policy = read_screenshots(*message, {});
  EXPECT_EQ(policy, (protocol::ScreenshotPolicy{.enabled = true,
                                                .interval_s = 300,
                                                .per_interval = 3,
                                                .quality = 50,
                                                .downscale = 2,
                                                .blur_px = 4}));
  // Partial: the missing keys take the defaults, not the previous values.
  EXPECT_EQ(read_screenshots(*protocol::parse_json(R"({"screenshots":{"enabled":false}})"), policy),
            (protocol::ScreenshotPolicy{.enabled = false}));
  EXPECT_EQ(read_screenshots(*protocol::parse_json(R"({"tracking":{}})"), policy),
            protocol::ScreenshotPolicy{});
  EXPECT_EQ(read_screenshots(*protocol::parse_json(R"({"screenshots":null})"), policy),
            protocol::ScreenshotPolicy{});
  for (const char* bad :
       {R"({"screenshots":{"quality":5}})", R"({"screenshots":{"interval_s":10}})",
        R"({"screenshots":{"enabled":"no"}})", R"({"screenshots":[]})"}) {
    EXPECT_EQ(read_screenshots(*protocol::parse_json(bad), policy), policy) << bad;
  }
}

TEST(TrackingConfigTest, PolicyFileKeepsTheScreenshotPolicy) {
  TrackingConfig config;
  config.screenshots = {.enabled = false, .interval_s = 900, .per_interval = 2, .blur_px = 8};
  const boost::json::value saved = to_json(config);
  auto again = parse_tracking_config(saved);
  ASSERT_TRUE(again);
  again->redaction = read_redaction(saved, {});
  again->screenshots = read_screenshots(saved, {});
  EXPECT_EQ(*again, config);
}

}  // namespace
}  // namespace worktrace::agent::track
