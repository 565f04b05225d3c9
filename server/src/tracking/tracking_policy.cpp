#include "tracking/tracking_policy.hpp"

#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

namespace worktrace::tracking {

boost::json::object policy_json(const TrackingPolicy& policy) {
  return {{"idle_threshold_s", policy.idle_threshold_s},
          {"notify_on_start", policy.notify_on_start},
          {"schedule", protocol::work_schedule_json(policy.schedule)}};
}

Result<PolicyPatch> read_policy_patch(const boost::json::value& body) {
  auto reader = protocol::ObjectReader::open(body);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"idle_threshold_s", "notify_on_start", "schedule"});
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
  return changed;
}

std::string config_message_json(const TrackingPolicy& policy, bool paused, std::int64_t last_seq,
                                const protocol::RedactionPolicy& redaction) {
  boost::json::object tracking = policy_json(policy);
  tracking["paused"] = paused;
  tracking["last_seq"] = last_seq;
  const boost::json::object message = {{"type", "config"},
                                       {"tracking", std::move(tracking)},
                                       {"redaction", protocol::redaction_policy_json(redaction)}};
  return boost::json::serialize(message);
}

Result<TrackingPolicy> load_policy(storage::Connection& connection, OrgId org_id) {
  auto statement = connection.prepare(
      "SELECT idle_threshold_s, notify_on_start, schedule FROM tracking_policies "
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
  return policy;
}

Result<void> store_policy(storage::Connection& connection, OrgId org_id,
                          const TrackingPolicy& policy, EpochMs now) {
  auto statement = connection.prepare(
      "INSERT INTO tracking_policies (org_id, idle_threshold_s, notify_on_start, schedule, "
      "updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET "
      "idle_threshold_s = excluded.idle_threshold_s, notify_on_start = excluded.notify_on_start, "
      "schedule = excluded.schedule, updated_ms = excluded.updated_ms");
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
  s.bind_int(5, now);
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
