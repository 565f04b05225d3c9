#include "devices/device_service.hpp"

#include "auth/policy.hpp"
#include "auth/tokens.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/array.hpp>

namespace worktrace::devices {
namespace {

// Renders a failure; failures the client cannot see the cause of are logged here.
api::Response respond(Result<api::Response> outcome) {
  if (outcome) return std::move(*outcome);
  if (api::http_status(outcome.error()) >= 500) {
    spdlog::error("devices: {} ({})", outcome.error().message, outcome.error().code.message());
  }
  return api::Response::from_error(outcome.error());
}

}  // namespace

DeviceService::DeviceService(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth,
                             const Clock& clock)
    : store_(db),
      hub_(hub),
      auth_(auth),
      clock_(clock),
      agent_channel_(store_, hub, clock),
      viewer_channel_(auth) {}

Result<EnrollmentToken> DeviceService::create_enrollment_token(OrgId org_id, int uses,
                                                               std::int64_t ttl_s,
                                                               std::optional<UserId> created_by) {
  if (uses < kMinTokenUses || uses > kMaxTokenUses) {
    return fail(Errc::invalid_argument, "uses: must be between 1 and 1000");
  }
  if (ttl_s < kMinTokenTtlS || ttl_s > kMaxTokenTtlS) {
    return fail(Errc::invalid_argument, "ttl_s: must be between 60 and 2592000");
  }
  EnrollmentToken token;
  token.token = auth::generate_token(auth::kEnrollmentTokenPrefix);
  token.uses = uses;
  const EpochMs now = clock_.now_ms();
  token.expires_at = now + ttl_s * 1000;
  auto id = store_.create_enrollment_token(org_id, auth::hash_token(token.token), uses,
                                           token.expires_at, created_by, now);
  if (!id) return id.error();
  token.id = *id;
  return token;
}

void DeviceService::register_routes(api::Router& router) {
  router.add("POST", "/api/v1/enrollment-tokens",
             [this](api::Request& request) { return respond(post_enrollment_token(request)); });
  router.add("POST", "/api/v1/agent/enroll",
             [this](api::Request& request) { return respond(enroll(request)); });
  router.add("GET", "/api/v1/devices",
             [this](api::Request& request) { return respond(list(request)); });
}

Result<api::Response> DeviceService::post_enrollment_token(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = auth::require_role(*actor, {Role::owner, Role::admin}); !allowed) {
    return allowed.error();
  }
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto uses = reader->optional_int("uses", kMinTokenUses, kMaxTokenUses);
  if (!uses) return uses.error();
  auto ttl_s = reader->optional_int("ttl_s", kMinTokenTtlS, kMaxTokenTtlS);
  if (!ttl_s) return ttl_s.error();

  auto token = create_enrollment_token(actor->org_id, static_cast<int>(uses->value_or(1)),
                                       ttl_s->value_or(kDefaultTokenTtlS), actor->user_id);
  if (!token) return token.error();
  auto response = api::Response::json(201, {{"id", token->id},
                                            {"token", token->token},
                                            {"uses", token->uses},
                                            {"expires_at", token->expires_at}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> DeviceService::enroll(const api::Request& request) {
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto token = reader->required_string("token", auth::kMaxTokenBytes);
  if (!token) return token.error();
  auto device_reader = reader->required_object("device");
  if (!device_reader) return device_reader.error();
  auto info = protocol::read_device_info(*device_reader);
  if (!info) return info.error();
  auto name = reader->optional_string("name", protocol::kMaxDeviceTextBytes);
  if (!name) return name.error();
  if (name->has_value() && protocol::has_control_characters(**name)) {
    return fail(Errc::invalid_argument, "$.name: must not contain control characters");
  }
  // An absent or empty name falls back to the hostname.
  const std::string& device_name = name->value_or("").empty() ? info->hostname : **name;

  const Error refused(Errc::unauthenticated, "enrollment token is unknown, expired or used up");
  if (!token->starts_with(auth::kEnrollmentTokenPrefix)) return refused;
  const std::string credential = auth::generate_token(auth::kDeviceCredentialPrefix);
  auto enrolled = store_.enroll(auth::hash_token(*token), auth::hash_token(credential), device_name,
                                *info, request.remote_ip, clock_.now_ms());
  if (!enrolled) return enrolled.error();
  if (!*enrolled) return refused;

  const Enrollment& enrollment = **enrolled;
  spdlog::info("devices: device {} ({}) enrolled into organization {}", enrollment.device_id,
               device_name, enrollment.org_id);
  auto response = api::Response::json(201, {{"device_id", enrollment.device_id},
                                            {"credential", credential},
                                            {"org_id", enrollment.org_id},
                                            {"org_name", enrollment.org_name}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> DeviceService::list(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  // Employees see only their own devices; the other roles see the whole organization (the
  // rule of auth::may_view_device, which the live events follow too).
  const std::optional<UserId> owner =
      actor->role == Role::employee ? std::optional<UserId>(actor->user_id) : std::nullopt;
  auto devices = store_.list(actor->org_id, owner);
  if (!devices) return devices.error();
  boost::json::array items;
  items.reserve(devices->size());
  for (const Device& device : *devices) {
    items.emplace_back(device_json(device, hub_.is_online(device.id)));
  }
  return api::Response::json(200, {{"devices", std::move(items)}});
}

}  // namespace worktrace::devices
