#include "state/agent_status.hpp"

#include "protocol/json_reader.hpp"
#include "state/agent_config.hpp"
#include "state/private_file.hpp"

#include <boost/json/serialize.hpp>

#include <limits>
#include <tuple>
#include <utility>

namespace worktrace::agent::state {
namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kMaxErrorBytes = 1024;

Error in_file(const Error& error) {
  return fail(Errc::invalid_argument, std::string(kStatusFileName) + ": " + error.message);
}

boost::json::value nullable(const std::optional<EpochMs>& value) {
  if (!value) return nullptr;
  return *value;
}

boost::json::value tracking_json(const std::optional<TrackingStatus>& tracking) {
  if (!tracking) return nullptr;
  return boost::json::object{{"state", tracking->state},
                             {"since", nullable(tracking->since)},
                             {"app", tracking->app},
                             {"title", tracking->title},
                             {"url", tracking->url},
                             {"private", tracking->is_private},
                             {"detail", tracking->detail},
                             {"idle_threshold_s", tracking->idle_threshold_s},
                             {"work_hours", tracking->work_hours},
                             {"notify_on_start", tracking->notify_on_start}};
}

boost::json::value upload_json(const std::optional<UploadState>& upload) {
  if (!upload) return nullptr;
  return boost::json::object{{"pending_records", upload->pending_records},
                             {"dropped_total", upload->dropped_total},
                             {"oldest_pending", nullable(upload->oldest_pending)},
                             {"last_upload_at", nullable(upload->last_upload_at)},
                             {"last_error", upload->last_error}};
}

boost::json::value screenshots_json(const std::optional<ScreenshotStatus>& screenshots) {
  if (!screenshots) return nullptr;
  return boost::json::object{{"enabled", screenshots->enabled},
                             {"interval_s", screenshots->interval_s},
                             {"per_interval", screenshots->per_interval},
                             {"blur_px", screenshots->blur_px},
                             {"watching", screenshots->watching},
                             {"frames_sent", screenshots->frames_sent},
                             {"frames_dropped", screenshots->frames_dropped}};
}

Result<std::optional<ScreenshotStatus>> read_screenshots(const protocol::ObjectReader& status) {
  auto object = status.optional_object("screenshots");
  if (!object) return object.error();
  if (!object->has_value()) return std::optional<ScreenshotStatus>();
  const auto& reader = **object;
  ScreenshotStatus screenshots;
  for (auto [key, out] :
       {std::pair{"enabled", &screenshots.enabled}, std::pair{"watching", &screenshots.watching}}) {
    auto value = reader.optional_bool(key);
    if (!value) return value.error();
    *out = value->value_or(false);
  }
  for (auto [key, out] : {std::pair{"interval_s", &screenshots.interval_s},
                          std::pair{"per_interval", &screenshots.per_interval},
                          std::pair{"blur_px", &screenshots.blur_px},
                          std::pair{"frames_sent", &screenshots.frames_sent},
                          std::pair{"frames_dropped", &screenshots.frames_dropped}}) {
    auto value = reader.optional_int(key, 0, kMaxInt);
    if (!value) return value.error();
    *out = value->value_or(0);
  }
  return std::optional<ScreenshotStatus>(screenshots);
}

Result<std::optional<TrackingStatus>> read_tracking(const protocol::ObjectReader& status) {
  auto object = status.optional_object("tracking");
  if (!object) return object.error();
  if (!object->has_value()) return std::optional<TrackingStatus>();
  const auto& reader = **object;
  TrackingStatus tracking;
  for (auto [key, out, max] : {std::tuple{"state", &tracking.state, std::size_t{32}},
                               std::tuple{"app", &tracking.app, std::size_t{1024}},
                               std::tuple{"title", &tracking.title, std::size_t{4096}},
                               std::tuple{"url", &tracking.url, std::size_t{4096}},
                               std::tuple{"detail", &tracking.detail, kMaxErrorBytes}}) {
    auto value = reader.optional_string(key, max);
    if (!value) return value.error();
    *out = value->value_or("");
  }
  auto since = reader.optional_int("since", 0, kMaxInt);
  if (!since) return since.error();
  tracking.since = *since;
  auto threshold = reader.optional_int("idle_threshold_s", 0, kMaxInt);
  if (!threshold) return threshold.error();
  tracking.idle_threshold_s = threshold->value_or(0);
  auto work_hours = reader.optional_bool("work_hours");
  if (!work_hours) return work_hours.error();
  tracking.work_hours = work_hours->value_or(false);
  auto notify = reader.optional_bool("notify_on_start");
  if (!notify) return notify.error();
  tracking.notify_on_start = notify->value_or(false);
  auto is_private = reader.optional_bool("private");
  if (!is_private) return is_private.error();
  tracking.is_private = is_private->value_or(false);
  return std::optional<TrackingStatus>(std::move(tracking));
}

Result<std::optional<UploadState>> read_upload(const protocol::ObjectReader& status) {
  auto object = status.optional_object("upload");
  if (!object) return object.error();
  if (!object->has_value()) return std::optional<UploadState>();
  const auto& reader = **object;
  UploadState upload;
  for (auto [key, out] : {std::pair{"pending_records", &upload.pending_records},
                          std::pair{"dropped_total", &upload.dropped_total}}) {
    auto value = reader.optional_int(key, 0, kMaxInt);
    if (!value) return value.error();
    *out = value->value_or(0);
  }
  for (auto [key, out] : {std::pair{"oldest_pending", &upload.oldest_pending},
                          std::pair{"last_upload_at", &upload.last_upload_at}}) {
    auto value = reader.optional_int(key, 0, kMaxInt);
    if (!value) return value.error();
    *out = *value;
  }
  auto error = reader.optional_string("last_error", kMaxErrorBytes);
  if (!error) return error.error();
  upload.last_error = error->value_or("");
  return std::optional<UploadState>(std::move(upload));
}

}  // namespace

