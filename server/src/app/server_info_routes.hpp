#pragma once

#include "api/router.hpp"
#include "auth/auth_service.hpp"

#include <optional>
#include <string>

namespace worktrace::app {

// GET /api/v1/server/tls -> {"pin_sha256": "<base64>" | null}: the pin of the server's TLS key
// (app/tls_pin.hpp) for the dashboard's enrolment command; null when the server serves plain
// HTTP. Owners and admins only (scope devices:read): they are the ones who enrol devices.
// Thread-safe: immutable after construction.
class ServerInfoRoutes {
 public:
  // `auth` must outlive this. `pin_sha256`: the pin when TLS is configured, else nullopt.
  ServerInfoRoutes(auth::AuthService& auth, std::optional<std::string> pin_sha256);

  void register_routes(api::Router& router);

 private:
  auth::AuthService& auth_;
  const std::optional<std::string> pin_sha256_;
};

}  // namespace worktrace::app
