#include "track/tracking_config.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/json_reader.hpp"

namespace worktrace::agent::track {

Result<TrackingConfig> parse_tracking_config(const boost::json::value& tracking) {
  auto reader = protocol::ObjectReader::open(tracking, "$.tracking");
  if (!reader) return reader.error();
  TrackingConfig config;
  auto threshold = reader->optional_int("idle_threshold_s", kMinIdleThresholdS, kMaxIdleThresholdS);
  if (!threshold) return threshold.error();
  config.idle_threshold_s = threshold->value_or(config.idle_threshold_s);
  auto paused = reader->optional_bool("paused");
  if (!paused) return paused.error();
  config.paused = paused->value_or(config.paused);
  auto notify = reader->optional_bool("notify_on_start");
  if (!notify) return notify.error();
  config.notify_on_start = notify->value_or(config.notify_on_start);
  if (const auto* schedule = reader->object().if_contains("schedule")) {
    auto parsed = protocol::parse_work_schedule(*schedule, reader->path_of("schedule"));
    if (!parsed) return parsed.error();
    config.schedule = std::move(*parsed);
  }
  auto last_seq = reader->optional_int("last_seq", 0, protocol::kMaxSeq);
  if (!last_seq) return last_seq.error();
  config.last_seq = last_seq->value_or(0);
  return config;
}

boost::json::object to_json(const TrackingConfig& config) {
  return {{"idle_threshold_s", config.idle_threshold_s},
          {"paused", config.paused},
          {"notify_on_start", config.notify_on_start},
          {"schedule", protocol::work_schedule_json(config.schedule)},
          {"last_seq", config.last_seq}};
}

}  // namespace worktrace::agent::track
