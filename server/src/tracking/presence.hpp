#pragma once

#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"
#include "tracking/tracking_service.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::tracking {

// Longest app and title of an `activity` message (as in activity spans).
inline constexpr std::size_t kMaxAppBytes = 255;
inline constexpr std::size_t kMaxTitleBytes = 2048;
// How far an `activity` message's `since` may lie in the past and in the future.
inline constexpr EpochMs kMaxSinceAgeMs = 31LL * 24 * 3600 * 1000;
inline constexpr EpochMs kMaxSinceAheadMs = 5LL * 60 * 1000;

// What a device (and a person, through their most active device) is doing now. Declared from
// the least to the most active: a person's status is that of their device that ranks highest.
enum class LiveStatus { offline, online, off_hours, paused, idle, active };

// "offline", "online", "off_hours", "paused", "idle", "active".
[[nodiscard]] std::string_view live_status_name(LiveStatus status) noexcept;

// The state of one connected device: `online` until its first `activity` message, then the
// state that message named, with its app and title (empty unless active or idle).
struct DevicePresence {
  OrgId org_id = 0;
  LiveStatus status = LiveStatus::online;
  std::string app;
  std::string title;
  EpochMs since = 0;  // when this state (or window) began
};

// One person of GET /api/v1/activity/live.
struct LivePerson {
  UserId user_id = 0;
  std::string name;
  std::string email;
  std::vector<TeamId> team_ids;
  LiveStatus status = LiveStatus::offline;
  std::string app;
  std::string title;
  std::optional<EpochMs> since;         // unknown for a person without a device seen
  std::optional<DeviceId> device_id;    // the device the status comes from
  std::optional<EpochMs> last_seen_at;  // the latest of their devices' last_seen_at
};

[[nodiscard]] boost::json::object live_person_json(const LivePerson& person);

struct DeviceOwner;  // presence.cpp

// Live presence: in memory, per node, the latest state of each connected agent. As the
// tracking domain's realtime::AgentMessageHandler it answers the agent's connection with its
// `config`, takes its `activity` messages, and tells the viewers who may see the device's
// person (auth::may_view_person with the person's teams, read when the event happens; an
// unassigned device: owners and admins) with
// {"type":"activity.state","user_id","device_id","status","app","title","since"}.
// Thread-safe (one mutex over the map; database reads and hub sends happen outside it).
class Presence final : public realtime::AgentMessageHandler {
 public:
  // All references must outlive this object.
  Presence(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth, TrackingService& tracking,
           const Clock& clock);
  Presence(const Presence&) = delete;
  Presence& operator=(const Presence&) = delete;

  // Records the device online, publishes its `online` state, and sends the agent its
  // `config` (TrackingService::send_config: ahead of the welcome). Returns nothing to send.
  [[nodiscard]] std::vector<std::string> on_connected(const DevicePrincipal& device) override;
  // Only "activity".
  [[nodiscard]] bool handles(std::string_view type) const override;
  // {"type":"activity","state":"active|idle|paused|off_hours","app"?,"title"?,"since"}:
  // Errc::invalid_argument naming the path for a bad message (unknown keys, state, lengths,
  // since outside [now - 31 days, now + 5 min]). App and title are dropped unless the state
  // is active or idle. Stores and publishes the state; no reply.
  [[nodiscard]] Result<std::optional<std::string>> on_message(
      const DevicePrincipal& device, std::string_view type,
      const boost::json::value& json) override;
  // Forgets the device and publishes `offline`, unless a newer connection of it is online.
  void on_disconnected(const DevicePrincipal& device) override;

  // The state of `device_id`, when it is connected here.
  [[nodiscard]] std::optional<DevicePresence> device(DeviceId device_id) const;

  // Every active person of the caller's organization the caller may see (every role, scope
  // reports:read), sorted by name, with the status of their most active device.
  [[nodiscard]] Result<std::vector<LivePerson>> live(const Actor& actor);

  // The device was given to another person (or to nobody): its window was the previous
  // owner's, so it shows "online" with no window until its agent reports again. Publishes.
  void reassigned(DeviceId device_id);

  // GET /api/v1/activity/live.
  void register_routes(api::Router& router);

 private:
  // Sends the activity.state of `device` to the viewers who may see its person.
  // Sends activity.state to who may see the device's owner (`known`, or read now).
  void publish(const DevicePrincipal& device, const DevicePresence& state,
               const DeviceOwner* known = nullptr);

  storage::Db& db_;
  realtime::Hub& hub_;
  auth::AuthService& auth_;
  TrackingService& tracking_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::map<DeviceId, DevicePresence> devices_;
};

}  // namespace worktrace::tracking
