#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "protocol/redaction.hpp"
#include "protocol/screenshot_policy.hpp"
#include "protocol/work_schedule.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// An organization's tracking policy and the `config` message built from it (docs/api/v1.md,
// "Tracking"): the model, its JSON, and its SQL. Pure functions and functions over a
// Connection the caller's transaction provides.
namespace worktrace::tracking {

inline constexpr std::int64_t kMinIdleThresholdS = 60;
inline constexpr std::int64_t kMaxIdleThresholdS = 3600;
inline constexpr std::int64_t kDefaultIdleThresholdS = 180;

// What an organization's agents track: tracking_policies, or these defaults when the
// organization has no row.
struct TrackingPolicy {
  std::int64_t idle_threshold_s = kDefaultIdleThresholdS;
  bool notify_on_start = true;
  std::optional<protocol::WorkSchedule> schedule;  // nullopt: always track
  protocol::ScreenshotPolicy screenshots;
};

// A change to the screenshot settings: the fields that are set replace the current ones.
struct ScreenshotPatch {
  std::optional<bool> enabled;
  std::optional<std::int64_t> interval_s;
  std::optional<std::int64_t> per_interval;
  std::optional<std::int64_t> quality;
  std::optional<std::int64_t> downscale;
  std::optional<std::int64_t> blur_px;
};

// A change to a policy: the fields that are set change. `schedule` set to nullopt clears it.
struct PolicyPatch {
  std::optional<std::int64_t> idle_threshold_s;
  std::optional<bool> notify_on_start;
  std::optional<std::optional<protocol::WorkSchedule>> schedule;
  std::optional<ScreenshotPatch> screenshots;
};

// {"idle_threshold_s","notify_on_start","schedule","screenshots"} (schedule: null or
// WorkSchedule JSON; screenshots: protocol::to_json(ScreenshotPolicy)).
[[nodiscard]] boost::json::object policy_json(const TrackingPolicy& policy);

// The body of PUT /api/v1/org/tracking: {"idle_threshold_s"?: 60..3600, "notify_on_start"?:
// bool, "schedule"?: null|WorkSchedule, "screenshots"?: {a subset of the ScreenshotPolicy
// keys}}; unknown keys (also inside "screenshots") are refused. Errc::invalid_argument naming
// the path ("$.idle_threshold_s: must be between 60 and 3600", "$.screenshots.quality: ...").
[[nodiscard]] Result<PolicyPatch> read_policy_patch(const boost::json::value& body);

// Applies `patch` to `policy`; returns the names of the fields whose value really changed, in
// the order idle_threshold_s, notify_on_start, schedule, screenshots.
std::vector<std::string> apply_patch(TrackingPolicy& policy, const PolicyPatch& patch);

// The `config` message of one device: {"type":"config","tracking":{"idle_threshold_s",
// "paused","notify_on_start","schedule","last_seq"},"redaction":<redaction_policy_json>,
// "screenshots":<protocol::to_json(ScreenshotPolicy)>}.
[[nodiscard]] std::string config_message_json(const TrackingPolicy& policy, bool paused,
                                              std::int64_t last_seq,
                                              const protocol::RedactionPolicy& redaction);

// The policy of `org_id` (the defaults when it has none). Errc::internal when a stored schedule
// no longer parses. Stored screenshot settings that no longer parse give the default settings
// and a logged warning, never an error: the agents of the organization must keep their config.
[[nodiscard]] Result<TrackingPolicy> load_policy(storage::Connection& connection, OrgId org_id);

// Inserts or replaces the policy row of `org_id` (updated_ms = now).
[[nodiscard]] Result<void> store_policy(storage::Connection& connection, OrgId org_id,
                                        const TrackingPolicy& policy, EpochMs now);

// What a device's config needs besides its organization's policy.
struct DeviceTracking {
  DeviceId device_id = 0;
  std::optional<UserId> user_id;  // the assigned person
  bool paused = false;            // the person's tracking_paused (unassigned: false)
  std::int64_t last_seq = 0;      // ingest_cursors.last_seq (0 when none)
};

// Which devices load_device_tracking reads (all of the organization's when both are empty).
struct DeviceFilter {
  std::optional<DeviceId> device_id;
  std::optional<UserId> user_id;
};

// The devices of `org_id` that are not revoked and match `filter`, by id.
[[nodiscard]] Result<std::vector<DeviceTracking>> load_device_tracking(
    storage::Connection& connection, OrgId org_id, const DeviceFilter& filter);

}  // namespace worktrace::tracking
