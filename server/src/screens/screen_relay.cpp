#include "screens/screen_relay.hpp"

#include "audit/audit_log.hpp"
#include "auth/tokens.hpp"
#include "protocol/screen_frame.hpp"
#include "screens/screen_access.hpp"
#include "screens/screen_messages.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace worktrace::screens {
namespace {

constexpr std::string_view kRequestIdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using realtime::Frame;
using realtime::ViewerId;

}  // namespace

ScreenRelay::ScreenRelay(storage::Db& db, realtime::Hub& hub, const Clock& clock)
    : db_(db), hub_(hub), clock_(clock) {}

// ---- agents

std::vector<std::string> ScreenRelay::on_connected(const DevicePrincipal& device) {
  // A `screens` message sent now would go before the welcome and config: the device is known
  // again only from after_registered, which then sends the state as it stands.
  std::lock_guard notice_lock(notice_mutex_);
  std::lock_guard lock(mutex_);
  devices_.erase(device.device_id);
  return {};
}

void ScreenRelay::after_registered(const DevicePrincipal& device) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = assignment_generation_locked(device.device_id);
  }
  for (;;) {
    // The person as stored now: the device may have been reassigned since its authentication.
    std::optional<UserId> person = device.user_id;
    if (auto stored = read_person(device.org_id, device.device_id)) {
      person = *stored;
    } else {
      spdlog::error("screens: cannot read the person of device {}: {}", device.device_id,
                    stored.error().message);
    }
    run_step_hook(Step::person_read);
    // Held until the message is queued: no other `screens` message to this agent goes between.
    std::lock_guard notice_lock(notice_mutex_);
    bool watched = false;
    {
      std::lock_guard lock(mutex_);
      if (const auto latest = assignment_generation_locked(device.device_id);
          latest != generation) {
        generation = latest;  // reassigned meanwhile: read again
        continue;
      }
      devices_[device.device_id] = DeviceState{device.org_id, person};
      watched = person && watchers_.contains(*person);
    }
    send_notices({{device.device_id, watched}});
    return;
  }
}

bool ScreenRelay::handles(std::string_view type) const { return type == "screenshot_refused"; }

Result<std::optional<std::string>> ScreenRelay::on_message(const DevicePrincipal& device,
                                                           std::string_view /*type*/,
                                                           const boost::json::value& json) {
  auto refusal = read_refusal(json);
  if (!refusal) return refusal.error();
  std::vector<std::shared_ptr<realtime::Peer>> targets;
  UserId person = 0;
  {
    std::lock_guard lock(mutex_);
    const auto found = devices_.find(device.device_id);
    if (found != devices_.end() && found->second.person) {
      person = *found->second.person;
      if (const auto watching = watchers_.find(person); watching != watchers_.end()) {
        for (const ViewerId viewer_id : watching->second) {
          targets.push_back(viewers_.at(viewer_id).peer);
        }
      }
    }
  }
  if (!targets.empty()) {
    const Frame frame = Frame::text(refused_message(person, device.device_id, *refusal));
    for (const auto& peer : targets) peer->send(frame);
  }
  return std::optional<std::string>();
}

void ScreenRelay::on_disconnected(const DevicePrincipal& device) {
  std::lock_guard lock(mutex_);
  // A newer connection of the device registers with the hub before its on_connected: while it
  // is online, the entry is (or will be) that connection's.
  if (hub_.is_online(device.device_id)) return;
  devices_.erase(device.device_id);
}

