#pragma once

#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>

namespace worktrace::devices {

// Largest message accepted from a dashboard (docs/api/v1.md).
inline constexpr std::size_t kMaxViewerMessageBytes = 64 * 1024;
// A viewer's session is checked again at most this often when the viewer sends something.
inline constexpr EpochMs kViewerSessionCheckMs = 60 * 1000;
// The close reason (code 1008) of a viewer whose session has ended.
inline constexpr const char* kSessionEndedReason = "session ended";

// The server side of /ws/dashboard: session-cookie authentication, the hello, ping/pong, and
// closing viewers whose session has ended. Device events reach viewers through the hub.
// Thread-safe (one mutex for the session-check times).
class ViewerChannel final : public realtime::ViewerChannelHandler {
 public:
  // All references must outlive the channel.
  ViewerChannel(auth::AuthService& auth, storage::Db& db, realtime::Hub& hub, const Clock& clock);

  // AuthService::authenticate on the upgrade request's cookie; only a signed-in person (a
  // session, not an API token) from our own origin.
  [[nodiscard]] Result<Actor> authenticate(const api::Request& upgrade) override;
  // {"type":"hello","server_version","user":{...}}
  [[nodiscard]] std::string on_connected(const Actor& viewer) override;
  // First, at most every kViewerSessionCheckMs per session, checks that the viewer's session
  // still lets them in; if not, closes every viewer of that session (1008
  // kSessionEndedReason) and fails with Errc::unauthenticated. Then `ping` -> `pong`; other
  // types: Errc::invalid_argument "unknown message type 'x'".
  [[nodiscard]] Result<std::optional<std::string>> on_text(const Actor& viewer,
                                                           std::string_view message) override;

  // Checks the sessions of every viewer connected here and closes those that ended (idle or
  // absolute expiry, or ended on another node). Returns how many viewers it closed. For a
  // periodic sweep; blocks on the database.
  [[nodiscard]] Result<std::size_t> close_ended_sessions();

 private:
  // True when `session_id` is due for a check at `now` (and notes the check).
  bool check_due(std::int64_t session_id, EpochMs now);
  std::size_t close_sessions(std::span<const std::int64_t> ended);

  auth::AuthService& auth_;
  storage::Db& db_;
  realtime::Hub& hub_;
  const Clock& clock_;

  std::mutex mutex_;
  // Guarded by mutex_: when each session was last checked.
  std::map<std::int64_t, EpochMs> checked_at_;
};

}  // namespace worktrace::devices
