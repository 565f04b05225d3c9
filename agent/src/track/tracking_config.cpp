#include "track/tracking_config.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>

namespace worktrace::agent::track {

Result<TrackingConfig> parse_tracking_config(const boost::json::value& tracking) {
  auto reader = protocol::ObjectReader::open(tracking, "$.tracking");
  if (!reader) return reader.error();
  TrackingConfig config;
  // The pause first, and strictly: a config whose other parts this agent cannot use must
  // still stop recording when it says so.
  auto paused = reader->optional_bool("paused");
  if (!paused) return paused.error();
  config.paused = paused->value_or(config.paused);

  auto threshold = reader->optional_int("idle_threshold_s", kMinIdleThresholdS, kMaxIdleThresholdS);
  if (threshold) {
    config.idle_threshold_s = threshold->value_or(config.idle_threshold_s);
  } else {
    spdlog::warn("tracking policy: {}; using {} s", threshold.error().message,
                 config.idle_threshold_s);
  }
  auto notify = reader->optional_bool("notify_on_start");
  if (notify) {
    config.notify_on_start = notify->value_or(config.notify_on_start);
  } else {
    spdlog::warn("tracking policy: {}", notify.error().message);
  }
  if (const auto* schedule = reader->object().if_contains("schedule")) {
    auto parsed = protocol::parse_work_schedule(*schedule, reader->path_of("schedule"));
    if (parsed) {
      config.schedule = std::move(*parsed);
    } else {
      // Work hours this agent cannot evaluate (a time zone its system does not know): record
      // nothing rather than outside the organization's hours.
      spdlog::warn("tracking policy: {}; nothing is recorded until a usable schedule arrives",
                   parsed.error().message);
      config.schedule = protocol::WorkSchedule{.time_zone = "UTC", .days = {}};
    }
  }
  auto last_seq = reader->optional_int("last_seq", 0, protocol::kMaxSeq);
  if (!last_seq) return last_seq.error();
  config.last_seq = last_seq->value_or(0);
  return config;
}

protocol::RedactionPolicy read_redaction(const boost::json::value& holder,
                                         const protocol::RedactionPolicy& previous) {
  const auto* object = holder.if_object();
  const boost::json::value* found = object != nullptr ? object->if_contains("redaction") : nullptr;
  if (found == nullptr) return {};
  auto policy = protocol::parse_redaction_policy(*found, "$.redaction");
  if (!policy) {
    spdlog::warn("redaction policy: {}; keeping the policy in force", policy.error().message);
    return previous;
  }
  return std::move(*policy);
}

protocol::ScreenshotPolicy read_screenshots(const boost::json::value& holder,
                                            const protocol::ScreenshotPolicy& previous) {
  const auto* object = holder.if_object();
  const boost::json::value* found =
      object != nullptr ? object->if_contains("screenshots") : nullptr;
  if (found == nullptr || found->is_null()) return {};
  auto policy = protocol::read_screenshot_policy(*found, {}, "$.screenshots", false);
  if (!policy) {
    spdlog::warn("screenshot policy: {}; keeping the policy in force", policy.error().message);
    return previous;
  }
  return *policy;
}

boost::json::object to_json(const TrackingConfig& config) {
  return {{"idle_threshold_s", config.idle_threshold_s},
          {"paused", config.paused},
          {"notify_on_start", config.notify_on_start},
          {"schedule", protocol::work_schedule_json(config.schedule)},
          {"last_seq", config.last_seq},
          {"redaction", protocol::redaction_policy_json(config.redaction)},
          {"screenshots", protocol::to_json(config.screenshots)}};
}

}  // namespace worktrace::agent::track