Result<void> ScreenRelay::on_binary(const DevicePrincipal& device, std::string_view message) {
  auto parsed = protocol::parse_agent_frame(message);
  if (!parsed) return parsed.error();
  const EpochMs now = clock_.now_ms();
  const EpochMs taken_at = parsed->header.taken_at;
  if (taken_at < now - kMaxFrameAgeMs || taken_at > now + kMaxFrameAheadMs) {
    return fail(Errc::invalid_argument,
                "screen frame: $.taken_at: must be within [now - 10 min, now + 5 min]");
  }
  UserId person = 0;
  {
    std::lock_guard lock(mutex_);
    const auto device_state = devices_.find(device.device_id);
    if (device_state == devices_.end() || !device_state->second.person) return {};
    person = *device_state->second.person;
    if (!watchers_.contains(person)) return {};
  }
  // One payload for every viewer, built outside the lock in one allocation: the dashboard
  // prefix, then the agent's JPEG unchanged.
  const std::string prefix = protocol::viewer_frame_prefix(
      protocol::ViewerFrameInfo{person, device.device_id, parsed->header, now});
  auto payload = std::make_shared<std::string>();
  payload->reserve(prefix.size() + parsed->jpeg.size());
  payload->append(prefix);
  payload->append(parsed->jpeg);
  const std::uint64_t key = stream_key(person, device.device_id, parsed->header.monitor);
  const Frame frame = Frame::shared_binary(std::move(payload), key);
  std::size_t viewers = 0;
  {
    std::lock_guard lock(mutex_);
    // Reassigned meanwhile: the frame carries the previous person's id, it goes nowhere.
    const auto device_state = devices_.find(device.device_id);
    if (device_state == devices_.end() || device_state->second.person != person) return {};
    const auto watching = watchers_.find(person);
    if (watching == watchers_.end()) return {};
    for (const ViewerId viewer_id : watching->second) {
      auto& viewer = viewers_.at(viewer_id);
      auto& viewing = viewer.viewings.at(person);
      ++viewing.frames;
      viewing.streams.insert(key);
      viewer.peer->send(frame);
      ++viewers;
    }
  }
  spdlog::debug("screens: frame of device {} ({} bytes) to {} viewers", device.device_id,
                message.size(), viewers);
  return {};
}

// ---- dashboards

bool ScreenRelay::ViewerSide::handles(std::string_view type) const {
  return type == "screens.watch" || type == "screens.capture";
}

Result<std::optional<std::string>> ScreenRelay::ViewerSide::on_message(
    const Actor& viewer, ViewerId viewer_id, std::string_view type,
    const boost::json::value& json) {
  auto reply = type == "screens.watch" ? relay_.watch(viewer, viewer_id, json)
                                       : relay_.capture(viewer, viewer_id, json);
  if (!reply) return reply.error();
  return std::optional<std::string>(std::move(*reply));
}

void ScreenRelay::ViewerSide::on_disconnected(const Actor& /*viewer*/, ViewerId viewer_id) {
  relay_.viewer_disconnected(viewer_id);
}

