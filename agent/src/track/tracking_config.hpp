#pragma once

#include "core/result.hpp"
#include "protocol/redaction.hpp"
#include "protocol/screenshot_policy.hpp"
#include "protocol/work_schedule.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>

namespace worktrace::agent::track {

inline constexpr std::int64_t kMinIdleThresholdS = 60;
inline constexpr std::int64_t kMaxIdleThresholdS = 3600;

// The `tracking` object of the server's `config` message, and its `redaction` policy.
struct TrackingConfig {
  std::int64_t idle_threshold_s = 180;
  bool paused = false;  // the person's processing is restricted: record nothing
  bool notify_on_start = true;
  std::optional<protocol::WorkSchedule> schedule{};  // nullopt: always track
  std::int64_t last_seq = 0;                         // the server's ingest cursor for this device
  // What of titles and URLs is kept (the message's top-level "redaction"); applied to every
  // span before it is spooled.
  protocol::RedactionPolicy redaction{};
  // When and how screenshots are taken (the message's top-level "screenshots").
  protocol::ScreenshotPolicy screenshots{};

  bool operator==(const TrackingConfig&) const = default;
};

// Reads the `tracking` object; missing fields take the defaults above, unknown keys are
// ignored (a newer server may add some). Fails with Errc::invalid_argument naming the path,
// e.g. "$.tracking.idle_threshold_s: must be between 60 and 3600" or
// "$.tracking.schedule.days.mon[0]: must end after it starts".
[[nodiscard]] Result<TrackingConfig> parse_tracking_config(const boost::json::value& tracking);

// The "redaction" member of `holder` (the config message, or policy.json): absent or null ->
// the default policy (strip_query, no rules); invalid -> `previous`, with a warning naming the
// bad item ("$.redaction.title_rules[0].pattern: ..."), so a policy this agent cannot apply
// never loosens what it keeps.
[[nodiscard]] protocol::RedactionPolicy read_redaction(const boost::json::value& holder,
                                                       const protocol::RedactionPolicy& previous);

// The "screenshots" member of `holder` (the config message, or policy.json): absent or null ->
// the default policy; invalid (a value out of range, not an object) -> `previous`, with a
// warning naming the bad item ("$.screenshots.quality: ..."). Unknown keys are ignored.
[[nodiscard]] protocol::ScreenshotPolicy read_screenshots(
    const boost::json::value& holder, const protocol::ScreenshotPolicy& previous);

// What the agent saves between runs (policy.json): the shape parse_tracking_config reads,
// plus "redaction" (read back with read_redaction) and "screenshots" (read_screenshots).
[[nodiscard]] boost::json::object to_json(const TrackingConfig& config);

}  // namespace worktrace::agent::track
