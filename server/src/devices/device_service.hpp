#pragma once

#include "api/router.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "devices/agent_channel.hpp"
#include "devices/device_store.hpp"
#include "devices/viewer_channel.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace worktrace::devices {

inline constexpr int kMinTokenUses = 1;
inline constexpr int kMaxTokenUses = 1000;
inline constexpr std::int64_t kMinTokenTtlS = 60;
inline constexpr std::int64_t kMaxTokenTtlS = 2'592'000;  // 30 days
inline constexpr std::int64_t kDefaultTokenTtlS = 86'400;
inline constexpr std::size_t kMaxTokenLabelBytes = 100;

struct EnrollmentToken {
  std::int64_t id = 0;
  std::string token;  // "wte_...": shown once, stored only as its hash
  int uses = 1;
  EpochMs expires_at = 0;
  std::string label;
};

// Devices: enrollment tokens, enrolment, the device list and administration, and the agent
// and viewer channels. Every admin change is audit-logged in the transaction that makes it.
// Thread-safe: no mutable state of its own besides the optional session sweeper.
class DeviceService {
 public:
  // All references must outlive the service.
  DeviceService(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth, const Clock& clock);
  ~DeviceService();
  DeviceService(const DeviceService&) = delete;
  DeviceService& operator=(const DeviceService&) = delete;

  // A token that enrolls up to `uses` devices into `org_id` for `ttl_s` seconds. uses 1..1000,
  // ttl_s 60..2592000, label at most 100 bytes without control characters; otherwise
  // Errc::invalid_argument naming the field. Audit-logged as enrollment_token.created by
  // `created_by` when a person made it, else by "system" (the CLI).
  [[nodiscard]] Result<EnrollmentToken> create_enrollment_token(
      OrgId org_id, int uses, std::int64_t ttl_s, std::optional<UserId> created_by = std::nullopt,
      std::string_view label = {});

  // Enrollment tokens (POST, GET, DELETE /api/v1/enrollment-tokens[/{id}]), POST
  // /api/v1/agent/enroll, and GET /api/v1/devices, GET/PATCH /api/v1/devices/{id}, POST
  // /api/v1/devices/{id}/revoke.
  void register_routes(api::Router& router);

  realtime::AgentChannelHandler& agent_channel() { return agent_channel_; }
  // Calls `fn(device)` after a device was given to another person (or to nobody), once the
  // change is committed. Set before serving.
  void on_assigned(std::function<void(DeviceId)> fn) { on_assigned_ = std::move(fn); }

  // Hands the agent messages `handler` handles to it (AgentChannel::add_handler).
  void add_agent_handler(realtime::AgentMessageHandler& handler) {
    agent_channel_.add_handler(handler);
  }
  ViewerChannel& viewer_channel() { return viewer_channel_; }

  // Starts a thread that calls viewer_channel().close_ended_sessions() every `interval`, so
  // dashboards close at idle or absolute session expiry without sending anything. Stops when
  // the service is destroyed. Call at most once.
  void start_session_sweep(std::chrono::milliseconds interval);

 private:
  [[nodiscard]] Result<EnrollmentToken> issue_token(OrgId org_id, int uses, std::int64_t ttl_s,
                                                    std::string_view label,
                                                    std::optional<UserId> created_by,
                                                    audit::Entry by);
  // The authenticated actor of `request` when it may administer devices and enrollment tokens
  // (owner or admin, devices:write); the authentication or authorization failure otherwise.
  [[nodiscard]] Result<Actor> device_admin(const api::Request& request);
  [[nodiscard]] Result<api::Response> post_enrollment_token(const api::Request& request);
  [[nodiscard]] Result<api::Response> list_enrollment_tokens(const api::Request& request);
  [[nodiscard]] Result<api::Response> delete_enrollment_token(const api::Request& request);
  [[nodiscard]] Result<api::Response> enroll(const api::Request& request);
  [[nodiscard]] Result<api::Response> list(const api::Request& request);
  [[nodiscard]] Result<api::Response> get(const api::Request& request);
  [[nodiscard]] Result<api::Response> patch(const api::Request& request);
  [[nodiscard]] Result<api::Response> revoke(const api::Request& request);

  DeviceStore store_;
  realtime::Hub& hub_;
  auth::AuthService& auth_;
  const Clock& clock_;
  AgentChannel agent_channel_;
  ViewerChannel viewer_channel_;
  std::function<void(DeviceId)> on_assigned_;  // set before serving, then read-only

  std::mutex sweep_mutex_;
  std::condition_variable_any sweep_wakeup_;
  std::jthread sweeper_;  // last: stopped and joined before the members it uses go
};

}  // namespace worktrace::devices
