#include "app/status_report.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

namespace worktrace::agent {
namespace {

using state::AgentState;

constexpr EpochMs kNow = 1'714'557'600'000;  // 2024-05-01 10:00:00 UTC

state::AgentConfig config() {
  return {.server = "https://wt.example.com",
          .device_id = 42,
          .org_id = 7,
          .org_name = "Acme",
          .credential = "wtd_x"};
}

state::AgentStatus status(AgentState state) {
  return {.state = state,
          .server = "https://wt.example.com",
          .device_id = 42,
          .pid = 4321,
          .updated_at = kNow - 5'000};
}

TEST(StatusReportTest, NotEnrolled) {
  const StatusReport report;
  EXPECT_EQ(status_exit_code(report), 1);
  EXPECT_EQ(describe(report, kNow),
            "Not enrolled. Run: worktrace-agent enroll --server URL --token TOKEN\n");
  const auto json = to_json(report);
  EXPECT_EQ(json.at("enrolled"), false);
  EXPECT_TRUE(json.at("state").is_null());
}

TEST(StatusReportTest, RunningAndConnected) {
  StatusReport report{
      .config = config(), .status = status(AgentState::connected), .process_alive = true};
  report.status->connected_since = kNow - 180'000;
  report.status->last_error = "connection lost: end of stream";
  EXPECT_EQ(status_exit_code(report), 0);
  EXPECT_EQ(describe(report, kNow),
            "Enrolled with https://wt.example.com as device 42 of \"Acme\".\n"
            "Running (pid 4321): connected since 2024-05-01 09:57:00 UTC (3 min).\n"
            "Last error: connection lost: end of stream\n");
  const auto json = to_json(report);
  EXPECT_EQ(json.at("running"), true);
  EXPECT_EQ(json.at("connected"), true);
  EXPECT_EQ(json.at("state"), "connected");
  EXPECT_EQ(json.at("device_id"), 42);
  EXPECT_EQ(json.at("connected_since"), kNow - 180'000);
}

TEST(StatusReportTest, TellsTheEmployeeWhatIsRecorded) {
  StatusReport report{
      .config = config(), .status = status(AgentState::connected), .process_alive = true};
  report.status->connected_since = kNow - 180'000;
  report.status->tracking = state::TrackingStatus{.state = "active",
                                                  .since = kNow - 60'000,
                                                  .app = "XTerm",
                                                  .title = "make test",
                                                  .idle_threshold_s = 180,
                                                  .work_hours = true,
                                                  .notify_on_start = true};
  report.status->upload = state::UploadState{.pending_records = 12,
                                             .dropped_total = 3,
                                             .oldest_pending = kNow - 30'000,
                                             .last_upload_at = kNow - 40'000};
  EXPECT_EQ(describe(report, kNow),
            "Enrolled with https://wt.example.com as device 42 of \"Acme\".\n"
            "Running (pid 4321): connected since 2024-05-01 09:57:00 UTC (3 min).\n"
            "Tracking: active in XTerm \"make test\" since 2024-05-01 09:59:00 UTC (60 s).\n"
            "Recorded: the application and window title in focus, the browser tab's address and "
            "the editor's project and file (as the organization's redaction policy keeps them), "
            "idle time, and counts of keys, clicks, scrolls and mouse travel (never which "
            "keys), only within the organization's work hours.\n"
            "Waiting to upload: 12 records (oldest from 30 s ago); last upload 40 s ago.\n"
            "Dropped because the outbox was full: 3 records.\n");
  const auto json = to_json(report);
  EXPECT_EQ(json.at("tracking").at("state"), "active");
  EXPECT_EQ(json.at("upload").at("pending_records"), 12);

  // The current site, as recorded, and a local API that could not start.
  report.status->tracking->app = "Firefox";
  report.status->tracking->title = "Docs";
  report.status->tracking->url = "https://docs.example.com/guide";
  report.status->local_api_error = "127.0.0.1:5600 is in use";
  const std::string with_site = describe(report, kNow);
  EXPECT_NE(with_site.find("Tracking: active in Firefox \"Docs\" at https://docs.example.com/guide "
                           "since 2024-05-01 09:59:00 UTC (60 s).\n"),
            std::string::npos)
      << with_site;
  EXPECT_NE(with_site.find("Browser and editor reports: off (127.0.0.1:5600 is in use).\n"),
            std::string::npos);
  const auto with_site_json = to_json(report);
  EXPECT_EQ(with_site_json.at("tracking").at("url"), "https://docs.example.com/guide");
  EXPECT_EQ(with_site_json.at("local_api_error"), "127.0.0.1:5600 is in use");

  report.status->tracking->app.clear();
  report.status->tracking->title.clear();
  report.status->tracking->url.clear();
  report.status->tracking->is_private = true;
  EXPECT_NE(describe(report, kNow)
                .find("Tracking: active in an application or site your organization excludes "
                      "(only the time is kept) since"),
            std::string::npos);

  report.status->tracking->state = "paused";
  report.status->upload.reset();
  EXPECT_NE(describe(report, kNow)
                .find("Tracking: paused by your organization since 2024-05-01 09:59:00 UTC (60 s): "
                      "nothing is recorded.\n"),
            std::string::npos);
}

TEST(StatusReportTest, SaysWhetherScreenshotsAreOnAndWatched) {
  StatusReport report{
      .config = config(), .status = status(AgentState::connected), .process_alive = true};
  report.status->connected_since = kNow - 60'000;
  report.status->screenshots = state::ScreenshotStatus{.enabled = true,
                                                       .interval_s = 600,
                                                       .per_interval = 1,
                                                       .watching = true,
                                                       .frames_sent = 14,
                                                       .frames_dropped = 2};
  const std::string text = describe(report, kNow);
  EXPECT_NE(text.find("Screenshots: on, 1 per 10 min at random moments, taken only while "
                      "someone in your organization watches your screen live and you are "
                      "active (never while idle, paused or outside work hours); sent live, "
                      "never stored.\n"
                      "Watching your screen now: yes.\n"
                      "Screenshots sent since the agent started: 14 (2 dropped unsent).\n"),
            std::string::npos)
      << text;
  const auto json = to_json(report);
  EXPECT_EQ(json.at("screenshots").at("enabled"), true);
  EXPECT_EQ(json.at("screenshots").at("interval_s"), 600);
  EXPECT_EQ(json.at("screenshots").at("per_interval"), 1);
  EXPECT_EQ(json.at("screenshots").at("watching"), true);
  EXPECT_EQ(json.at("screenshots").at("frames_sent"), 14);
  EXPECT_EQ(json.at("screenshots").at("frames_dropped"), 2);

  report.status->screenshots->per_interval = 3;
  report.status->screenshots->interval_s = 3600;
  report.status->screenshots->blur_px = 8;
  report.status->screenshots->watching = false;
  report.status->screenshots->frames_dropped = 0;
  EXPECT_NE(describe(report, kNow).find("Screenshots: on, 3 per 1 h at random moments, blurred,"),
            std::string::npos);
  EXPECT_NE(describe(report, kNow)
                .find("Watching your screen now: no.\n"
                      "Screenshots sent since the agent started: 14.\n"),
            std::string::npos);

  report.status->screenshots->enabled = false;
  EXPECT_NE(
      describe(report, kNow).find("Screenshots: off (your organization does not take any).\n"),
      std::string::npos);
  EXPECT_EQ(describe(report, kNow).find("Watching"), std::string::npos);

  report.status.reset();
  EXPECT_TRUE(to_json(report).at("screenshots").is_null());
}

TEST(StatusReportTest, RunningInBackoff) {
  StatusReport report{
      .config = config(), .status = status(AgentState::backoff), .process_alive = true};
  report.status->next_retry_at = kNow + 12'000;
  report.status->last_error = "cannot connect to wt.example.com:443: Connection refused";
  EXPECT_EQ(status_exit_code(report), 2);
  EXPECT_EQ(describe(report, kNow),
            "Enrolled with https://wt.example.com as device 42 of \"Acme\".\n"
            "Running (pid 4321): not connected; next attempt at 2024-05-01 10:00:12 UTC "
            "(in 12 s).\n"
            "Last error: cannot connect to wt.example.com:443: Connection refused\n");
}

TEST(StatusReportTest, DeadProcessIsNotRunningWhateverTheFileSays) {
  StatusReport report{
      .config = config(), .status = status(AgentState::connected), .process_alive = false};
  EXPECT_FALSE(is_running(report));
  EXPECT_EQ(status_exit_code(report), 2);
  EXPECT_EQ(describe(report, kNow),
            "Enrolled with https://wt.example.com as device 42 of \"Acme\".\n"
            "Not running: process 4321 is gone (it was connected at 2024-05-01 09:59:55 UTC).\n");
  EXPECT_EQ(to_json(report).at("running"), false);
}

TEST(StatusReportTest, StoppedAndRevokedAreFinal) {
  StatusReport report{.config = config(),
                      .status = status(AgentState::stopped),
                      .process_alive = true};  // the pid was reused by another process
  EXPECT_FALSE(is_running(report));
  EXPECT_EQ(status_exit_code(report), 2);
  report.status->state = AgentState::revoked;
  report.status->last_error = "the server refused the device credential (HTTP 401)";
  EXPECT_EQ(describe(report, kNow),
            "Enrolled with https://wt.example.com as device 42 of \"Acme\".\n"
            "Not running: the server refused the credential at 2024-05-01 09:59:55 UTC; enroll "
            "again.\n"
            "Last error: the server refused the device credential (HTTP 401)\n");
  report.status.reset();
  EXPECT_EQ(describe(report, kNow),
            "Enrolled with https://wt.example.com as device 42 of \"Acme\".\n"
            "Not running: the agent has never run here.\n");
}

TEST(ProcessExistsTest, SeesItselfAndNotNonsense) {
  EXPECT_TRUE(process_exists(::getpid()));
  EXPECT_FALSE(process_exists(0));
  EXPECT_FALSE(process_exists(-5));
  EXPECT_FALSE(process_exists(4'000'000));  // above the kernel's pid_max limit
}

}  // namespace
}  // namespace worktrace::agent
