#pragma once

#include "api/http_types.hpp"
#include "core/actor.hpp"
#include "core/result.hpp"

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
  // The channel is open; records the remote IP and tells viewers. Returns the first messages
  // to send to the agent, in order (the `welcome`, then the `config`).
  [[nodiscard]] virtual std::vector<std::string> on_connected(const DevicePrincipal& device,
                                                              const std::string& remote_ip) = 0;
  // One text message from the agent. Returns an optional reply; an error is sent to the agent
  // as {"type":"error","error":{...}} and the channel stays open.
  [[nodiscard]] virtual Result<std::optional<std::string>> on_text(const DevicePrincipal& device,
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
  [[nodiscard]] virtual bool handles(std::string_view type) const = 0;
  // One message of a type it handles (`json` is the whole object, `type` checked). Returns an
  // optional reply; an error is sent to the agent as {"type":"error",...}.
  [[nodiscard]] virtual Result<std::optional<std::string>> on_message(
      const DevicePrincipal& device, std::string_view type, const boost::json::value& json) = 0;
  virtual void on_disconnected(const DevicePrincipal& device) = 0;
};

// What the server does on a dashboard's channel (/ws/dashboard). Same threading as above.
class ViewerChannelHandler {
 public:
  virtual ~ViewerChannelHandler() = default;
  // Checks the upgrade request's session cookie; errors refuse the upgrade (401).
  [[nodiscard]] virtual Result<Actor> authenticate(const api::Request& upgrade) = 0;
  // Returns the first message to send to the viewer (`hello`).
  [[nodiscard]] virtual std::string on_connected(const Actor& viewer) = 0;
  [[nodiscard]] virtual Result<std::optional<std::string>> on_text(const Actor& viewer,
                                                                   std::string_view message) = 0;
};

}  // namespace worktrace::realtime
