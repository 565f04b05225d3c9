#pragma once

#include "core/result.hpp"
#include "protocol/work_schedule.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>

namespace worktrace::agent::track {

inline constexpr std::int64_t kMinIdleThresholdS = 60;
inline constexpr std::int64_t kMaxIdleThresholdS = 3600;

// The `tracking` object of the server's `config` message.
struct TrackingConfig {
  std::int64_t idle_threshold_s = 180;
  bool paused = false;  // the person's processing is restricted: record nothing
  bool notify_on_start = true;
  std::optional<protocol::WorkSchedule> schedule{};  // nullopt: always track
  std::int64_t last_seq = 0;                         // the server's ingest cursor for this device

  bool operator==(const TrackingConfig&) const = default;
};

// Reads the `tracking` object; missing fields take the defaults above, unknown keys are
// ignored (a newer server may add some). Fails with Errc::invalid_argument naming the path,
// e.g. "$.tracking.idle_threshold_s: must be between 60 and 3600" or
// "$.tracking.schedule.days.mon[0]: must end after it starts".
[[nodiscard]] Result<TrackingConfig> parse_tracking_config(const boost::json::value& tracking);

// The same shape as parse_tracking_config reads (the agent saves it between runs).
[[nodiscard]] boost::json::object to_json(const TrackingConfig& config);

}  // namespace worktrace::agent::track
