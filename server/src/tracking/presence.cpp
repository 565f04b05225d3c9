#include "tracking/presence.hpp"

#include "auth/person.hpp"
#include "auth/policy.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <limits>
#include <utility>

namespace worktrace::tracking {
// The person a device belongs to now, as publishing needs it.
struct DeviceOwner {
  std::optional<UserId> user_id;
  std::vector<TeamId> team_ids;
  bool paused = false;  // the person's tracking is paused (restriction of processing)
};

namespace {

// The states an agent reports (protocol: track_state_name) and what they mean live.
constexpr std::array<std::pair<std::string_view, LiveStatus>, 4> kAgentStates = {{
    {"active", LiveStatus::active},
    {"idle", LiveStatus::idle},
    {"paused", LiveStatus::paused},
    {"off_hours", LiveStatus::off_hours},
}};

std::optional<LiveStatus> parse_agent_state(std::string_view name) {
  for (const auto& [state_name, status] : kAgentStates) {
    if (state_name == name) return status;
  }
  return std::nullopt;
}

// Only these states carry the focused window; the others never show one.
bool shows_window(LiveStatus status) {
  return status == LiveStatus::active || status == LiveStatus::idle;
}

// The person a device belongs to now, with their teams (the policy's input).

Result<DeviceOwner> load_owner(storage::Connection& connection, const DevicePrincipal& device) {
  auto statement = connection.prepare(
      "SELECT d.user_id, u.tracking_paused FROM devices d LEFT JOIN users u ON u.id = d.user_id "
      "WHERE d.id = ? AND d.org_id = ?");
  if (!statement) return statement.error();
  (*statement)->bind_int(1, device.device_id);
  (*statement)->bind_int(2, device.org_id);
  auto row = (*statement)->step();
  if (!row) return row.error();
  DeviceOwner owner;
  if (!*row || (*statement)->column_is_null(0)) return owner;
  owner.user_id = (*statement)->column_int(0);
  owner.paused = (*statement)->column_int(1) != 0;
  statement->reset();
  auto membership = auth::load_membership(connection, *owner.user_id);
  if (!membership) return membership.error();
  owner.team_ids = std::move(membership->team_ids);
  return owner;
}

boost::json::value optional_json(const std::optional<std::int64_t>& value) {
  return value ? boost::json::value(*value) : boost::json::value(nullptr);
}

// A device of the organization as GET /activity/live needs it.
struct AssignedDevice {
  DeviceId device_id = 0;
  UserId user_id = 0;
  EpochMs last_seen_at = 0;
};

Result<std::vector<AssignedDevice>> load_assigned_devices(storage::Connection& connection,
                                                          OrgId org_id) {
  auto statement = connection.prepare(
      "SELECT id, user_id, last_seen_at FROM devices WHERE org_id = ? AND revoked_at IS NULL "
      "AND user_id IS NOT NULL ORDER BY id");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, org_id);
  std::vector<AssignedDevice> devices;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    devices.push_back({s.column_int(0), s.column_int(1), s.column_int(2)});
  }
  return devices;
}

}  // namespace

std::string_view live_status_name(LiveStatus status) noexcept {
  switch (status) {
    case LiveStatus::offline:
      return "offline";
    case LiveStatus::online:
      return "online";
    case LiveStatus::off_hours:
      return "off_hours";
    case LiveStatus::paused:
      return "paused";
    case LiveStatus::idle:
      return "idle";
    case LiveStatus::active:
      return "active";
  }
  return "offline";
}

boost::json::object live_person_json(const LivePerson& person) {
  boost::json::array teams;
  for (const TeamId team : person.team_ids) teams.emplace_back(team);
  return {{"user_id", person.user_id},
          {"name", person.name},
          {"email", person.email},
          {"team_ids", std::move(teams)},
          {"status", live_status_name(person.status)},
          {"app", person.app},
          {"title", person.title},
          {"since", optional_json(person.since)},
          {"device_id", optional_json(person.device_id)},
          {"last_seen_at", optional_json(person.last_seen_at)}};
}

