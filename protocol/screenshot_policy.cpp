#include "protocol/screenshot_policy.hpp"

#include "protocol/json_reader.hpp"

namespace worktrace::protocol {

boost::json::object to_json(const ScreenshotPolicy& policy) {
  return {{"enabled", policy.enabled},           {"interval_s", policy.interval_s},
          {"per_interval", policy.per_interval}, {"quality", policy.quality},
          {"downscale", policy.downscale},       {"blur_px", policy.blur_px}};
}

Result<ScreenshotPolicy> read_screenshot_policy(const boost::json::value& value,
                                                const ScreenshotPolicy& base,
                                                const std::string& path, bool reject_unknown) {
  auto reader = ObjectReader::open(value, path);
  if (!reader) return reader.error();
  if (reject_unknown) {
    if (auto known = reader->reject_unknown(
            {"enabled", "interval_s", "per_interval", "quality", "downscale", "blur_px"});
        !known) {
      return known.error();
    }
  }
  ScreenshotPolicy policy = base;
  auto enabled = reader->optional_bool("enabled");
  if (!enabled) return enabled.error();
  if (*enabled) policy.enabled = **enabled;
  struct IntField {
    std::string_view key;
    std::int64_t min;
    std::int64_t max;
    std::int64_t* target;
  };
  const IntField fields[] = {
      {"interval_s", kMinScreenshotIntervalS, kMaxScreenshotIntervalS, &policy.interval_s},
      {"per_interval", 1, kMaxScreenshotsPerInterval, &policy.per_interval},
      {"quality", kMinScreenshotQuality, kMaxScreenshotQuality, &policy.quality},
      {"downscale", 1, kMaxScreenshotDownscale, &policy.downscale},
      {"blur_px", 0, kMaxScreenshotBlurPx, &policy.blur_px},
  };
  for (const IntField& field : fields) {
    auto read = reader->optional_int(field.key, field.min, field.max);
    if (!read) return read.error();
    if (*read) *field.target = **read;
  }
  return policy;
}

}  // namespace worktrace::protocol
