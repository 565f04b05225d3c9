#include "app/server_info_routes.hpp"

#include "auth/policy.hpp"

namespace worktrace::app {

ServerInfoRoutes::ServerInfoRoutes(auth::AuthService& auth, std::optional<std::string> pin_sha256)
    : auth_(auth), pin_sha256_(std::move(pin_sha256)) {}

void ServerInfoRoutes::register_routes(api::Router& router) {
  router.add("GET", "/api/v1/server/tls", [this](api::Request& request) {
    return api::respond(
        [&]() -> Result<api::Response> {
          auto actor = auth_.authenticate(request);
          if (!actor) return actor.error();
          if (auto allowed =
                  auth::authorize(*actor, {Role::owner, Role::admin}, Scope::devices_read);
              !allowed) {
            return allowed.error();
          }
          boost::json::value pin = nullptr;
          if (pin_sha256_) pin = *pin_sha256_;
          return api::Response::json(200, {{"pin_sha256", std::move(pin)}});
        }(),
        "server");
  });
}

}  // namespace worktrace::app