Result<std::string> ScreenRelay::watch(const Actor& viewer, ViewerId viewer_id,
                                       const boost::json::value& json) {
  auto wanted = read_watch(json);
  if (!wanted) return wanted.error();
  // People whose view_started is written: each ends up started, or closed in the audit.
  std::set<UserId> audited;
  const auto close_unstarted = [&](const std::vector<UserId>& started) {
    std::vector<Ended> unstarted;
    const EpochMs now = clock_.now_ms();
    for (const UserId person : audited) {
      if (std::find(started.begin(), started.end(), person) == started.end()) {
        unstarted.push_back({viewer, person, Viewing{now, 0, 0, {}}});
      }
    }
    audit_ended(unstarted);
  };

  for (int attempt = 1;; ++attempt) {
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(mutex_);
      generation = access_generation_locked(viewer.org_id);
    }
    std::vector<UserId> accepted;
    std::vector<RefusedWatch> refused;
    bool enabled = true;
    auto checked = db_.read([&](storage::Connection& connection) -> Result<void> {
      for (const UserId person : *wanted) {
        auto allowed = check_watch(connection, viewer, person);
        if (allowed) {
          accepted.push_back(person);
        } else if (allowed.error().is(Errc::permission_denied) ||
                   allowed.error().is(Errc::not_found)) {
          refused.push_back({person, allowed.error()});
        } else {
          return allowed.error();
        }
      }
      auto on = screenshots_enabled(connection, viewer.org_id);
      if (!on) return on.error();
      enabled = *on;
      return {};
    });
    if (!checked) {
      close_unstarted({});
      return checked.error();
    }
    run_step_hook(Step::rights_read);
    auto peer = hub_.viewer_peer(viewer_id);
    if (!peer && !accepted.empty()) {
      close_unstarted({});
      return fail(Errc::unavailable, "this dashboard is closing");
    }

    // The starts are audited before they take effect: no viewing goes unrecorded.
    std::vector<UserId> starting;
    {
      std::lock_guard lock(mutex_);
      const auto found = viewers_.find(viewer_id);
      for (const UserId person : accepted) {
        if (found == viewers_.end() || !found->second.viewings.contains(person)) {
          starting.push_back(person);
        }
      }
    }
    std::vector<UserId> to_audit;
    for (const UserId person : starting) {
      if (!audited.contains(person)) to_audit.push_back(person);
    }
    if (!to_audit.empty()) {
      auto written = db_.write([&](storage::Connection& connection) -> Result<void> {
        const EpochMs now = clock_.now_ms();
        for (const UserId person : to_audit) {
          auto appended = audit::append(
              connection, viewing_entry(viewer, "screens.view_started", person), now);
          if (!appended) return appended.error();
        }
        return {};
      });
      if (!written) {
        close_unstarted({});
        return written.error();
      }
      audited.insert(to_audit.begin(), to_audit.end());
    }

    std::vector<Ended> ended;
    bool stale = false;
    {
      std::lock_guard notice_lock(notice_mutex_);
      Notices notices;
      {
        std::lock_guard lock(mutex_);
        // The rights changed after they were read: what was read may allow too much.
        stale = access_generation_locked(viewer.org_id) != generation;
        if (!stale) {
          const EpochMs now = clock_.now_ms();
          auto found = viewers_.find(viewer_id);
          if (found != viewers_.end()) {
            std::vector<UserId> leaving;
            for (const auto& [person, viewing] : found->second.viewings) {
              if (std::find(accepted.begin(), accepted.end(), person) == accepted.end()) {
                leaving.push_back(person);
              }
            }
            for (const UserId person : leaving) {
              ended.push_back({found->second.actor, person, {}});
              end_viewing_locked(viewer_id, person, &ended.back(), notices);
            }
          }
          if (!accepted.empty()) {
            auto& state = viewers_[viewer_id];
            state.actor = viewer;
            state.peer = peer;
            for (const UserId person : starting) {
              start_viewing_locked(viewer_id, person, now, notices);
            }
          }
          if (found = viewers_.find(viewer_id);
              found != viewers_.end() && found->second.viewings.empty()) {
            viewers_.erase(found);
          }
        }
      }
      send_notices(notices);
    }
    if (stale) {
      if (attempt < kMaxWatchAttempts) continue;
      close_unstarted({});
      return fail(Errc::unavailable, "access rights are changing; try again");
    }
    audit_ended(ended);
    close_unstarted(starting);
    return watching_reply(accepted, refused, enabled);
  }
}

Result<std::string> ScreenRelay::capture(const Actor& viewer, ViewerId viewer_id,
                                         const boost::json::value& json) {
  auto person = read_capture(json);
  if (!person) return person.error();
  std::vector<DeviceId> targets;
  {
    std::lock_guard lock(mutex_);
    const auto found = viewers_.find(viewer_id);
    const auto viewing = found == viewers_.end() ? nullptr : &found->second.viewings;
    if (viewing == nullptr || !viewing->contains(*person)) {
      return fail(Errc::invalid_argument, "watch the person first");
    }
    auto& state = viewing->at(*person);
    const EpochMs now = clock_.now_ms();
    if (state.last_capture_at != 0 && now - state.last_capture_at < kCaptureIntervalMs) {
      return fail(Errc::rate_limited, "at most one capture every 2 s per person");
    }
    targets = devices_of_locked(*person);
    if (targets.empty()) return fail(Errc::unavailable, "no device of this person is online");
    state.last_capture_at = now;
  }
  const std::string request_id = auth::random_string(kRequestIdAlphabet, kRequestIdChars);
  auto audited = db_.write([&](storage::Connection& connection) -> Result<void> {
    audit::Entry entry = viewing_entry(viewer, "screens.capture_requested", *person);
    entry.details = {{"request_id", request_id}, {"devices", targets.size()}};
    auto appended = audit::append(connection, std::move(entry), clock_.now_ms());
    if (!appended) return appended.error();
    return {};
  });
  if (!audited) return audited.error();
  const Frame command = Frame::text(capture_now_message(request_id));
  std::size_t sent = 0;
  for (const DeviceId device : targets) {
    if (hub_.send_to_agent(device, command)) ++sent;
  }
  if (sent == 0) return fail(Errc::unavailable, "no device of this person is online");
  return capture_sent_reply(*person, request_id, sent);
}

