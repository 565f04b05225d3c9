#include "devices/device_service.hpp"

#include "api/params.hpp"
#include "auth/policy.hpp"
#include "auth/tokens.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/array.hpp>

#include <charconv>

namespace worktrace::devices {
namespace {

Result<void> check_label(std::string_view label) {
  if (label.size() > kMaxTokenLabelBytes || protocol::has_control_characters(label) ||
      !protocol::is_valid_utf8(label)) {
    return fail(Errc::invalid_argument,
                "label: must be at most 100 bytes of text without control characters");
  }
  return {};
}

}  // namespace

DeviceService::DeviceService(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth,
                             const Clock& clock)
    : store_(db),
      hub_(hub),
      auth_(auth),
      clock_(clock),
      agent_channel_(store_, hub, clock),
      viewer_channel_(auth, db, hub) {}

DeviceService::~DeviceService() {
  if (sweeper_.joinable()) {
    sweeper_.request_stop();
    sweeper_.join();
  }
}

void DeviceService::start_session_sweep(std::chrono::milliseconds interval) {
  sweeper_ = std::jthread([this, interval](std::stop_token stop) {
    std::unique_lock lock(sweep_mutex_);
    for (;;) {
      // Returns at the interval's end, or at once when the service stops.
      (void)sweep_wakeup_.wait_for(lock, stop, interval, [] { return false; });
      if (stop.stop_requested()) return;
      lock.unlock();
      auto closed = viewer_channel_.close_ended_sessions();
      if (!closed) {
        spdlog::warn("devices: cannot check the dashboards' sessions: {}", closed.error().message);
      } else if (*closed > 0) {
        spdlog::info("devices: closed {} dashboard(s) whose session ended", *closed);
      }
      lock.lock();
    }
  });
}

Result<EnrollmentToken> DeviceService::create_enrollment_token(OrgId org_id, int uses,
                                                               std::int64_t ttl_s,
                                                               std::optional<UserId> created_by,
                                                               std::string_view label) {
  audit::Entry by;
  by.org_id = org_id;
  by.actor_user_id = created_by;
  by.actor = created_by ? "user:" + std::to_string(*created_by) : "system";
  return issue_token(org_id, uses, ttl_s, label, created_by, std::move(by));
}

Result<EnrollmentToken> DeviceService::issue_token(OrgId org_id, int uses, std::int64_t ttl_s,
                                                   std::string_view label,
                                                   std::optional<UserId> created_by,
                                                   audit::Entry by) {
  if (uses < kMinTokenUses || uses > kMaxTokenUses) {
    return fail(Errc::invalid_argument, "uses: must be between 1 and 1000");
  }
  if (ttl_s < kMinTokenTtlS || ttl_s > kMaxTokenTtlS) {
    return fail(Errc::invalid_argument, "ttl_s: must be between 60 and 2592000");
  }
  if (auto valid = check_label(label); !valid) return valid.error();
  EnrollmentToken token;
  token.token = auth::generate_token(auth::kEnrollmentTokenPrefix);
  token.uses = uses;
  token.label = std::string(label);
  const EpochMs now = clock_.now_ms();
  token.expires_at = now + ttl_s * 1000;
  NewEnrollmentToken stored{
      org_id, auth::hash_token(token.token), uses, token.expires_at, token.label, created_by};
  auto id = store_.create_enrollment_token(stored, std::move(by), now);
  if (!id) return id.error();
  token.id = *id;
  return token;
}

void DeviceService::register_routes(api::Router& router) {
  auto route = [&](std::string_view method, std::string_view pattern,
                   Result<api::Response> (DeviceService::*handler)(const api::Request&)) {
    router.add(std::string(method), std::string(pattern), [this, handler](api::Request& request) {
      return api::respond((this->*handler)(request), "devices");
    });
  };
  route("POST", "/api/v1/enrollment-tokens", &DeviceService::post_enrollment_token);
  route("GET", "/api/v1/enrollment-tokens", &DeviceService::list_enrollment_tokens);
  route("DELETE", "/api/v1/enrollment-tokens/{id}", &DeviceService::delete_enrollment_token);
  route("POST", "/api/v1/agent/enroll", &DeviceService::enroll);
  route("GET", "/api/v1/devices", &DeviceService::list);
  route("GET", "/api/v1/devices/{id}", &DeviceService::get);
  route("PATCH", "/api/v1/devices/{id}", &DeviceService::patch);
  route("POST", "/api/v1/devices/{id}/revoke", &DeviceService::revoke);
}

Result<Actor> DeviceService::device_admin(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = auth::authorize(*actor, {Role::owner, Role::admin}, Scope::devices_write);
      !allowed) {
    return allowed.error();
  }
  return actor;
}

Result<api::Response> DeviceService::post_enrollment_token(const api::Request& request) {
  auto actor = device_admin(request);
  if (!actor) return actor.error();
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"uses", "ttl_s", "label"}); !known) {
    return known.error();
  }
  auto uses = reader->optional_int("uses", kMinTokenUses, kMaxTokenUses);
  if (!uses) return uses.error();
  auto ttl_s = reader->optional_int("ttl_s", kMinTokenTtlS, kMaxTokenTtlS);
  if (!ttl_s) return ttl_s.error();
  auto label = reader->optional_string("label", kMaxTokenLabelBytes);
  if (!label) return label.error();

  auto token = issue_token(actor->org_id, static_cast<int>(uses->value_or(1)),
                           ttl_s->value_or(kDefaultTokenTtlS), label->value_or(""), actor->user_id,
                           audit::entry_for(*actor, "", request.remote_ip));
  if (!token) return token.error();
  auto response = api::Response::json(201, {{"id", token->id},
                                            {"token", token->token},
                                            {"uses", token->uses},
                                            {"expires_at", token->expires_at},
                                            {"label", token->label}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

Result<api::Response> DeviceService::list_enrollment_tokens(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = auth::authorize(*actor, {Role::owner, Role::admin}, Scope::devices_read);
      !allowed) {
    return allowed.error();
  }
  auto tokens = store_.list_enrollment_tokens(actor->org_id);
  if (!tokens) return tokens.error();
  const EpochMs now = clock_.now_ms();
  boost::json::array items;
  items.reserve(tokens->size());
  for (const EnrollmentTokenRecord& token : *tokens) {
    boost::json::value created_by = nullptr;
    boost::json::value created_by_name = nullptr;
    if (token.created_by) created_by = *token.created_by;
    if (token.created_by_name) created_by_name = boost::json::string(*token.created_by_name);
    items.emplace_back(boost::json::object{{"id", token.id},
                                           {"label", token.label},
                                           {"uses_left", token.uses_left},
                                           {"uses_total", token.uses_total},
                                           {"expires_at", token.expires_at},
                                           {"created_at", token.created_at},
                                           {"created_by", created_by},
                                           {"created_by_name", created_by_name},
                                           {"revoked", token.revoked_at.has_value()},
                                           {"expired", token.expires_at <= now}});
  }
  return api::Response::json(200, {{"tokens", std::move(items)}});
}

Result<api::Response> DeviceService::delete_enrollment_token(const api::Request& request) {
  auto actor = device_admin(request);
  if (!actor) return actor.error();
  auto id = api::path_id(request, "id", "enrollment token");
  if (!id) return id.error();
  auto revoked = store_.revoke_enrollment_token(
      actor->org_id, *id, audit::entry_for(*actor, "", request.remote_ip), clock_.now_ms());
  if (!revoked) return revoked.error();
  if (!*revoked) return fail(Errc::not_found, "enrollment token not found");
  return api::Response::no_content();
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

}  // namespace worktrace::devices
