#pragma once

#include "api/http_types.hpp"
#include "core/actor.hpp"
#include "core/result.hpp"
#include "realtime/peer.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::realtime {

// What the server does on an agent's control channel (/ws/agent). Implemented by the devices
// domain, driven by net/. Every method may block (database work): net/ calls them on the
// blocking pool. Thread-safe.
class AgentChannelHandler {
 public:
  virtual ~AgentChannelHandler() = default;
  // Checks the upgrade request's device credential (Authorization: Bearer). Errors become
  // the HTTP refusal of the upgrade (401 for a bad or revoked credential).
  [[nodiscard]] virtual Result<DevicePrincipal> authenticate(const api::Request& upgrade) = 0;
  // The channel is open and registered with the hub; records the remote IP and tells viewers.
  // Returns the first messages to send to the agent, in order (the `welcome`, then the
  // `config`).
  [[nodiscard]] virtual std::vector<std::string> on_connected(const DevicePrincipal& device,
                                                              const std::string& remote_ip) = 0;
  // The messages on_connected returned are queued to the agent: whatever is sent to it through
  // the hub from now on arrives after them. Called once per connection, after on_connected.
  virtual void after_registered(const DevicePrincipal& /*device*/) {}
  // One text message from the agent. Returns an optional reply; an error is sent to the agent
  // as {"type":"error","error":{...}} and the channel stays open.
  [[nodiscard]] virtual Result<std::optional<std::string>> on_text(const DevicePrincipal& device,
                                                                   std::string_view message) = 0;
  // One binary message from the agent (a screen frame), at most the server's binary limit.
  // Runs ON THE NETWORK THREAD, not the pool: it must not block (no database). `message` is
  // the connection's read buffer, valid only during the call (copy what must outlive it). An
  // error is sent to the agent as {"type":"error","error":{...}} and the channel stays open.
  [[nodiscard]] virtual Result<void> on_binary(const DevicePrincipal& device,
                                               std::string_view message) = 0;
  // The channel is closed (peer left, error, or shutdown); records last-seen, tells viewers.
  virtual void on_disconnected(const DevicePrincipal& device) = 0;
};

// Answers the agent messages of one domain beyond the device's own (hello, device_info):
// the devices domain's AgentChannel hands it the types it `handles`. Same threading as
// AgentChannelHandler: called on the blocking pool, may block, thread-safe.
class AgentMessageHandler {
 public:
  virtual ~AgentMessageHandler() = default;
  // Messages to send to the agent after the welcome (e.g. its `config`).
  [[nodiscard]] virtual std::vector<std::string> on_connected(const DevicePrincipal& device) = 0;
  // What every handler's on_connected returned is queued to the agent (see
  // AgentChannelHandler::after_registered): a state sent from here through the hub, while
  // holding the lock that orders the handler's later sends of it, is the last the agent hears
  // until the next change. Default: nothing.
  virtual void after_registered(const DevicePrincipal& /*device*/) {}
  [[nodiscard]] virtual bool handles(std::string_view type) const = 0;
  // One message of a type it handles (`json` is the whole object, `type` checked). Returns an
  // optional reply; an error is sent to the agent as {"type":"error",...}.
  [[nodiscard]] virtual Result<std::optional<std::string>> on_message(
      const DevicePrincipal& device, std::string_view type, const boost::json::value& json) = 0;
  virtual void on_disconnected(const DevicePrincipal& device) = 0;
  // True for the one handler that takes the agents' binary messages (on_binary).
  [[nodiscard]] virtual bool takes_binary() const { return false; }
  // One binary message (see AgentChannelHandler::on_binary): ON THE NETWORK THREAD, must not
  // block. Only called when takes_binary().
  [[nodiscard]] virtual Result<void> on_binary(const DevicePrincipal& /*device*/,
                                               std::string_view /*message*/) {
    return fail(Errc::invalid_argument, "binary messages are not accepted");
  }
};

// Answers the dashboard messages of one domain beyond ping: the devices domain's
// ViewerChannel hands it the types it `handles`. Called on the blocking pool, may block,
// thread-safe.
class ViewerMessageHandler {
 public:
  virtual ~ViewerMessageHandler() = default;
  [[nodiscard]] virtual bool handles(std::string_view type) const = 0;
  // One message of a type it handles (`json` is the whole object). Returns an optional reply;
  // an error is sent to the viewer as {"type":"error",...}.
  [[nodiscard]] virtual Result<std::optional<std::string>> on_message(
      const Actor& viewer, ViewerId viewer_id, std::string_view type,
      const boost::json::value& json) = 0;
  // The viewer's connection is gone (after Hub::viewer_disconnected).
  virtual void on_disconnected(const Actor& viewer, ViewerId viewer_id) = 0;
};

// What the server does on a dashboard's channel (/ws/dashboard). Same threading as above.
class ViewerChannelHandler {
 public:
  virtual ~ViewerChannelHandler() = default;
  // Checks the upgrade request's session cookie; errors refuse the upgrade (401).
  [[nodiscard]] virtual Result<Actor> authenticate(const api::Request& upgrade) = 0;
  // Returns the first message to send to the viewer (`hello`).
  [[nodiscard]] virtual std::string on_connected(const Actor& viewer) = 0;
  // One text message of the viewer registered with the hub as `viewer_id`.
  [[nodiscard]] virtual Result<std::optional<std::string>> on_text(const Actor& viewer,
                                                                   ViewerId viewer_id,
                                                                   std::string_view message) = 0;
  // The channel is closed (after Hub::viewer_disconnected): ends what the viewer had open.
  virtual void on_disconnected(const Actor& viewer, ViewerId viewer_id) = 0;
};

}  // namespace worktrace::realtime