Presence::Presence(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth,
                   TrackingService& tracking, const Clock& clock)
    : db_(db), hub_(hub), auth_(auth), tracking_(tracking), clock_(clock) {}

std::vector<std::string> Presence::on_connected(const DevicePrincipal& device) {
  const DevicePresence state{device.org_id, LiveStatus::online, {}, {}, clock_.now_ms()};
  {
    std::lock_guard lock(mutex_);
    devices_[device.device_id] = state;
  }
  publish(device, state);
  // Sent now rather than returned, under the same lock as pushes (see send_config): it goes
  // out just before the welcome.
  tracking_.send_config(device);
  return {};
}

bool Presence::handles(std::string_view type) const { return type == "activity"; }

Result<std::optional<std::string>> Presence::on_message(const DevicePrincipal& device,
                                                        std::string_view type,
                                                        const boost::json::value& json) {
  if (type != "activity") {
    return fail(Errc::invalid_argument, "unknown message type '" + std::string(type) + "'");
  }
  auto reader = protocol::ObjectReader::open(json);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"type", "state", "app", "title", "since"}); !known) {
    return known.error();
  }
  auto state_name = reader->required_string("state", 16);
  if (!state_name) return state_name.error();
  const auto status = parse_agent_state(*state_name);
  if (!status) {
    return fail(Errc::invalid_argument,
                reader->path_of("state") + ": must be active, idle, paused or off_hours");
  }
  auto app = reader->optional_string("app", kMaxAppBytes);
  if (!app) return app.error();
  auto title = reader->optional_string("title", kMaxTitleBytes);
  if (!title) return title.error();
  auto since = reader->required_int("since", 0, std::numeric_limits<std::int64_t>::max());
  if (!since) return since.error();
  const EpochMs now = clock_.now_ms();
  if (*since > now + kMaxSinceAheadMs) {
    return fail(Errc::invalid_argument, reader->path_of("since") + ": is in the future");
  }
  if (*since < now - kMaxSinceAgeMs) {
    return fail(Errc::invalid_argument, reader->path_of("since") + ": is more than 31 days ago");
  }

  auto owner =
      db_.read([&](storage::Connection& connection) { return load_owner(connection, device); });
  if (!owner) return owner.error();
  DevicePresence state{device.org_id, *status, {}, {}, *since};
  // A paused person is shown paused whatever the agent says (an old agent, or one that has
  // not heard of the pause yet): their window is never shown.
  if (owner->paused && shows_window(state.status)) state.status = LiveStatus::paused;
  if (shows_window(state.status)) {
    state.app = app->value_or("");
    state.title = title->value_or("");
  }
  {
    std::lock_guard lock(mutex_);
    devices_[device.device_id] = state;
  }
  publish(device, state, &*owner);
  return std::optional<std::string>();
}

void Presence::reassigned(DeviceId device_id) {
  std::optional<DevicePresence> state;
  {
    std::lock_guard lock(mutex_);
    const auto found = devices_.find(device_id);
    if (found == devices_.end()) return;
    // What the window showed was the previous owner's: nothing until the agent says again.
    found->second.status = LiveStatus::online;
    found->second.app.clear();
    found->second.title.clear();
    found->second.since = clock_.now_ms();
    state = found->second;
  }
  publish(DevicePrincipal{device_id, state->org_id, std::nullopt}, *state);
}

void Presence::on_disconnected(const DevicePrincipal& device) {
  {
    std::lock_guard lock(mutex_);
    // A newer connection of the device registers with the hub before its on_connected takes
    // this lock: when it is online, the entry is (or will be) that connection's.
    if (hub_.is_online(device.device_id)) return;
    devices_.erase(device.device_id);
  }
  publish(device, DevicePresence{device.org_id, LiveStatus::offline, {}, {}, clock_.now_ms()});
}

