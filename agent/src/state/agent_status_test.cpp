#include "state/agent_status.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdlib>

namespace worktrace::agent::state {
namespace {

namespace fs = std::filesystem;

TEST(AgentStatusTest, StateNamesRoundTrip) {
  for (const AgentState state : {AgentState::connecting, AgentState::connected, AgentState::backoff,
                                 AgentState::stopped, AgentState::revoked}) {
    EXPECT_EQ(parse_state(state_name(state)), state);
  }
  EXPECT_FALSE(parse_state("sleeping"));
}

TEST(AgentStatusTest, WrittenPrivatelyWithEveryKeyAndReadBack) {
  std::string pattern = (fs::temp_directory_path() / "worktrace-status-XXXXXX").string();
  const fs::path dir = ::mkdtemp(pattern.data());
  AgentStatus status{.state = AgentState::backoff,
                     .server = "http://127.0.0.1:8080",
                     .device_id = 3,
                     .pid = 1234,
                     .connected_since = std::nullopt,
                     .last_error = "connection refused",
                     .next_retry_at = 1'700'000'001'000,
                     .updated_at = 1'700'000'000'000};
  status.tracking = TrackingStatus{.state = "idle",
                                   .since = 1'700'000'000'500,
                                   .app = "XTerm",
                                   .title = "vim \xc3\xa9t\xc3\xa9",
                                   .url = "https://example.com/a",
                                   .is_private = false,
                                   .idle_threshold_s = 180,
                                   .notify_on_start = true};
  status.upload = UploadState{.pending_records = 5, .last_error = "HTTP 503"};
  status.local_api_error = "cannot listen on 127.0.0.1:5600: address in use";
  status.screenshots = ScreenshotStatus{.enabled = true,
                                        .interval_s = 600,
                                        .per_interval = 2,
                                        .blur_px = 4,
                                        .watching = true,
                                        .frames_sent = 12,
                                        .frames_dropped = 1};
  ASSERT_TRUE(save_agent_status(dir, status));
  struct stat info {};
  ASSERT_EQ(::stat((dir / "status.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(*load_agent_status(dir), status);

  status.state = AgentState::connected;
  status.connected_since = 1'700'000'002'000;
  status.next_retry_at.reset();
  status.last_error.clear();
  status.local_api_error.clear();
  const auto json = to_json(status);
  EXPECT_TRUE(json.at("local_api_error").is_null());
  EXPECT_EQ(json.at("tracking").at("url"), "https://example.com/a");
  EXPECT_EQ(json.at("tracking").at("private"), false);
  EXPECT_EQ(json.at("screenshots").at("frames_sent"), 12);
  EXPECT_EQ(json.at("screenshots").at("watching"), true);
  status.screenshots.reset();
  EXPECT_TRUE(to_json(status).at("screenshots").is_null());
  status.tracking = TrackingStatus{.state = "active", .is_private = true};
  ASSERT_TRUE(save_agent_status(dir, status));
  EXPECT_EQ(*load_agent_status(dir), status);
  EXPECT_TRUE(json.at("next_retry_at").is_null());
  EXPECT_TRUE(json.at("last_error").is_null());
  EXPECT_EQ(json.at("connected_since").as_int64(), 1'700'000'002'000);
  ASSERT_TRUE(save_agent_status(dir, status));
  EXPECT_EQ(*load_agent_status(dir), status);
  fs::remove_all(dir);
}

TEST(AgentStatusTest, BadStatusNamesTheField) {
  auto parsed = parse_agent_status(R"({"state":"dancing"})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "status.json: $.state: unknown state \"dancing\"");
  parsed = parse_agent_status(R"({"state":"connected","pid":"12"})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "status.json: $.pid: must be an integer");
  parsed = parse_agent_status(R"({"state":"connected","screenshots":{"frames_sent":-1}})");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("$.screenshots.frames_sent"), std::string::npos)
      << parsed.error().message;
}

}  // namespace
}  // namespace worktrace::agent::state
