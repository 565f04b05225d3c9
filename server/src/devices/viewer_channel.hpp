#pragma once

#include "auth/auth_service.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace worktrace::devices {

// Largest message accepted from a dashboard (docs/api/v1.md).
inline constexpr std::size_t kMaxViewerMessageBytes = 64 * 1024;
// The close reason (code 1008) of a viewer whose session has ended.
inline constexpr const char* kSessionEndedReason = "session ended";

// The server side of /ws/dashboard: session-cookie authentication, the hello, ping/pong, and
// closing viewers whose session has ended (close_ended_sessions, and the sessions-ended
// listener of app::Platform). Device events reach viewers through the hub. Thread-safe.
class ViewerChannel final : public realtime::ViewerChannelHandler {
 public:
  // All references must outlive the channel.
  ViewerChannel(auth::AuthService& auth, storage::Db& db, realtime::Hub& hub);

  // AuthService::authenticate on the upgrade request's cookie; only a signed-in person (a
  // session, not an API token) from our own origin.
  [[nodiscard]] Result<Actor> authenticate(const api::Request& upgrade) override;
  // {"type":"hello","server_version","user":{...}}
  [[nodiscard]] std::string on_connected(const Actor& viewer) override;
  // Adds the handler of more message types (screens.*). Call before serving: the list is not
  // guarded. `handler` must outlive the channel.
  void add_handler(realtime::ViewerMessageHandler& handler);

  // `ping` -> `pong`; types an added handler handles go to it; other types:
  // Errc::invalid_argument "unknown message type 'x'".
  [[nodiscard]] Result<std::optional<std::string>> on_text(const Actor& viewer,
                                                           realtime::ViewerId viewer_id,
                                                           std::string_view message) override;
  // Tells the added handlers.
  void on_disconnected(const Actor& viewer, realtime::ViewerId viewer_id) override;

  // Checks the sessions of every viewer connected here (AuthService::ended_sessions) and closes
  // those that ended (idle or absolute expiry, or ended on another node) with 1008
  // kSessionEndedReason. Returns how many viewers it closed. For a periodic sweep; blocks on
  // the database.
  [[nodiscard]] Result<std::size_t> close_ended_sessions();

 private:
  auth::AuthService& auth_;
  storage::Db& db_;
  realtime::Hub& hub_;
  std::vector<realtime::ViewerMessageHandler*> handlers_;  // set before serving, then read-only
};

}  // namespace worktrace::devices
