#pragma once

#include "auth/auth_service.hpp"
#include "realtime/channels.hpp"

namespace worktrace::devices {

// Largest message accepted from a dashboard (docs/api/v1.md).
inline constexpr std::size_t kMaxViewerMessageBytes = 64 * 1024;

// The server side of /ws/dashboard: session-cookie authentication, the hello, and ping/pong.
// Device events reach viewers through the hub. Thread-safe: no mutable state of its own.
class ViewerChannel final : public realtime::ViewerChannelHandler {
 public:
  // `auth` must outlive the channel.
  explicit ViewerChannel(auth::AuthService& auth);

  // AuthService::authenticate on the upgrade request's cookie.
  [[nodiscard]] Result<Actor> authenticate(const api::Request& upgrade) override;
  // {"type":"hello","server_version","user":{...}}
  [[nodiscard]] std::string on_connected(const Actor& viewer) override;
  // `ping` -> `pong`; other types: Errc::invalid_argument "unknown message type 'x'".
  [[nodiscard]] Result<std::optional<std::string>> on_text(const Actor& viewer,
                                                           std::string_view message) override;

 private:
  auth::AuthService& auth_;
};

}  // namespace worktrace::devices