void ScreenRelay::viewer_disconnected(ViewerId viewer_id) {
  std::vector<Ended> ended;
  {
    std::lock_guard notice_lock(notice_mutex_);
    Notices notices;
    {
      std::lock_guard lock(mutex_);
      const auto found = viewers_.find(viewer_id);
      if (found == viewers_.end()) return;
      std::vector<UserId> people;
      for (const auto& [person, viewing] : found->second.viewings) people.push_back(person);
      for (const UserId person : people) {
        ended.push_back({found->second.actor, person, {}});
        end_viewing_locked(viewer_id, person, &ended.back(), notices);
      }
      viewers_.erase(viewer_id);
    }
    send_notices(notices);
  }
  audit_ended(ended);
}

std::size_t ScreenRelay::viewing_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [viewer_id, state] : viewers_) count += state.viewings.size();
  return count;
}

// ---- helpers

void ScreenRelay::end_viewing_locked(ViewerId viewer_id, UserId person, Ended* ended,
                                     Notices& notices) {
  auto& viewer = viewers_.at(viewer_id);
  const auto viewing = viewer.viewings.find(person);
  if (viewing == viewer.viewings.end()) return;
  if (const auto& streams = viewing->second.streams; viewer.peer && !streams.empty()) {
    // No frame of this viewing is queued after this point (frames are queued under mutex_).
    viewer.peer->drop_queued([&](const Frame& frame) {
      return frame.binary && streams.contains(frame.replace_key);
    });
  }
  if (ended != nullptr) ended->viewing = viewing->second;
  viewer.viewings.erase(viewing);
  auto watching = watchers_.find(person);
  if (watching == watchers_.end()) return;
  watching->second.erase(viewer_id);
  if (!watching->second.empty()) return;
  watchers_.erase(watching);
  for (const DeviceId device : devices_of_locked(person)) notices.emplace_back(device, false);
}

void ScreenRelay::start_viewing_locked(ViewerId viewer_id, UserId person, EpochMs now,
                                       Notices& notices) {
  auto& viewings = viewers_.at(viewer_id).viewings;
  if (viewings.contains(person)) return;
  viewings.emplace(person, Viewing{now, 0, 0, {}});
  auto& watching = watchers_[person];
  watching.insert(viewer_id);
  if (watching.size() != 1) return;
  for (const DeviceId device : devices_of_locked(person)) notices.emplace_back(device, true);
}

std::vector<DeviceId> ScreenRelay::devices_of_locked(UserId person) const {
  std::vector<DeviceId> found;
  for (const auto& [device_id, state] : devices_) {
    if (state.person == person) found.push_back(device_id);
  }
  return found;
}

void ScreenRelay::send_notices(const Notices& notices) {
  for (const auto& [device, watching] : notices) {
    hub_.send_to_agent(device, Frame::text(watching_message(watching)));
  }
}

void ScreenRelay::audit_ended(const std::vector<Ended>& ended) {
  if (ended.empty()) return;
  const EpochMs now = clock_.now_ms();
  auto audited = db_.write([&](storage::Connection& connection) -> Result<void> {
    for (const auto& item : ended) {
      audit::Entry entry = viewing_entry(item.viewer, "screens.view_ended", item.person);
      entry.details = {{"duration_ms", std::max<EpochMs>(0, now - item.viewing.started_at)},
                       {"frames", item.viewing.frames}};
      auto appended = audit::append(connection, std::move(entry), now);
      if (!appended) return appended.error();
    }
    return {};
  });
  if (!audited) {
    spdlog::error("screens: cannot audit {} ended viewings: {}", ended.size(),
                  audited.error().message);
  }
}

}  // namespace worktrace::screens
