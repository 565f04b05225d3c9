#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::screens {

// How far a frame's taken_at may lie in the past and in the future of the server's clock.
inline constexpr EpochMs kMaxFrameAgeMs = 10LL * 60 * 1000;
inline constexpr EpochMs kMaxFrameAheadMs = 5LL * 60 * 1000;
// At most one capture on demand per viewer and person in this time.
inline constexpr EpochMs kCaptureIntervalMs = 2000;
// screens.ended's reason when a viewer lost the right to watch.
inline constexpr std::string_view kAccessLostReason = "access_lost";

// Live screenshots, relayed in memory and never stored: agents' frames go to the dashboards
// that watch the device's person right now and may see them (docs/api/v1.md, "Screenshots").
//
// As the agents' realtime::AgentMessageHandler it tells each agent whether anyone watches its
// person ({"type":"screens","watching"}: after the config on connection, then on every change
// between nobody and somebody), relays screenshot_refused, and takes the binary frames
// (on_binary, on the network thread: memory only, never the database). viewer_handler() takes
// the dashboards' screens.watch and screens.capture. Each viewing (viewer, person) is audited
// as screens.view_started and screens.view_ended {duration_ms, frames}; captures as
// screens.capture_requested.
//
// Thread safety: one mutex over the maps; database work, audit writes and sends happen outside
// it. A second mutex orders the `screens` messages to agents (taken before the first, never on
// the frame path). Frame bytes are never logged.
class ScreenRelay final : public realtime::AgentMessageHandler {
 public:
  // All references must outlive the relay.
  ScreenRelay(storage::Db& db, realtime::Hub& hub, const Clock& clock);
  ScreenRelay(const ScreenRelay&) = delete;
  ScreenRelay& operator=(const ScreenRelay&) = delete;

  // Reads the device's person and returns {"type":"screens","watching":...}.
  [[nodiscard]] std::vector<std::string> on_connected(const DevicePrincipal& device) override;
  // Only "screenshot_refused".
  [[nodiscard]] bool handles(std::string_view type) const override;
  // {"type":"screenshot_refused","request_id","reason"}: relayed to the viewers watching the
  // device's person as screens.refused; no reply. Errc::invalid_argument naming the path.
  [[nodiscard]] Result<std::optional<std::string>> on_message(
      const DevicePrincipal& device, std::string_view type,
      const boost::json::value& json) override;
  // Forgets the device unless a newer connection of it is online.
  void on_disconnected(const DevicePrincipal& device) override;
  [[nodiscard]] bool takes_binary() const override { return true; }
  // One WTS1 frame: protocol::parse_agent_frame, and taken_at within [now - kMaxFrameAgeMs,
  // now + kMaxFrameAheadMs], else Errc::invalid_argument (or payload_too_large) saying what is
  // wrong. A valid frame of a device whose person nobody watches (or of an unassigned or
  // unknown device) is dropped without error; otherwise one WTV1 payload is built and queued,
  // droppable and keyed by stream_key, to every watching viewer.
  [[nodiscard]] Result<void> on_binary(const DevicePrincipal& device, std::string message) override;

  // The dashboards' side: screens.watch and screens.capture, and their disconnection.
  [[nodiscard]] realtime::ViewerMessageHandler& viewer_handler() { return viewer_side_; }

  // {"type":"screens.watch","user_ids":[...]}: replaces what the viewer watches with the ids
  // it may watch (check_watch, read now); ends the viewings no longer in the set. Replies
  // screens.watching. Errc::invalid_argument for a malformed message (nothing changes).
  [[nodiscard]] Result<std::string> watch(const Actor& viewer, realtime::ViewerId viewer_id,
                                          const boost::json::value& json);
  // {"type":"screens.capture","user_id"}: sends capture_now with a fresh request id to each of
  // the person's devices online here and replies screens.capture_sent. Errc::invalid_argument
  // "watch the person first", Errc::rate_limited within kCaptureIntervalMs of the last one for
  // the same viewer and person, Errc::unavailable "no device of this person is online".
  [[nodiscard]] Result<std::string> capture(const Actor& viewer, realtime::ViewerId viewer_id,
                                            const boost::json::value& json);
  // Ends every viewing of the viewer (audited).
  void viewer_disconnected(realtime::ViewerId viewer_id);

  // The device was given to another person (or to nobody): its frames follow the new person
  // at once, and the agent hears whether that person is watched.
  void reassigned(DeviceId device_id);
  // What people of `org_id` may do changed: re-checks every viewing of the organization's
  // people and ends those no longer allowed with screens.ended (kAccessLostReason) and an
  // audit row. Reads the database on the calling thread.
  void access_changed(OrgId org_id);

  // How many viewings are open (for tests and metrics).
  [[nodiscard]] std::size_t viewing_count() const;

 private:
  struct Viewing {
    EpochMs started_at = 0;
    std::uint64_t frames = 0;
    EpochMs last_capture_at = 0;  // 0: none yet
  };
  struct ViewerState {
    Actor actor;
    std::shared_ptr<realtime::Peer> peer;
    std::map<UserId, Viewing> viewings;
  };
  struct DeviceState {
    OrgId org_id = 0;
    std::optional<UserId> person;
  };
  // A viewing that ended, to audit.
  struct Ended {
    Actor viewer;
    UserId person = 0;
    Viewing viewing;
  };
  // `screens` messages owed to agents.
  using Notices = std::vector<std::pair<DeviceId, bool>>;

  class ViewerSide final : public realtime::ViewerMessageHandler {
   public:
    explicit ViewerSide(ScreenRelay& relay) : relay_(relay) {}
    [[nodiscard]] bool handles(std::string_view type) const override;
    [[nodiscard]] Result<std::optional<std::string>> on_message(
        const Actor& viewer, realtime::ViewerId viewer_id, std::string_view type,
        const boost::json::value& json) override;
    void on_disconnected(const Actor& viewer, realtime::ViewerId viewer_id) override;

   private:
    ScreenRelay& relay_;
  };

  // Removes viewing (viewer_id, person) if open; appends it to `ended` and the agent notices
  // of a person nobody watches any more to `notices`. Requires mutex_.
  void end_viewing_locked(realtime::ViewerId viewer_id, UserId person, Ended* ended,
                          Notices& notices);
  // Opens viewing (viewer_id, person) if not open. Requires mutex_.
  void start_viewing_locked(realtime::ViewerId viewer_id, UserId person, EpochMs now,
                            Notices& notices);
  // The devices connected here whose person is `person`. Requires mutex_.
  [[nodiscard]] std::vector<DeviceId> devices_of_locked(UserId person) const;
  // Sends the notices to the agents. Call holding notice_mutex_ but not mutex_.
  void send_notices(const Notices& notices);
  // Appends screens.view_ended {duration_ms, frames} for each; logs a failure.
  void audit_ended(const std::vector<Ended>& ended);

  storage::Db& db_;
  realtime::Hub& hub_;
  const Clock& clock_;
  ViewerSide viewer_side_{*this};

  // Held from a change of who watches whom until its `screens` messages are queued, so each
  // agent hears the changes in order. Taken before mutex_.
  std::mutex notice_mutex_;

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::map<realtime::ViewerId, ViewerState> viewers_;
  std::map<UserId, std::set<realtime::ViewerId>> watchers_;  // person -> viewers watching
  std::map<DeviceId, DeviceState> devices_;                  // agents connected here
};

}  // namespace worktrace::screens
