#pragma once

#include "core/result.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

// An organization's screenshot settings: part of its tracking policy (PUT /api/v1/org/tracking
// {"screenshots":{...}}) and of every agent's `config` message ({"screenshots":{...}}).
namespace worktrace::protocol {

struct ScreenshotPolicy {
  bool enabled = true;             // false: no capture at all, scheduled or on demand
  std::int64_t interval_s = 600;   // the schedule's interval, kMinIntervalS..kMaxIntervalS
  std::int64_t per_interval = 1;   // shots at random moments within each interval, 1..10
  std::int64_t quality = 70;       // JPEG quality, 10..95
  std::int64_t downscale = 1;      // 1 full size, 2 half, ... 4 a quarter of each side
  std::int64_t blur_px = 0;        // 0 off, else a box blur radius 1..32 applied on the device

  bool operator==(const ScreenshotPolicy&) const = default;
};

inline constexpr std::int64_t kMinScreenshotIntervalS = 60;
inline constexpr std::int64_t kMaxScreenshotIntervalS = 3600;
inline constexpr std::int64_t kMaxScreenshotsPerInterval = 10;
inline constexpr std::int64_t kMinScreenshotQuality = 10;
inline constexpr std::int64_t kMaxScreenshotQuality = 95;
inline constexpr std::int64_t kMaxScreenshotDownscale = 4;
inline constexpr std::int64_t kMaxScreenshotBlurPx = 32;

// {"enabled","interval_s","per_interval","quality","downscale","blur_px"}
[[nodiscard]] boost::json::object to_json(const ScreenshotPolicy& policy);

// Reads a screenshots object over `base`: keys present replace base's values, missing keys keep
// them. `path` names the object in errors ("$.screenshots.quality: must be between 10 and 95").
// With `reject_unknown` (the API), a stray key is an error; the agent ignores them (a newer
// server may add some). Errc::invalid_argument when `value` is not an object or a value is out
// of range.
[[nodiscard]] Result<ScreenshotPolicy> read_screenshot_policy(const boost::json::value& value,
                                                              const ScreenshotPolicy& base,
                                                              const std::string& path,
                                                              bool reject_unknown);

}  // namespace worktrace::protocol
