#pragma once

#include "activity/ingest_service.hpp"
#include "activity/timeline_service.hpp"
#include "activity/websites_service.hpp"
#include "api/router.hpp"
#include "app/config.hpp"
#include "app/server_info_routes.hpp"
#include "audit/audit_routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/secret_box.hpp"
#include "core/clock.hpp"
#include "devices/device_service.hpp"
#include "org/org_routes.hpp"
#include "realtime/hub.hpp"
#include "screens/screen_relay.hpp"
#include "storage/db.hpp"
#include "tracking/presence.hpp"
#include "tracking/tracking_service.hpp"

namespace worktrace::app {

// The organization options of `config`, which must have passed validate() (its check of the
// SMTP security is the only one).
[[nodiscard]] org::OrgOptions org_options(const ServerConfig& config);

// Every service of the server, wired together, and the router holding all their routes.
// `serve` runs it; `routes` lists its router, so the two can never disagree. Not copyable or
// movable (services keep references to each other).
class Platform {
 public:
  // `db` and `clock` must outlive the platform. `tls_pin_sha256` is the pin of the server's
  // TLS certificate when it serves TLS (GET /api/v1/server/tls).
  Platform(storage::Db& db, const Clock& clock, auth::SecretKey key, org::OrgOptions options,
           std::optional<std::string> tls_pin_sha256 = std::nullopt);
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  realtime::Hub& hub() { return hub_; }
  devices::DeviceService& devices() { return devices_; }
  tracking::TrackingService& tracking() { return tracking_; }
  const api::Router& router() const { return router_; }

 private:
  realtime::Hub hub_;
  auth::AuthService auth_;
  ServerInfoRoutes server_info_;
  org::OrgRoutes org_;
  tracking::TrackingService tracking_;
  tracking::Presence presence_;   // an agent handler of devices_: declared before it
  screens::ScreenRelay screens_;  // an agent and viewer handler of devices_: declared before it
  devices::DeviceService devices_;
  activity::IngestService ingest_;  // authenticates agents through devices_: declared after it
  activity::TimelineService timeline_;
  activity::WebsitesService websites_;
  audit::AuditRoutes audit_;
  api::Router router_;
};

}  // namespace worktrace::app
