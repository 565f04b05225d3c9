#pragma once

#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "devices/agent_channel.hpp"
#include "devices/device_store.hpp"
#include "devices/viewer_channel.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace worktrace::devices {

inline constexpr int kMinTokenUses = 1;
inline constexpr int kMaxTokenUses = 1000;
inline constexpr std::int64_t kMinTokenTtlS = 60;
inline constexpr std::int64_t kMaxTokenTtlS = 2'592'000;  // 30 days
inline constexpr std::int64_t kDefaultTokenTtlS = 86'400;

struct EnrollmentToken {
  std::int64_t id = 0;
  std::string token;  // "wte_...": shown once, stored only as its hash
  int uses = 1;
  EpochMs expires_at = 0;
};

// Devices: enrollment tokens, enrolment, the device list, and the agent and viewer channels.
// Thread-safe: no mutable state of its own.
class DeviceService {
 public:
  // All references must outlive the service.
  DeviceService(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth, const Clock& clock);

  // A token that enrolls up to `uses` devices into `org_id` for `ttl_s` seconds. uses 1..1000,
  // ttl_s 60..2592000; otherwise Errc::invalid_argument naming the field. `created_by` is
  // recorded when a person made it (the CLI makes tokens without one).
  [[nodiscard]] Result<EnrollmentToken> create_enrollment_token(
      OrgId org_id, int uses, std::int64_t ttl_s, std::optional<UserId> created_by = std::nullopt);

  // POST /api/v1/enrollment-tokens, POST /api/v1/agent/enroll, GET /api/v1/devices.
  void register_routes(api::Router& router);

  realtime::AgentChannelHandler& agent_channel() { return agent_channel_; }
  realtime::ViewerChannelHandler& viewer_channel() { return viewer_channel_; }

 private:
  [[nodiscard]] Result<api::Response> post_enrollment_token(const api::Request& request);
  [[nodiscard]] Result<api::Response> enroll(const api::Request& request);
  [[nodiscard]] Result<api::Response> list(const api::Request& request);

  DeviceStore store_;
  realtime::Hub& hub_;
  auth::AuthService& auth_;
  const Clock& clock_;
  AgentChannel agent_channel_;
  ViewerChannel viewer_channel_;
};

}  // namespace worktrace::devices