std::string_view state_name(AgentState state) noexcept {
  switch (state) {
    case AgentState::connecting:
      return "connecting";
    case AgentState::connected:
      return "connected";
    case AgentState::backoff:
      return "backoff";
    case AgentState::stopped:
      return "stopped";
    case AgentState::revoked:
      return "revoked";
  }
  return "stopped";
}

std::optional<AgentState> parse_state(std::string_view name) noexcept {
  for (const AgentState state : {AgentState::connecting, AgentState::connected, AgentState::backoff,
                                 AgentState::stopped, AgentState::revoked}) {
    if (state_name(state) == name) return state;
  }
  return std::nullopt;
}

boost::json::object to_json(const AgentStatus& status) {
  boost::json::value last_error = nullptr;
  if (!status.last_error.empty()) last_error = status.last_error;
  return {
      {"state", state_name(status.state)},
      {"server", status.server},
      {"device_id", status.device_id},
      {"pid", status.pid},
      {"connected_since", nullable(status.connected_since)},
      {"last_error", std::move(last_error)},
      {"next_retry_at", nullable(status.next_retry_at)},
      {"updated_at", status.updated_at},
      {"tracking", tracking_json(status.tracking)},
      {"upload", upload_json(status.upload)},
      {"screenshots", screenshots_json(status.screenshots)},
      {"local_api_error", status.local_api_error.empty()
                              ? boost::json::value(nullptr)
                              : boost::json::value(status.local_api_error)},
  };
}

Result<AgentStatus> parse_agent_status(std::string_view text) {
  auto document = protocol::parse_json(text);
  if (!document) return in_file(document.error());
  auto reader = protocol::ObjectReader::open(*document);
  if (!reader) return in_file(reader.error());
  AgentStatus status;
  auto state = reader->required_string("state", 32);
  if (!state) return in_file(state.error());
  const auto parsed_state = parse_state(*state);
  if (!parsed_state) {
    return fail(Errc::invalid_argument,
                std::string(kStatusFileName) + ": $.state: unknown state \"" + *state + "\"");
  }
  status.state = *parsed_state;
  auto server = reader->optional_string("server", 2048);
  if (!server) return in_file(server.error());
  status.server = server->value_or("");
  auto last_error = reader->optional_string("last_error", kMaxErrorBytes);
  if (!last_error) return in_file(last_error.error());
  status.last_error = last_error->value_or("");
  auto local_api_error = reader->optional_string("local_api_error", kMaxErrorBytes);
  if (!local_api_error) return in_file(local_api_error.error());
  status.local_api_error = local_api_error->value_or("");

  auto read_int = [&](std::string_view key,
                      std::int64_t min) -> Result<std::optional<std::int64_t>> {
    auto value = reader->optional_int(key, min, kMaxInt);
    if (!value) return in_file(value.error());
    return *value;
  };
  auto device_id = read_int("device_id", 0);
  if (!device_id) return device_id.error();
  status.device_id = device_id->value_or(0);
  auto pid = read_int("pid", 0);
  if (!pid) return pid.error();
  status.pid = pid->value_or(0);
  auto connected_since = read_int("connected_since", 0);
  if (!connected_since) return connected_since.error();
  status.connected_since = *connected_since;
  auto next_retry_at = read_int("next_retry_at", 0);
  if (!next_retry_at) return next_retry_at.error();
  status.next_retry_at = *next_retry_at;
  auto updated_at = read_int("updated_at", 0);
  if (!updated_at) return updated_at.error();
  status.updated_at = updated_at->value_or(0);
  auto tracking = read_tracking(*reader);
  if (!tracking) return in_file(tracking.error());
  status.tracking = std::move(*tracking);
  auto upload = read_upload(*reader);
  if (!upload) return in_file(upload.error());
  status.upload = std::move(*upload);
  auto screenshots = read_screenshots(*reader);
  if (!screenshots) return in_file(screenshots.error());
  status.screenshots = *screenshots;
  return status;
}

Result<AgentStatus> load_agent_status(const std::filesystem::path& dir) {
  auto text = read_small_file(dir / kStatusFileName, kMaxStateFileBytes);
  if (!text) return text.error();
  return parse_agent_status(*text);
}

Result<void> save_agent_status(const std::filesystem::path& dir, const AgentStatus& status) {
  if (auto made = ensure_private_dir(dir); !made) return made.error();
  return write_private_file(dir / kStatusFileName, boost::json::serialize(to_json(status)) + "\n");
}

}  // namespace worktrace::agent::state
