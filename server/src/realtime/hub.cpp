#include "realtime/hub.hpp"

#include <algorithm>
#include <utility>

namespace worktrace::realtime {

void Hub::agent_connected(const DevicePrincipal& device, std::shared_ptr<Peer> peer) {
  std::shared_ptr<Peer> replaced;
  {
    std::lock_guard lock(mutex_);
    auto& entry = agents_[device.device_id];
    replaced = std::exchange(entry.peer, std::move(peer));
    entry.org_id = device.org_id;
  }
  // Closed after unlocking: a peer may call back into the hub from close().
  if (replaced) replaced->close(1008, "replaced by a newer connection");
}

bool Hub::agent_disconnected(DeviceId device_id, const Peer* peer) {
  std::lock_guard lock(mutex_);
  const auto found = agents_.find(device_id);
  if (found == agents_.end() || found->second.peer.get() != peer) return false;
  agents_.erase(found);
  return true;
}

ViewerId Hub::viewer_connected(const Actor& actor, std::shared_ptr<Peer> peer) {
  std::lock_guard lock(mutex_);
  const ViewerId viewer_id = next_viewer_id_++;
  viewers_.emplace(viewer_id, ViewerEntry{actor, std::move(peer), false});
  return viewer_id;
}

void Hub::viewer_disconnected(ViewerId viewer_id) {
  std::lock_guard lock(mutex_);
  viewers_.erase(viewer_id);
}

std::shared_ptr<Peer> Hub::viewer_peer(ViewerId viewer_id) const {
  std::lock_guard lock(mutex_);
  const auto found = viewers_.find(viewer_id);
  if (found == viewers_.end() || found->second.closed) return nullptr;
  return found->second.peer;
}

std::size_t Hub::disconnect_viewers(const std::function<bool(const Actor&)>& match,
                                    const std::string& reason) {
  std::vector<std::shared_ptr<Peer>> targets;
  {
    std::lock_guard lock(mutex_);
    for (auto& [viewer_id, entry] : viewers_) {
      if (entry.closed || !match(entry.actor)) continue;
      entry.closed = true;
      targets.push_back(entry.peer);
    }
  }
  // Closed after unlocking: a peer may call back into the hub from close().
  for (const auto& peer : targets) peer->close(1008, reason);
  return targets.size();
}

std::vector<std::int64_t> Hub::viewer_session_ids() const {
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [viewer_id, entry] : viewers_) {
      if (!entry.closed && entry.actor.session_id != 0) ids.push_back(entry.actor.session_id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::size_t Hub::publish_to_org(OrgId org_id, const Frame& frame,
                                const std::function<bool(const Actor&)>& may_see) {
  std::vector<std::shared_ptr<Peer>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [viewer_id, entry] : viewers_) {
      if (entry.closed || entry.actor.org_id != org_id) continue;
      if (!may_see || may_see(entry.actor)) targets.push_back(entry.peer);
    }
  }
  std::size_t delivered = 0;
  for (const auto& peer : targets) {
    if (peer->send(frame)) ++delivered;
  }
  return delivered;
}

bool Hub::send_to_agent(DeviceId device_id, const Frame& frame) {
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard lock(mutex_);
    const auto found = agents_.find(device_id);
    if (found == agents_.end()) return false;
    peer = found->second.peer;
  }
  return peer->send(frame);
}

void Hub::disconnect_agent(DeviceId device_id, const std::string& reason) {
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard lock(mutex_);
    const auto found = agents_.find(device_id);
    if (found == agents_.end()) return;
    peer = found->second.peer;
  }
  peer->close(1008, reason);
}

bool Hub::is_online(DeviceId device_id) const {
  std::lock_guard lock(mutex_);
  return agents_.contains(device_id);
}

std::vector<DeviceId> Hub::online_devices(OrgId org_id) const {
  std::vector<DeviceId> online;
  std::lock_guard lock(mutex_);
  for (const auto& [device_id, entry] : agents_) {
    if (entry.org_id == org_id) online.push_back(device_id);
  }
  return online;
}

Hub::Counts Hub::counts() const {
  std::lock_guard lock(mutex_);
  return {agents_.size(), viewers_.size()};
}

void Hub::close_all() {
  std::vector<std::shared_ptr<Peer>> peers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [device_id, entry] : agents_) peers.push_back(entry.peer);
    for (const auto& [viewer_id, entry] : viewers_) peers.push_back(entry.peer);
  }
  for (const auto& peer : peers) peer->close(1001, "server shutting down");
}

}  // namespace worktrace::realtime
