#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
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
// screens.ended's reason when the rights could not be re-checked (fail closed).
inline constexpr std::string_view kRecheckFailedReason = "recheck_failed";
// How often screens.watch checks the rights again when they change meanwhile, before it gives
// up with Errc::unavailable (try again).
inline constexpr int kMaxWatchAttempts = 3;

// Live screenshots, relayed in memory and never stored: agents' frames go to the dashboards
// that watch the device's person right now and may see them (docs/api/v1.md, "Screenshots").
//
// As the agents' realtime::AgentMessageHandler it tells each agent whether anyone watches its
// person ({"type":"screens","watching"}: after the config on connection, then on every change
// between nobody and somebody; the last one an agent gets always says how things stand),
// relays screenshot_refused, and takes the binary frames (on_binary, on the network thread:
// memory only, never the database). viewer_handler() takes the dashboards' screens.watch and
// screens.capture. Each viewing (viewer, person) is audited as screens.view_started and
// screens.view_ended {duration_ms, frames}, where `frames` counts the frames handed to the
// viewer's connection (Peer::send) during the viewing: a frame its queue later replaced by a
// newer one of the same screen, or dropped, is counted too. Captures are audited as
// screens.capture_requested.
//
// Races with the database: what is read there (a device's person, a viewer's rights) is
// applied under the mutex only if no change was announced since the read (reassigned() bumps
// a generation per device, access_changed() one per organization); otherwise it is read again.
//
// Thread safety: one mutex over the maps; database work and audit writes happen outside it.
// Frames are queued to viewers under it (Peer::send never blocks), so that once a viewing has
// ended no frame of it is queued any more and those still queued are dropped. A second mutex
// orders the `screens` messages to agents (taken before the first, never on the frame path).
// Frame bytes are never logged.
class ScreenRelay final : public realtime::AgentMessageHandler {
 public:
  // All references must outlive the relay.
  ScreenRelay(storage::Db& db, realtime::Hub& hub, const Clock& clock);
  ScreenRelay(const ScreenRelay&) = delete;
  ScreenRelay& operator=(const ScreenRelay&) = delete;

  // Forgets the device's earlier connection: until after_registered, the agent hears no
  // `screens` message (it could arrive before the welcome and config). Returns nothing.
  [[nodiscard]] std::vector<std::string> on_connected(const DevicePrincipal& device) override;
  // Reads the device's person as stored now (none when revoked or unassigned; on a database
  // failure, the person it authenticated as), records it and sends the agent
  // {"type":"screens","watching":...} through the hub, in the order of the other `screens`
  // messages: after the welcome and config, and never overtaken by an older state.
  void after_registered(const DevicePrincipal& device) override;
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
  // The WTV1 payload (prefix + JPEG) is built in one allocation straight from `message`.
  [[nodiscard]] Result<void> on_binary(const DevicePrincipal& device,
                                       std::string_view message) override;

  // The dashboards' side: screens.watch and screens.capture, and their disconnection.
  [[nodiscard]] realtime::ViewerMessageHandler& viewer_handler() { return viewer_side_; }

  // {"type":"screens.watch","user_ids":[...]}: replaces what the viewer watches with the ids
  // it may watch (check_watch, read now; read again when access_changed ran meanwhile, at
  // most kMaxWatchAttempts times, then Errc::unavailable and nothing changes); ends the
  // viewings no longer in the set and drops their frames still queued. Replies
  // screens.watching. Errc::invalid_argument for a malformed message (nothing changes). A
  // start audited but then not applied (the rights changed) is closed in the audit by a
  // view_ended of zero duration and frames.
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
  // at once, and the agent hears whether that person is watched. Call after the change
  // committed. Calls racing each other or a connection end on the latest assignment; when
  // the person cannot be read, the device's frames go nowhere (fail closed).
  void reassigned(DeviceId device_id);
  // What people of `org_id` may do changed: re-checks every viewing of the organization's
  // people and ends those no longer allowed with screens.ended (kAccessLostReason) and an
  // audit row; when the database cannot be read, ends all of them (kRecheckFailedReason).
  // Call after the change committed. Reads the database on the calling thread.
  void access_changed(OrgId org_id);

  // How many viewings are open (for tests and metrics).
  [[nodiscard]] std::size_t viewing_count() const;

  // The points between a database read and the locked step that applies what was read.
  enum class Step {
    person_read,  // after_registered and reassigned read the device's person
    rights_read,  // watch read the viewer's rights
  };
  // Test seam: `hook` runs on the calling thread at each Step, holding no lock of the relay
  // (it may call the relay), so a test can put a concurrent change exactly there. Set before
  // use: not guarded.
  void set_step_hook(std::function<void(Step)> hook) { step_hook_ = std::move(hook); }

 private:
  struct Viewing {
    EpochMs started_at = 0;
    std::uint64_t frames = 0;     // handed to the viewer's peer
    EpochMs last_capture_at = 0;  // 0: none yet
    std::set<std::uint64_t> streams;  // the replace_keys of the frames handed over
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

  // Removes viewing (viewer_id, person) if open and drops its frames still queued to the
  // viewer; appends it to `ended` and the agent notices of a person nobody watches any more to
  // `notices`. Requires mutex_.
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
  // Ends the viewings of `checks` still open, tells each viewer screens.ended with `reason`
  // and audits them.
  struct Check {
    realtime::ViewerId viewer_id = 0;
    Actor viewer;
    UserId person = 0;
  };
  void end_viewings(const std::vector<Check>& checks, std::string_view reason);
  // The device's person as stored now: nullopt when unassigned, revoked or gone.
  [[nodiscard]] Result<std::optional<UserId>> read_person(OrgId org_id, DeviceId device_id);
  // The generations (0 before the first change). Require mutex_.
  [[nodiscard]] std::uint64_t assignment_generation_locked(DeviceId device_id) const;
  [[nodiscard]] std::uint64_t access_generation_locked(OrgId org_id) const;
  void run_step_hook(Step step) const {
    if (step_hook_) step_hook_(step);
  }

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
  // Bumped by each reassigned(device), connected here or not.
  std::map<DeviceId, std::uint64_t> assignment_generations_;
  // Bumped by each access_changed(org).
  std::map<OrgId, std::uint64_t> access_generations_;

  std::function<void(Step)> step_hook_;  // set before use, then read-only
};

}  // namespace worktrace::screens