std::optional<DevicePresence> Presence::device(DeviceId device_id) const {
  std::lock_guard lock(mutex_);
  const auto found = devices_.find(device_id);
  if (found == devices_.end()) return std::nullopt;
  return found->second;
}

void Presence::publish(const DevicePrincipal& device, const DevicePresence& state,
                       const DeviceOwner* known) {
  Result<DeviceOwner> owner = known != nullptr ? Result<DeviceOwner>(*known)
                                               : db_.read([&](storage::Connection& connection) {
                                                   return load_owner(connection, device);
                                                 });
  if (!owner) {
    // Unknown owner: only those who see every device of the organization hear of it.
    spdlog::error("tracking: cannot load the owner of device {}: {}", device.device_id,
                  owner.error().message);
    owner = DeviceOwner{};
  }
  const boost::json::object event = {{"type", "activity.state"},
                                     {"user_id", optional_json(owner->user_id)},
                                     {"device_id", device.device_id},
                                     {"status", live_status_name(state.status)},
                                     {"app", state.app},
                                     {"title", state.title},
                                     {"since", state.since}};
  // may_view_device is may_view_person for an assigned device, and owners and admins only
  // for an unassigned one.
  hub_.publish_to_org(device.org_id, realtime::Frame::text(boost::json::serialize(event)),
                      [&](const Actor& viewer) {
                        return auth::may_view_device(viewer, device.org_id, owner->user_id,
                                                     owner->team_ids);
                      });
}

Result<std::vector<LivePerson>> Presence::live(const Actor& actor) {
  if (auto allowed = auth::authorize(
          actor, {Role::owner, Role::admin, Role::manager, Role::employee}, Scope::reports_read);
      !allowed) {
    return allowed.error();
  }
  struct Loaded {
    std::vector<auth::Person> people;
    std::vector<AssignedDevice> devices;
  };
  auto loaded = db_.read([&](storage::Connection& connection) -> Result<Loaded> {
    auth::PeopleFilter filter;
    filter.status = auth::PersonStatus::active;
    if (actor.role == Role::manager) filter.visible_to_manager = actor.user_id;
    auto people = auth::load_people(connection, actor.org_id, filter);
    if (!people) return people.error();
    auto devices = load_assigned_devices(connection, actor.org_id);
    if (!devices) return devices.error();
    return Loaded{std::move(*people), std::move(*devices)};
  });
  if (!loaded) return loaded.error();

  std::map<DeviceId, DevicePresence> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = devices_;
  }
  std::vector<LivePerson> live;
  for (auth::Person& person : loaded->people) {
    if (!auth::may_view_person(actor, actor.org_id, person.id, person.team_ids)) continue;
    LivePerson entry;
    entry.user_id = person.id;
    entry.name = std::move(person.name);
    entry.email = std::move(person.email);
    entry.team_ids = std::move(person.team_ids);
    for (const AssignedDevice& device : loaded->devices) {
      if (device.user_id != entry.user_id) continue;
      if (!entry.last_seen_at || device.last_seen_at > *entry.last_seen_at) {
        entry.last_seen_at = device.last_seen_at;
      }
      const auto found = snapshot.find(device.device_id);
      const bool connected = found != snapshot.end() && found->second.org_id == actor.org_id;
      const LiveStatus status = connected ? found->second.status : LiveStatus::offline;
      const EpochMs since = connected ? found->second.since : device.last_seen_at;
      // The most active device wins; among equals, the one whose state is newest.
      const bool better = !entry.device_id || status > entry.status ||
                          (status == entry.status && since > entry.since.value_or(0));
      if (!better) continue;
      entry.status = status;
      entry.device_id = device.device_id;
      entry.since = since;
      entry.app = connected ? found->second.app : std::string();
      entry.title = connected ? found->second.title : std::string();
    }
    live.push_back(std::move(entry));
  }
  return live;
}

}  // namespace worktrace::tracking
