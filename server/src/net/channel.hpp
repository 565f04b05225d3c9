#pragma once

#include "api/http_types.hpp"
#include "core/result.hpp"
#include "net/metrics.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "realtime/peer.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::net {

// The domain side of one authenticated WebSocket channel: forwards its events to the
// handler of its kind and keeps its registration with the hub. Knows nothing of sockets.
// Every method may block (handlers do database work): call them on the blocking pool. Not
// thread-safe: the one connection that owns it calls one method at a time.
class Channel {
 public:
  virtual ~Channel() = default;

  [[nodiscard]] virtual ChannelKind kind() const noexcept = 0;

  // Registers `peer` with the hub (agents: first), calls the handler's on_connected, sends
  // its messages through `peer` (so they are the first frames), then (agents) calls the
  // handler's after_registered. Call once.
  virtual void open(std::shared_ptr<realtime::Peer> peer) = 0;

  // Handles one text message and returns what to send back, if anything: the handler's reply,
  // or {"type":"error","error":{...}} when it failed or threw (a throw is logged).
  [[nodiscard]] virtual std::optional<std::string> on_text(std::string_view message) = 0;

  // Handles one binary message (agents only) and returns the error to send back, if any.
  // Runs on the network thread: the handler must not block. `message` is valid only during
  // the call (it is the connection's read buffer). A dashboard's channel never gets here (its
  // binary messages close it).
  [[nodiscard]] virtual std::optional<std::string> on_binary(std::string_view message) = 0;

  // Unregisters from the hub and tells the handler the channel is gone. Only after open();
  // call once. Does not throw (a handler's exception is logged).
  virtual void close() noexcept = 0;
};

// The references a channel needs; all must outlive every channel made from them.
struct ChannelContext {
  realtime::Hub& hub;
  realtime::AgentChannelHandler& agents;
  realtime::ViewerChannelHandler& viewers;
};

// Authenticates an upgrade request for a channel of `kind`. Errors are the handler's (401 for
// bad credentials); a handler that throws is logged and gives Errc::internal. Blocks.
[[nodiscard]] Result<std::unique_ptr<Channel>> authenticate_channel(ChannelKind kind,
                                                                    const api::Request& upgrade,
                                                                    const ChannelContext& context);

// {"type":"error","error":{"code","message"}} for `error`, hiding foreign errors' details
// the way api::Response::from_error does, except that the message of our own
// Errc::unavailable is shown (it is written for the client).
[[nodiscard]] std::string channel_error_message(const Error& error);

}  // namespace worktrace::net
