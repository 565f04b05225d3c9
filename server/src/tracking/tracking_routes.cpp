// The HTTP routes of the tracking domain: parse, authenticate, delegate, render.
#include "tracking/tracking_service.hpp"

#include "api/params.hpp"
#include "auth/policy.hpp"
#include "protocol/json_reader.hpp"
#include "tracking/presence.hpp"

#include <boost/json/array.hpp>

namespace worktrace::tracking {

void TrackingService::register_routes(api::Router& router) {
  auto route = [&](std::string_view method, std::string_view pattern,
                   Result<api::Response> (TrackingService::*handler)(const api::Request&)) {
    router.add(std::string(method), std::string(pattern), [this, handler](api::Request& request) {
      return api::respond((this->*handler)(request), "tracking");
    });
  };
  route("GET", "/api/v1/org/tracking", &TrackingService::get_policy);
  route("PUT", "/api/v1/org/tracking", &TrackingService::put_policy);
  route("GET", "/api/v1/org/redaction", &TrackingService::get_redaction);
  route("PUT", "/api/v1/org/redaction", &TrackingService::put_redaction);
  route("GET", "/api/v1/people/{id}/tracking", &TrackingService::get_person_tracking);
  route("PUT", "/api/v1/people/{id}/tracking", &TrackingService::put_person_tracking);
}

Result<Actor> TrackingService::authenticate_settings_writer(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = authorize_settings_write(*actor); !allowed) return allowed.error();
  return actor;
}

Result<api::Response> TrackingService::get_policy(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto current = policy(*actor);
  if (!current) return current.error();
  return api::Response::json(200, policy_json(*current));
}

Result<api::Response> TrackingService::put_policy(const api::Request& request) {
  auto actor = authenticate_settings_writer(request);
  if (!actor) return actor.error();
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto patch = read_policy_patch(*body);
  if (!patch) return patch.error();
  auto updated = update_policy(*actor, request.remote_ip, *patch);
  if (!updated) return updated.error();
  return api::Response::json(200, policy_json(*updated));
}

Result<api::Response> TrackingService::get_redaction(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto current = redaction(*actor);
  if (!current) return current.error();
  return api::Response::json(200, protocol::redaction_policy_json(*current));
}

Result<api::Response> TrackingService::put_redaction(const api::Request& request) {
  auto actor = authenticate_settings_writer(request);
  if (!actor) return actor.error();
  auto body = api::json_body(request);
  if (!body) return body.error();
  if (!body->is_object()) return fail(Errc::invalid_argument, "$: must be an object");
  auto policy = protocol::parse_redaction_policy(*body, "$");
  if (!policy) return policy.error();
  auto updated = update_redaction(*actor, request.remote_ip, std::move(*policy));
  if (!updated) return updated.error();
  return api::Response::json(200, protocol::redaction_policy_json(*updated));
}

Result<api::Response> TrackingService::get_person_tracking(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto user_id = api::path_id(request, "id", "person");
  if (!user_id) return user_id.error();
  auto paused = is_paused(*actor, *user_id);
  if (!paused) return paused.error();
  return api::Response::json(200, {{"user_id", *user_id}, {"paused", *paused}});
}

Result<api::Response> TrackingService::put_person_tracking(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = auth::authorize(*actor, {Role::owner, Role::admin}, Scope::people_write);
      !allowed) {
    return allowed.error();
  }
  auto user_id = api::path_id(request, "id", "person");
  if (!user_id) return user_id.error();
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"paused"}); !known) return known.error();
  auto paused = reader->optional_bool("paused");
  if (!paused) return paused.error();
  if (!*paused) return fail(Errc::invalid_argument, reader->path_of("paused") + ": is required");
  if (auto done = set_paused(*actor, request.remote_ip, *user_id, **paused); !done) {
    return done.error();
  }
  return api::Response::json(200, {{"user_id", *user_id}, {"paused", **paused}});
}

void Presence::register_routes(api::Router& router) {
  router.add("GET", "/api/v1/activity/live", [this](api::Request& request) {
    return api::respond(
        [&]() -> Result<api::Response> {
          auto actor = auth_.authenticate(request);
          if (!actor) return actor.error();
          auto people = live(*actor);
          if (!people) return people.error();
          boost::json::array items;
          for (const LivePerson& person : *people) items.emplace_back(live_person_json(person));
          return api::Response::json(200, {{"people", std::move(items)}});
        }(),
        "tracking");
  });
}

}  // namespace worktrace::tracking
