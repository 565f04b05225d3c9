#pragma once

#include "core/actor.hpp"
#include "realtime/peer.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace worktrace::realtime {

// Knows which agents and dashboard viewers are connected to this node and routes messages
// between them. Thread-safe (one mutex; sends happen after unlocking). The bus to other
// nodes (Redis) plugs in here later without changing callers.
class Hub {
 public:
  // Registers an agent's control channel. A second connection of the same device replaces the
  // first, which is closed with 1008 "replaced by a newer connection".
  void agent_connected(const DevicePrincipal& device, std::shared_ptr<Peer> peer);
  // Forgets the agent if `peer` is still its registered connection (a replaced one is not).
  // Returns true when it was.
  bool agent_disconnected(DeviceId device_id, const Peer* peer);

  ViewerId viewer_connected(const Actor& actor, std::shared_ptr<Peer> peer);
  void viewer_disconnected(ViewerId viewer_id);
  // The connection of viewer `viewer_id`; nullptr when it has gone or was closed by
  // disconnect_viewers.
  [[nodiscard]] std::shared_ptr<Peer> viewer_peer(ViewerId viewer_id) const;
  // Closes with 1008 and `reason` every viewer whose Actor `match` accepts (a session that
  // ended, a suspended person); returns how many. `match` runs under the hub's lock: it must
  // be quick and must not call the hub. The viewers stay registered until their connection
  // ends and calls viewer_disconnected, but they get nothing more once closed.
  std::size_t disconnect_viewers(const std::function<bool(const Actor&)>& match,
                                 const std::string& reason);
  // The distinct session ids (non-zero) of the viewers connected here, ascending.
  [[nodiscard]] std::vector<std::int64_t> viewer_session_ids() const;

  // Sends `frame` to the viewers of organization `org_id` for whom `may_see` is true (all of
  // them when it is empty); returns how many took it. `may_see` runs under the hub's lock:
  // it must be quick and must not call the hub.
  std::size_t publish_to_org(OrgId org_id, const Frame& frame,
                             const std::function<bool(const Actor&)>& may_see = {});
  // Sends `frame` to the agent of `device_id` if it is connected here.
  bool send_to_agent(DeviceId device_id, const Frame& frame);
  // Closes the agent's channel (revoked device) with 1008 and `reason`.
  void disconnect_agent(DeviceId device_id, const std::string& reason);

  [[nodiscard]] bool is_online(DeviceId device_id) const;
  [[nodiscard]] std::vector<DeviceId> online_devices(OrgId org_id) const;

  struct Counts {
    std::size_t agents = 0;
    std::size_t viewers = 0;
  };
  [[nodiscard]] Counts counts() const;

  // Closes every connection with 1001 "server shutting down".
  void close_all();

 private:
  struct AgentEntry {
    OrgId org_id = 0;
    std::shared_ptr<Peer> peer;
  };
  struct ViewerEntry {
    Actor actor;
    std::shared_ptr<Peer> peer;
    bool closed = false;  // disconnect_viewers closed it: it hears nothing more
  };

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::map<DeviceId, AgentEntry> agents_;
  std::map<ViewerId, ViewerEntry> viewers_;
  ViewerId next_viewer_id_ = 1;
};

}  // namespace worktrace::realtime
