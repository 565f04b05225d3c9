#include "tracking/tracking_policy.hpp"

#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

namespace worktrace::tracking {

namespace {

// The members of the policy that the `config` message carries under "tracking".
boost::json::object tracking_json(const TrackingPolicy& policy) {
  return {{"idle_threshold_s", policy.idle_threshold_s},
          {"notify_on_start", policy.notify_on_start},
          {"schedule", protocol::work_schedule_json(policy.schedule)}};
}

// The screenshots member of a PUT body: validated by protocol::read_screenshot_policy (which
// names the failing path), then the keys present (and not null) become the patch.
Result<ScreenshotPatch> read_screenshot_patch(const boost::json::value& value,
                                              const std::string& path) {
  auto parsed = protocol::read_screenshot_policy(value, protocol::ScreenshotPolicy{}, path,
                                                 /*reject_unknown=*/true);
  if (!parsed) return parsed.error();
  const boost::json::object& given = value.as_object();
  const auto present = [&](std::string_view key) {
    const auto* found = given.if_contains(key);
    return found != nullptr && !found->is_null();
  };
  ScreenshotPatch patch;
  if (present("enabled")) patch.enabled = parsed->enabled;
  if (present("interval_s")) patch.interval_s = parsed->interval_s;
  if (present("per_interval")) patch.per_interval = parsed->per_interval;
  if (present("quality")) patch.quality = parsed->quality;
  if (present("downscale")) patch.downscale = parsed->downscale;
  if (present("blur_px")) patch.blur_px = parsed->blur_px;
  return patch;
}

// `policy` with the fields `patch` sets replaced.
protocol::ScreenshotPolicy patched(protocol::ScreenshotPolicy policy,
                                   const ScreenshotPatch& patch) {
  policy.enabled = patch.enabled.value_or(policy.enabled);
  policy.interval_s = patch.interval_s.value_or(policy.interval_s);
  policy.per_interval = patch.per_interval.value_or(policy.per_interval);
  policy.quality = patch.quality.value_or(policy.quality);
  policy.downscale = patch.downscale.value_or(policy.downscale);
  policy.blur_px = patch.blur_px.value_or(policy.blur_px);
  return policy;
}

// The stored screenshot settings of `org_id` (column text); the defaults, with a warning, when
// they no longer parse: a bad row must not keep the organization's agents from their config.
protocol::ScreenshotPolicy stored_screenshots(std::string_view text, OrgId org_id) {
  auto json = protocol::parse_json(text);
  auto policy = json ? protocol::read_screenshot_policy(*json, protocol::ScreenshotPolicy{},
                                                        "$.screenshots", /*reject_unknown=*/false)
                     : Result<protocol::ScreenshotPolicy>(json.error());
  if (!policy) {
    spdlog::warn(
        "tracking: the stored screenshot settings of organization {} are invalid ({}); using "
        "the defaults",
        org_id, policy.error().message);
    return protocol::ScreenshotPolicy{};
  }
  return *policy;
}

}  // namespace

boost::json::object policy_json(const TrackingPolicy& policy) {
  boost::json::object json = tracking_json(policy);
  json["screenshots"] = protocol::to_json(policy.screenshots);
  return json;
}

Result<PolicyPatch> read_policy_patch(const boost::json::value& body) {
  auto reader = protocol::ObjectReader::open(body);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown(
          {"idle_threshold_s", "notify_on_start", "schedule", "screenshots"});
      !known) {
    return known.error();
  }
  PolicyPatch patch;
  auto threshold = reader->optional_int("idle_threshold_s", kMinIdleThresholdS, kMaxIdleThresholdS);
  if (!threshold) return threshold.error();
  patch.idle_threshold_s = *threshold;
  auto notify = reader->optional_bool("notify_on_start");
  if (!notify) return notify.error();
  patch.notify_on_start = *notify;
  if (const auto* schedule = reader->object().if_contains("schedule")) {
    auto parsed = protocol::parse_work_schedule(*schedule, reader->path_of("schedule"));
    if (!parsed) return parsed.error();
    patch.schedule = std::move(*parsed);
  }
  if (const auto* screenshots = reader->object().if_contains("screenshots")) {
    auto parsed = read_screenshot_patch(*screenshots, reader->path_of("screenshots"));
    if (!parsed) return parsed.error();
    patch.screenshots = *parsed;
  }
  return patch;
}

