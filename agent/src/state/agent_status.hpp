#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::agent::state {

inline constexpr std::string_view kStatusFileName = "status.json";

// What `run` is doing, as written to status.json for `status` and for people.
enum class AgentState {
  connecting,  // opening the control channel
  connected,   // the server welcomed us
  backoff,     // waiting to reconnect after a failure
  stopped,     // exited on request
  revoked,     // the server refused the credential; exited
};

[[nodiscard]] std::string_view state_name(AgentState state) noexcept;
[[nodiscard]] std::optional<AgentState> parse_state(std::string_view name) noexcept;

// What the tracker is doing, shown to the employee by `status`.
struct TrackingStatus {
  std::string state{};  // "active", "idle", "paused", "off_hours", or "unavailable" (no display)
  std::optional<EpochMs> since{};  // when this state (and window) began
  std::string app{};               // the focused application while active or idle
  std::string title{};
  std::string url{};        // the focused browser tab's URL as recorded (redacted); "" when none
  bool is_private = false;  // "private": the focus is on an excluded app or domain
  std::string detail{};     // why tracking is unavailable, when it is
  std::int64_t idle_threshold_s = 0;
  bool work_hours = false;  // the organization limits tracking to a schedule
  bool notify_on_start = false;

  bool operator==(const TrackingStatus&) const = default;
};

// The outbox and the uploads, for `status`.
struct UploadState {
  std::int64_t pending_records = 0;  // spooled, not yet acknowledged by the server
  std::int64_t dropped_total = 0;    // dropped because the outbox was full or too old
  std::optional<EpochMs> oldest_pending{};
  std::optional<EpochMs> last_upload_at{};
  std::string last_error{};

  bool operator==(const UploadState&) const = default;
};

// Live screenshots, for `status`: the organization's schedule, whether anyone watches right
// now (only then are scheduled screenshots taken), and the frames of this run.
struct ScreenshotStatus {
  bool enabled = false;
  std::int64_t interval_s = 0;
  std::int64_t per_interval = 0;
  std::int64_t blur_px = 0;  // 0: not blurred
  bool watching = false;
  std::int64_t frames_sent = 0;     // written to the server since `run` started
  std::int64_t frames_dropped = 0;  // never sent (the connection was slow or went away)

  bool operator==(const ScreenshotStatus&) const = default;
};

// The content of status.json. Timestamps are epoch milliseconds.
struct AgentStatus {
  AgentState state = AgentState::connecting;
  std::string server{};
  DeviceId device_id = 0;
  std::int64_t pid = 0;
  std::optional<EpochMs> connected_since{};  // only while connected
  std::string last_error{};                  // the most recent failure; empty when none
  std::optional<EpochMs> next_retry_at{};    // only in backoff
  EpochMs updated_at = 0;
  std::optional<TrackingStatus> tracking{};  // absent before the tracker starts
  std::optional<UploadState> upload{};
  std::optional<ScreenshotStatus> screenshots{};  // absent before `run` read its policy
  std::string local_api_error{};  // why the local /api/0 listener is off; empty when it is not

  bool operator==(const AgentStatus&) const = default;
};

// Absent values are written as null so every key is always present.
[[nodiscard]] boost::json::object to_json(const AgentStatus& status);

// Fails with Errc::invalid_argument naming the bad field ("status.json: $.state: ...").
[[nodiscard]] Result<AgentStatus> parse_agent_status(std::string_view text);

// Reads DIR/status.json; Errc::not_found when the agent never ran.
[[nodiscard]] Result<AgentStatus> load_agent_status(const std::filesystem::path& dir);

// Replaces DIR/status.json (mode 0600) atomically.
[[nodiscard]] Result<void> save_agent_status(const std::filesystem::path& dir,
                                             const AgentStatus& status);

}  // namespace worktrace::agent::state
