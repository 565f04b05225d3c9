#include "app/platform.hpp"

#include "core/version.hpp"

namespace worktrace::app {

org::OrgOptions org_options(const ServerConfig& config) {
  org::OrgOptions options;
  options.signup_enabled = config.signup;
  options.public_url = config.public_url;
  options.smtp.host = config.smtp.host;
  options.smtp.port = static_cast<std::uint16_t>(config.smtp.port);
  options.smtp.from = config.smtp.from;
  options.smtp.username = config.smtp.username;
  options.smtp.password = config.smtp.password;
  // validate() accepted the name; anything else keeps the default (STARTTLS), never "none".
  options.smtp.security =
      org::parse_smtp_security(config.smtp.security).value_or(options.smtp.security);
  return options;
}

Platform::Platform(storage::Db& db, const Clock& clock, auth::SecretKey key,
                   org::OrgOptions options, std::optional<std::string> tls_pin_sha256)
    : auth_(db, clock, key),
      server_info_(auth_, std::move(tls_pin_sha256)),
      org_(db, auth_, clock, std::move(options)),
      tracking_(db, hub_, auth_, clock),
      presence_(db, hub_, auth_, tracking_, clock),
      screens_(db, hub_, clock),
      devices_(db, hub_, auth_, clock),
      ingest_(
          db, clock,
          [this](const api::Request& request) {
            return devices_.agent_channel().authenticate(request);
          },
          {}, [this](OrgId org_id) { return tracking_.redaction_cache().get(org_id); }),
      timeline_(db, auth_, clock),
      websites_(db, auth_, clock,
                [this](OrgId org_id) { return tracking_.redaction_cache().get(org_id); }),
      audit_(db, auth_) {
  // A dashboard connection lives only as long as the session that opened it.
  auth_.on_sessions_ended([this](UserId user, std::optional<std::int64_t> only_session,
                                 std::optional<std::int64_t> except_session) {
    hub_.disconnect_viewers(
        [&](const Actor& viewer) {
          if (viewer.user_id != user) return false;
          if (only_session) return viewer.session_id == *only_session;
          return !except_session || viewer.session_id != *except_session;
        },
        devices::kSessionEndedReason);
  });
  // A dashboard holds the rights its person had when it connected; when they change (role,
  // status, teams, the organization's 2FA rule) it is closed and reconnects with the new ones.
  auth_.on_access_changed([this](OrgId org_id, std::optional<UserId> user) {
    hub_.disconnect_viewers(
        [&](const Actor& viewer) {
          return viewer.org_id == org_id && (!user || viewer.user_id == *user);
        },
        "access changed");
  });

  router_.add("GET", "/api/v1/version", [](api::Request&) {
    return api::Response::json(200, {{"name", "worktrace"}, {"version", kVersion}});
  });
  auth_.register_routes(router_);
  server_info_.register_routes(router_);
  org_.register_routes(router_);
  devices_.register_routes(router_);
  ingest_.register_routes(router_);
  timeline_.register_routes(router_);
  websites_.register_routes(router_);
  // The agent's config after its welcome, its activity messages, and live presence.
  devices_.add_agent_handler(presence_);
  // Live screenshots: `screens` after the config, the agents' frames and refusals, and the
  // dashboards' screens.* messages.
  devices_.add_agent_handler(screens_);
  devices_.viewer_channel().add_handler(screens_.viewer_handler());
  // A viewing lasts only while its viewer may see the person.
  auth_.on_access_changed(
      [this](OrgId org_id, std::optional<UserId> /*user*/) { screens_.access_changed(org_id); });
  // A device given to another person follows that person's pause at once, and its frames go
  // to that person's viewers.
  devices_.on_assigned([this](DeviceId device) {
    presence_.reassigned(device);
    tracking_.push_config(device);
    screens_.reassigned(device);
  });
  tracking_.register_routes(router_);
  presence_.register_routes(router_);
  audit_.register_routes(router_);
}

}  // namespace worktrace::app
