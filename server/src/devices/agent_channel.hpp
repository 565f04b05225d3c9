#pragma once

#include "core/clock.hpp"
#include "devices/device_store.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"

#include <string>
#include <vector>

namespace worktrace::devices {

// Largest message accepted from an agent (docs/api/v1.md).
inline constexpr std::size_t kMaxAgentMessageBytes = 1 << 20;
// The close reason (code 1008) of a revoked device's channel.
inline constexpr const char* kRevokedReason = "device revoked";

// The server side of /ws/agent: device-credential authentication, device info updates, and
// device.online / device.updated / device.offline events to the organization's viewers.
// Thread-safe: no mutable state of its own.
class AgentChannel final : public realtime::AgentChannelHandler {
 public:
  // All references must outlive the channel.
  AgentChannel(DeviceStore& store, realtime::Hub& hub, const Clock& clock);

  // Errc::unauthenticated for a missing, malformed, unknown or revoked credential.
  [[nodiscard]] Result<DevicePrincipal> authenticate(const api::Request& upgrade) override;
  // Adds the handler of more message types (activity, ...); the first one whose
  // takes_binary() is true also gets the binary messages (screen frames). Call before serving:
  // the list is not guarded. `handler` must outlive the channel.
  void add_handler(realtime::AgentMessageHandler& handler);

  // Records remote IP and last-seen, publishes device.online (with online=true whether or not
  // the hub has registered the connection yet), returns the welcome and then what the added
  // handlers send on connection. A device revoked since authenticate() is disconnected
  // instead (1008 kRevokedReason) and gets only the welcome.
  [[nodiscard]] std::vector<std::string> on_connected(const DevicePrincipal& device,
                                                      const std::string& remote_ip) override;
  // Tells the added handlers, in order (what on_connected returned is queued to the agent). A
  // device revoked meanwhile is told too: its channel is closing and ignores what it is sent.
  void after_registered(const DevicePrincipal& device) override;
  // `hello` and `device_info` store the device's info when it changed and then publish
  // device.updated; no reply. Types an added handler handles go to it. Other types:
  // Errc::invalid_argument "unknown message type 'x'".
  [[nodiscard]] Result<std::optional<std::string>> on_text(const DevicePrincipal& device,
                                                           std::string_view message) override;
  // Hands the message to the added handler that takes binary messages, on the calling
  // (network) thread; none: Errc::invalid_argument "binary messages are not accepted".
  [[nodiscard]] Result<void> on_binary(const DevicePrincipal& device,
                                       std::string_view message) override;
  // Records last-seen, publishes device.offline, then tells the added handlers.
  void on_disconnected(const DevicePrincipal& device) override;

 private:
  DeviceStore& store_;
  realtime::Hub& hub_;
  const Clock& clock_;
  // Set before serving, then read-only:
  std::vector<realtime::AgentMessageHandler*> handlers_;
  realtime::AgentMessageHandler* binary_handler_ = nullptr;
};

}  // namespace worktrace::devices
