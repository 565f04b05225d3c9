#include "org/org_routes.hpp"

#include "auth/password.hpp"
#include "auth/policy.hpp"
#include "org/body.hpp"
#include "org/validation.hpp"

#include <boost/json/array.hpp>

namespace worktrace::org {
namespace {

// Longest name text read from a body before the services count its characters.
constexpr std::size_t kMaxNameBytes = kMaxNameCharacters * 4;

}  // namespace

OrgRoutes::OrgRoutes(storage::Db& db, auth::AuthService& auth, const Clock& clock,
                     OrgOptions options)
    : auth_(auth),
      clock_(clock),
      options_(std::move(options)),
      orgs_(db, clock),
      settings_(db, clock),
      structure_(db, clock),
      people_(db, clock),
      mailer_(options_.smtp),
      signup_limiter_(clock) {}

void OrgRoutes::register_routes(api::Router& router) {
  const auto route = [&](std::string method, std::string pattern,
                         Result<api::Response> (OrgRoutes::*handler)(const api::Request&)) {
    router.add(std::move(method), std::move(pattern), [this, handler](api::Request& request) {
      return api::respond((this->*handler)(request), "org");
    });
  };
  router.add("GET", "/api/v1/signup", [this](api::Request&) {
    return api::Response::json(200, boost::json::object{{"enabled", options_.signup_enabled}});
  });
  route("POST", "/api/v1/signup", &OrgRoutes::signup);
  route("GET", "/api/v1/org", &OrgRoutes::get_org);
  route("PATCH", "/api/v1/org", &OrgRoutes::patch_org);
  route("GET", "/api/v1/departments", &OrgRoutes::list_departments);
  route("POST", "/api/v1/departments", &OrgRoutes::create_department);
  route("PATCH", "/api/v1/departments/{id}", &OrgRoutes::update_department);
  route("DELETE", "/api/v1/departments/{id}", &OrgRoutes::delete_department);
  route("GET", "/api/v1/teams", &OrgRoutes::list_teams);
  route("POST", "/api/v1/teams", &OrgRoutes::create_team);
  route("PATCH", "/api/v1/teams/{id}", &OrgRoutes::update_team);
  route("DELETE", "/api/v1/teams/{id}", &OrgRoutes::delete_team);
  route("GET", "/api/v1/teams/{id}/members", &OrgRoutes::list_members);
  route("PUT", "/api/v1/teams/{id}/members/{user_id}", &OrgRoutes::put_member);
  route("DELETE", "/api/v1/teams/{id}/members/{user_id}", &OrgRoutes::remove_member);
  route("GET", "/api/v1/people", &OrgRoutes::list_people);
  route("POST", "/api/v1/people", &OrgRoutes::invite_person);
  route("GET", "/api/v1/people/{id}", &OrgRoutes::get_person);
  route("PATCH", "/api/v1/people/{id}", &OrgRoutes::update_person);
  route("DELETE", "/api/v1/people/{id}", &OrgRoutes::delete_person);
  route("POST", "/api/v1/people/{id}/invitation", &OrgRoutes::reissue_invitation);
  route("GET", "/api/v1/invitations/{token}", &OrgRoutes::show_invitation);
  route("POST", "/api/v1/invitations/accept", &OrgRoutes::accept_invitation);
}

Result<api::Response> OrgRoutes::signup(const api::Request& request) {
  if (!options_.signup_enabled) {
    return fail(Errc::permission_denied, "sign-up is switched off on this server");
  }
  if (const auto wait_s = signup_limiter_.acquire(request.remote_ip); wait_s > 0) {
    auto response = api::Response::from_error(
        fail(Errc::rate_limited,
             "too many sign-ups from this address; try again in " + std::to_string(wait_s) + " s"));
    response.set_header("Retry-After", std::to_string(wait_s));
    return response;
  }
  auto body = Body::parse(request, {"org_name", "name", "email", "password"});
  if (!body) return body.error();
  auto org_name = body->required_string("org_name", kMaxNameBytes);
  if (!org_name) return org_name.error();
  auto name = body->required_string("name", kMaxNameBytes);
  if (!name) return name.error();
  auto email = body->required_string("email", auth::kMaxEmailBytes);
  if (!email) return email.error();
  auto password = body->required_string("password", auth::kMaxPasswordBytes);
  if (!password) return password.error();
  auto created = orgs_.create_org(*org_name, *email, *name, std::move(*password), Origin::signup,
                                  request.remote_ip);
  if (!created) return created.error();
  return auth_.sign_in_response(created->owner_id, request, 201);
}

Result<api::Response> OrgRoutes::get_org(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto details = settings_.get(*actor);
  if (!details) return details.error();
  return api::Response::json(200, org_details_json(*details, auth::is_admin(*actor)));
}

Result<api::Response> OrgRoutes::patch_org(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(
      request, {"name", "legal_name", "address", "country", "time_zone", "billing_email", "tax_id",
                "billing_address", "plan", "billing_cycle", "seats", "require_2fa"});
  if (!body) return body.error();
  OrgPatch patch;
  const std::pair<std::string_view, std::optional<std::string>*> texts[] = {
      {"name", &patch.name},           {"legal_name", &patch.legal_name},
      {"address", &patch.address},     {"country", &patch.country},
      {"time_zone", &patch.time_zone}, {"billing_email", &patch.billing_email},
      {"tax_id", &patch.tax_id},       {"billing_address", &patch.billing_address},
      {"plan", &patch.plan},           {"billing_cycle", &patch.billing_cycle}};
  for (const auto& [key, field] : texts) {
    auto value = body->string(key, kMaxTextBytes * 4);
    if (!value) return value.error();
    *field = std::move(*value);
  }
  auto seats = body->integer("seats", 1, kMaxSeats);
  if (!seats) return seats.error();
  patch.seats = *seats;
  auto require_2fa = body->boolean("require_2fa");
  if (!require_2fa) return require_2fa.error();
  patch.require_2fa = *require_2fa;
  auto details = settings_.update(*actor, request.remote_ip, patch);
  if (!details) return details.error();
  // require_2fa changes what authentication lets through, for everyone.
  if (patch.require_2fa) auth_.access_changed(actor->org_id, std::nullopt);
  return api::Response::json(200, org_details_json(*details, true));
}

Result<api::Response> OrgRoutes::list_departments(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto departments = structure_.list_departments(*actor);
  if (!departments) return departments.error();
  boost::json::array items;
  for (const auto& department : *departments) items.emplace_back(department_json(department));
  return api::Response::json(200, boost::json::object{{"departments", std::move(items)}});
}

Result<api::Response> OrgRoutes::create_department(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(request, {"name", "parent_id"});
  if (!body) return body.error();
  auto name = body->required_string("name", kMaxNameBytes);
  if (!name) return name.error();
  auto parent_id = body->id("parent_id");
  if (!parent_id) return parent_id.error();
  auto department = structure_.create_department(*actor, request.remote_ip, *name, *parent_id);
  if (!department) return department.error();
  return api::Response::json(201, department_json(*department));
}

Result<api::Response> OrgRoutes::update_department(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(request, {"name", "parent_id"});
  if (!body) return body.error();
  DepartmentPatch patch;
  auto name = body->string("name", kMaxNameBytes);
  if (!name) return name.error();
  patch.name = std::move(*name);
  auto parent_id = body->nullable_id("parent_id");
  if (!parent_id) return parent_id.error();
  patch.parent_id = *parent_id;
  auto department = structure_.update_department(*actor, request.remote_ip,
                                                 path_id_or_zero(request, "id"), patch);
  if (!department) return department.error();
  return api::Response::json(200, department_json(*department));
}

Result<api::Response> OrgRoutes::delete_department(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto deleted =
      structure_.delete_department(*actor, request.remote_ip, path_id_or_zero(request, "id"));
  if (!deleted) return deleted.error();
  return api::Response::no_content();
}

Result<api::Response> OrgRoutes::list_teams(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto teams = structure_.list_teams(*actor);
  if (!teams) return teams.error();
  boost::json::array items;
  for (const auto& team : *teams) items.emplace_back(team_json(team));
  return api::Response::json(200, boost::json::object{{"teams", std::move(items)}});
}

Result<api::Response> OrgRoutes::create_team(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(request, {"name", "department_id"});
  if (!body) return body.error();
  auto name = body->required_string("name", kMaxNameBytes);
  if (!name) return name.error();
  auto department_id = body->id("department_id");
  if (!department_id) return department_id.error();
  if (!*department_id) return fail(Errc::invalid_argument, "department_id: is required");
  auto team = structure_.create_team(*actor, request.remote_ip, *name, **department_id);
  if (!team) return team.error();
  return api::Response::json(201, team_json(*team));
}

Result<api::Response> OrgRoutes::update_team(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(request, {"name", "department_id"});
  if (!body) return body.error();
  TeamPatch patch;
  auto name = body->string("name", kMaxNameBytes);
  if (!name) return name.error();
  patch.name = std::move(*name);
  auto department_id = body->id("department_id");
  if (!department_id) return department_id.error();
  patch.department_id = *department_id;
  auto team =
      structure_.update_team(*actor, request.remote_ip, path_id_or_zero(request, "id"), patch);
  if (!team) return team.error();
  return api::Response::json(200, team_json(*team));
}

Result<api::Response> OrgRoutes::delete_team(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto team = structure_.delete_team(*actor, request.remote_ip, path_id_or_zero(request, "id"));
  if (!team) return team.error();
  // Its managers no longer see its members.
  for (const UserId manager : team->manager_ids) auth_.access_changed(actor->org_id, manager);
  return api::Response::no_content();
}

Result<api::Response> OrgRoutes::list_members(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto members = structure_.list_members(*actor, path_id_or_zero(request, "id"));
  if (!members) return members.error();
  boost::json::array items;
  for (const auto& member : *members) items.emplace_back(team_member_json(member));
  return api::Response::json(200, boost::json::object{{"members", std::move(items)}});
}

Result<api::Response> OrgRoutes::put_member(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(request, {"is_manager"});
  if (!body) return body.error();
  auto is_manager = body->boolean("is_manager");
  if (!is_manager) return is_manager.error();
  if (!*is_manager) return fail(Errc::invalid_argument, "is_manager: is required");
  auto member = structure_.put_member(*actor, request.remote_ip, path_id_or_zero(request, "id"),
                                      path_id_or_zero(request, "user_id"), **is_manager);
  if (!member) return member.error();
  auth_.access_changed(actor->org_id, path_id_or_zero(request, "user_id"));
  return api::Response::json(200, team_member_json(*member));
}

Result<api::Response> OrgRoutes::remove_member(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto removed = structure_.remove_member(*actor, request.remote_ip, path_id_or_zero(request, "id"),
                                          path_id_or_zero(request, "user_id"));
  if (!removed) return removed.error();
  auth_.access_changed(actor->org_id, path_id_or_zero(request, "user_id"));
  return api::Response::no_content();
}

}  // namespace worktrace::org