std::vector<std::string> apply_patch(TrackingPolicy& policy, const PolicyPatch& patch) {
  std::vector<std::string> changed;
  if (patch.idle_threshold_s && *patch.idle_threshold_s != policy.idle_threshold_s) {
    policy.idle_threshold_s = *patch.idle_threshold_s;
    changed.emplace_back("idle_threshold_s");
  }
  if (patch.notify_on_start && *patch.notify_on_start != policy.notify_on_start) {
    policy.notify_on_start = *patch.notify_on_start;
    changed.emplace_back("notify_on_start");
  }
  if (patch.schedule && *patch.schedule != policy.schedule) {
    policy.schedule = *patch.schedule;
    changed.emplace_back("schedule");
  }
  if (patch.screenshots) {
    const protocol::ScreenshotPolicy next = patched(policy.screenshots, *patch.screenshots);
    if (next != policy.screenshots) {
      policy.screenshots = next;
      changed.emplace_back("screenshots");
    }
  }
  return changed;
}

std::string config_message_json(const TrackingPolicy& policy, bool paused, std::int64_t last_seq,
                                const protocol::RedactionPolicy& redaction) {
  boost::json::object tracking = tracking_json(policy);
  tracking["paused"] = paused;
  tracking["last_seq"] = last_seq;
  const boost::json::object message = {{"type", "config"},
                                       {"tracking", std::move(tracking)},
                                       {"redaction", protocol::redaction_policy_json(redaction)},
                                       {"screenshots", protocol::to_json(policy.screenshots)}};
  return boost::json::serialize(message);
}

Result<TrackingPolicy> load_policy(storage::Connection& connection, OrgId org_id) {
  auto statement = connection.prepare(
      "SELECT idle_threshold_s, notify_on_start, schedule, screenshots FROM tracking_policies "
      "WHERE org_id = ?");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, org_id);
  auto row = s.step();
  if (!row) return row.error();
  TrackingPolicy policy;
  if (!*row) return policy;
  policy.idle_threshold_s = s.column_int(0);
  policy.notify_on_start = s.column_int(1) != 0;
  if (!s.column_is_null(2)) {
    auto json = protocol::parse_json(s.column_text(2));
    auto schedule = json ? protocol::parse_work_schedule(*json, "$.schedule")
                         : Result<std::optional<protocol::WorkSchedule>>(json.error());
    if (!schedule) {
      spdlog::error("tracking: the stored schedule of organization {} is invalid: {}", org_id,
                    schedule.error().message);
      return fail(Errc::internal, "the stored tracking schedule is invalid");
    }
    policy.schedule = std::move(*schedule);
  }
  if (!s.column_is_null(3)) policy.screenshots = stored_screenshots(s.column_text(3), org_id);
  return policy;
}

Result<void> store_policy(storage::Connection& connection, OrgId org_id,
                          const TrackingPolicy& policy, EpochMs now) {
  auto statement = connection.prepare(
      "INSERT INTO tracking_policies (org_id, idle_threshold_s, notify_on_start, schedule, "
      "screenshots, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET "
      "idle_threshold_s = excluded.idle_threshold_s, notify_on_start = excluded.notify_on_start, "
      "schedule = excluded.schedule, screenshots = excluded.screenshots, "
      "updated_ms = excluded.updated_ms");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, org_id);
  s.bind_int(2, policy.idle_threshold_s);
  s.bind_int(3, policy.notify_on_start ? 1 : 0);
  if (policy.schedule) {
    s.bind_text(4, boost::json::serialize(protocol::work_schedule_json(policy.schedule)));
  } else {
    s.bind_null(4);
  }
  s.bind_text(5, boost::json::serialize(protocol::to_json(policy.screenshots)));
  s.bind_int(6, now);
  if (auto done = s.step(); !done) return done.error();
  return {};
}

Result<std::vector<DeviceTracking>> load_device_tracking(storage::Connection& connection,
                                                         OrgId org_id, const DeviceFilter& filter) {
  std::string sql =
      "SELECT d.id, d.user_id, coalesce(u.tracking_paused, 0), coalesce(c.last_seq, 0) "
      "FROM devices d LEFT JOIN users u ON u.id = d.user_id "
      "LEFT JOIN ingest_cursors c ON c.device_id = d.id "
      "WHERE d.org_id = ? AND d.revoked_at IS NULL";
  if (filter.device_id) sql += " AND d.id = ?";
  if (filter.user_id) sql += " AND d.user_id = ?";
  sql += " ORDER BY d.id";
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  auto& s = **statement;
  int index = 1;
  s.bind_int(index++, org_id);
  if (filter.device_id) s.bind_int(index++, *filter.device_id);
  if (filter.user_id) s.bind_int(index++, *filter.user_id);
  std::vector<DeviceTracking> devices;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    DeviceTracking device;
    device.device_id = s.column_int(0);
    if (!s.column_is_null(1)) device.user_id = s.column_int(1);
    device.paused = s.column_int(2) != 0;
    device.last_seq = s.column_int(3);
    devices.push_back(device);
  }
  return devices;
}

}  // namespace worktrace::tracking
