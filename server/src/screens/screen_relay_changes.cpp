// ScreenRelay: what changes elsewhere (device assignments, rights) does to the relay.
#include "screens/screen_relay.hpp"

#include "devices/device_store.hpp"
#include "screens/screen_access.hpp"
#include "screens/screen_messages.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

namespace worktrace::screens {

using realtime::Frame;

// ---- changes elsewhere

void ScreenRelay::reassigned(DeviceId device_id) {
  OrgId org_id = 0;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    // Bumped even for a device not known here yet: its after_registered then reads again.
    generation = ++assignment_generations_[device_id];
    const auto found = devices_.find(device_id);
    if (found == devices_.end()) return;
    org_id = found->second.org_id;
  }
  for (;;) {
    auto stored = read_person(org_id, device_id);
    if (!stored) {
      spdlog::error("screens: cannot read the person of device {}: {}", device_id,
                    stored.error().message);
    }
    // Unreadable: its frames go nowhere rather than to the previous person's viewers.
    const std::optional<UserId> person = stored ? *stored : std::nullopt;
    run_step_hook(Step::person_read);
    std::lock_guard notice_lock(notice_mutex_);
    Notices notices;
    {
      std::lock_guard lock(mutex_);
      if (const auto latest = assignment_generation_locked(device_id); latest != generation) {
        generation = latest;  // reassigned again meanwhile: read the newer assignment
        continue;
      }
      const auto found = devices_.find(device_id);
      if (found == devices_.end()) return;
      found->second.person = person;
      notices.emplace_back(device_id, person && watchers_.contains(*person));
    }
    send_notices(notices);
    return;
  }
}

void ScreenRelay::access_changed(OrgId org_id) {
  std::vector<Check> checks;
  {
    std::lock_guard lock(mutex_);
    // A screens.watch that read the rights before this point re-reads them.
    ++access_generations_[org_id];
    for (const auto& [viewer_id, state] : viewers_) {
      if (state.actor.org_id != org_id) continue;
      for (const auto& [person, viewing] : state.viewings) {
        checks.push_back({viewer_id, state.actor, person});
      }
    }
  }
  if (checks.empty()) return;
  std::vector<Check> lost;
  auto checked = db_.read([&](storage::Connection& connection) -> Result<void> {
    for (const auto& check : checks) {
      auto allowed = check_watch(connection, check.viewer, check.person);
      if (allowed) continue;
      if (!allowed.error().is(Errc::permission_denied) && !allowed.error().is(Errc::not_found)) {
        return allowed.error();
      }
      lost.push_back(check);
    }
    return {};
  });
  if (!checked) {
    // Fail closed: a viewing whose right cannot be confirmed ends.
    spdlog::error("screens: cannot re-check the viewings of organization {}, ending them: {}",
                  org_id, checked.error().message);
    end_viewings(checks, kRecheckFailedReason);
    return;
  }
  end_viewings(lost, kAccessLostReason);
}

void ScreenRelay::end_viewings(const std::vector<Check>& checks, std::string_view reason) {
  if (checks.empty()) return;
  std::vector<Ended> ended;
  std::vector<std::pair<std::shared_ptr<realtime::Peer>, UserId>> told;
  {
    std::lock_guard notice_lock(notice_mutex_);
    Notices notices;
    {
      std::lock_guard lock(mutex_);
      for (const auto& check : checks) {
        const auto found = viewers_.find(check.viewer_id);
        if (found == viewers_.end() || !found->second.viewings.contains(check.person)) continue;
        told.emplace_back(found->second.peer, check.person);
        ended.push_back({found->second.actor, check.person, {}});
        end_viewing_locked(check.viewer_id, check.person, &ended.back(), notices);
        if (found->second.viewings.empty()) viewers_.erase(found);
      }
    }
    send_notices(notices);
  }
  for (const auto& [peer, person] : told) peer->send(Frame::text(ended_message(person, reason)));
  audit_ended(ended);
}

Result<std::optional<UserId>> ScreenRelay::read_person(OrgId org_id, DeviceId device_id) {
  devices::DeviceStore store(db_);
  auto device = store.find(org_id, device_id);
  if (!device) return device.error();
  // A revoked (or vanished) device: its frames go nowhere until its channel closes.
  if (!*device || (*device)->revoked_at) return std::optional<UserId>();
  return (*device)->user_id;
}

std::uint64_t ScreenRelay::assignment_generation_locked(DeviceId device_id) const {
  const auto found = assignment_generations_.find(device_id);
  return found == assignment_generations_.end() ? 0 : found->second;
}

std::uint64_t ScreenRelay::access_generation_locked(OrgId org_id) const {
  const auto found = access_generations_.find(org_id);
  return found == access_generations_.end() ? 0 : found->second;
}

}  // namespace worktrace::screens
