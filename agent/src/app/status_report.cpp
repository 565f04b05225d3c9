#include "app/status_report.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace worktrace::agent {
namespace {

using state::AgentState;

// "2024-05-01 10:00:00 UTC"
std::string utc_time(EpochMs at_ms) {
  const std::time_t seconds = static_cast<std::time_t>(at_ms / 1000);
  std::tm parts{};
  if (gmtime_r(&seconds, &parts) == nullptr) return std::to_string(at_ms);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

// "5 s", "3 min", "2 h", "4 days": coarse on purpose.
std::string span(EpochMs span_ms) {
  const std::int64_t seconds = std::max<std::int64_t>(span_ms, 0) / 1000;
  if (seconds < 120) return fmt::format("{} s", seconds);
  if (seconds < 2 * 3600) return fmt::format("{} min", seconds / 60);
  if (seconds < 2 * 86400) return fmt::format("{} h", seconds / 3600);
  return fmt::format("{} days", seconds / 86400);
}

boost::json::value nullable(const std::optional<std::int64_t>& value) {
  if (!value) return nullptr;
  return *value;
}

// "10 min", "1 h", "90 s": a screenshot interval.
std::string interval_words(std::int64_t interval_s) {
  if (interval_s % 3600 == 0) return fmt::format("{} h", interval_s / 3600);
  if (interval_s % 60 == 0) return fmt::format("{} min", interval_s / 60);
  return fmt::format("{} s", interval_s);
}

// Live screenshots, in the employee's words.
std::string describe_screenshots(const state::ScreenshotStatus& screenshots) {
  if (!screenshots.enabled) return "Screenshots: off (your organization does not take any).\n";
  std::string text = fmt::format(
      "Screenshots: on, {} per {} at random moments{}, taken only while someone in your "
      "organization watches your screen live and you are active (never while idle, paused or "
      "outside work hours); sent live, never stored.\n",
      screenshots.per_interval, interval_words(screenshots.interval_s),
      screenshots.blur_px > 0 ? ", blurred" : "");
  text += fmt::format("Watching your screen now: {}.\n", screenshots.watching ? "yes" : "no");
  text += fmt::format("Screenshots sent since the agent started: {}", screenshots.frames_sent);
  if (screenshots.frames_dropped > 0) {
    text += fmt::format(" ({} dropped unsent)", screenshots.frames_dropped);
  }
  return text + ".\n";
}

// What is being recorded, in the employee's words.
std::string describe_tracking(const state::AgentStatus& status, EpochMs now_ms) {
  std::string text;
  if (const auto& tracking = status.tracking) {
    const std::string since = tracking->since
                                  ? fmt::format(" since {} ({})", utc_time(*tracking->since),
                                                span(now_ms - *tracking->since))
                                  : std::string();
    std::string window = tracking->app.empty()
                             ? std::string()
                             : fmt::format(" in {} \"{}\"", tracking->app, tracking->title);
    if (!tracking->url.empty()) window += fmt::format(" at {}", tracking->url);
    if (tracking->is_private) {
      window = " in an application or site your organization excludes (only the time is kept)";
    }
    if (tracking->state == "active") {
      text += fmt::format("Tracking: active{}{}.\n", window, since);
    } else if (tracking->state == "idle") {
      text += fmt::format("Tracking: idle (no input for {} min or more){}{}.\n",
                          tracking->idle_threshold_s / 60, window, since);
    } else if (tracking->state == "paused") {
      text += fmt::format("Tracking: paused by your organization{}: nothing is recorded.\n", since);
    } else if (tracking->state == "off_hours") {
      text += fmt::format("Tracking: outside work hours{}: nothing is recorded.\n", since);
    } else {
      text += fmt::format("Tracking: not available: {}.\n", tracking->detail);
    }
    text += fmt::format(
        "Recorded: the application and window title in focus, the browser tab's address and "
        "the editor's project and file (as the organization's redaction policy keeps them), "
        "idle time, and counts of keys, clicks, scrolls and mouse travel (never which "
        "keys){}.\n",
        tracking->work_hours ? ", only within the organization's work hours" : "");
  }
  if (status.screenshots) text += describe_screenshots(*status.screenshots);
  if (!status.local_api_error.empty()) {
    text += fmt::format("Browser and editor reports: off ({}).\n", status.local_api_error);
  }
  if (const auto& upload = status.upload) {
    text += fmt::format("Waiting to upload: {} records", upload->pending_records);
    if (upload->oldest_pending)
      text += fmt::format(" (oldest from {} ago)", span(now_ms - *upload->oldest_pending));
    if (upload->last_upload_at) {
      text += fmt::format("; last upload {} ago", span(now_ms - *upload->last_upload_at));
    }
    text += ".\n";
    if (upload->dropped_total > 0) {
      text +=
          fmt::format("Dropped because the outbox was full: {} records.\n", upload->dropped_total);
    }
    if (!upload->last_error.empty())
      text += fmt::format("Upload problem: {}\n", upload->last_error);
  }
  return text;
}

}  // namespace

bool is_running(const StatusReport& report) {
  if (!report.status || !report.process_alive) return false;
  return report.status->state != AgentState::stopped && report.status->state != AgentState::revoked;
}

int status_exit_code(const StatusReport& report) {
  if (!report.config) return 1;
  if (is_running(report) && report.status->state == AgentState::connected) return 0;
  return 2;
}

std::string describe(const StatusReport& report, EpochMs now_ms) {
  if (!report.config) {
    return "Not enrolled. Run: worktrace-agent enroll --server URL --token TOKEN\n";
  }
  const state::AgentConfig& config = *report.config;
  std::string text = fmt::format("Enrolled with {} as device {}", config.server, config.device_id);
  if (!config.org_name.empty()) text += fmt::format(" of \"{}\"", config.org_name);
  text += ".\n";

  if (!report.status) return text + "Not running: the agent has never run here.\n";
  const state::AgentStatus& status = *report.status;
  if (!is_running(report)) {
    if (status.state == AgentState::revoked) {
      text += fmt::format("Not running: the server refused the credential at {}; enroll again.\n",
                          utc_time(status.updated_at));
    } else if (status.state == AgentState::stopped) {
      text += fmt::format("Not running: stopped at {}.\n", utc_time(status.updated_at));
    } else {
      text += fmt::format("Not running: process {} is gone (it was {} at {}).\n", status.pid,
                          state::state_name(status.state), utc_time(status.updated_at));
    }
  } else {
    switch (status.state) {
      case AgentState::connected: {
        const EpochMs since = status.connected_since.value_or(status.updated_at);
        text += fmt::format("Running (pid {}): connected since {} ({}).\n", status.pid,
                            utc_time(since), span(now_ms - since));
        break;
      }
      case AgentState::backoff:
        if (status.next_retry_at) {
          text += fmt::format("Running (pid {}): not connected; next attempt at {} (in {}).\n",
                              status.pid, utc_time(*status.next_retry_at),
                              span(*status.next_retry_at - now_ms));
        } else {
          text += fmt::format("Running (pid {}): not connected; waiting to retry.\n", status.pid);
        }
        break;
      default:
        text += fmt::format("Running (pid {}): connecting since {}.\n", status.pid,
                            utc_time(status.updated_at));
        break;
    }
  }
  if (!status.last_error.empty()) text += fmt::format("Last error: {}\n", status.last_error);
  if (is_running(report)) text += describe_tracking(status, now_ms);
  return text;
}

boost::json::object to_json(const StatusReport& report) {
  boost::json::object json{{"enrolled", report.config.has_value()},
                           {"running", is_running(report)},
                           {"connected", status_exit_code(report) == 0}};
  if (report.config) {
    json["server"] = report.config->server;
    json["org_id"] = report.config->org_id;
    json["org_name"] = report.config->org_name;
    json["device_id"] = report.config->device_id;
  }
  const auto& status = report.status;
  json["state"] = status ? boost::json::value(state::state_name(status->state)) : nullptr;
  json["pid"] = status ? boost::json::value(status->pid) : nullptr;
  json["connected_since"] = status ? nullable(status->connected_since) : nullptr;
  json["last_error"] =
      status && !status->last_error.empty() ? boost::json::value(status->last_error) : nullptr;
  json["next_retry_at"] = status ? nullable(status->next_retry_at) : nullptr;
  json["updated_at"] = status ? boost::json::value(status->updated_at) : nullptr;
  if (status) {
    const auto full = state::to_json(*status);
    json["tracking"] = full.at("tracking");
    json["upload"] = full.at("upload");
    json["screenshots"] = full.at("screenshots");
    json["local_api_error"] = full.at("local_api_error");
  } else {
    json["tracking"] = nullptr;
    json["upload"] = nullptr;
    json["screenshots"] = nullptr;
    json["local_api_error"] = nullptr;
  }
  return json;
}

bool process_exists(std::int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace worktrace::agent
