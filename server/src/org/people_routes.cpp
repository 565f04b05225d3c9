// OrgRoutes: people and invitations (the rest is in org_routes.cpp).
#include "org/org_routes.hpp"

#include "api/params.hpp"
#include "auth/password.hpp"
#include "auth/tokens.hpp"
#include "org/body.hpp"
#include "org/validation.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>

namespace worktrace::org {
namespace {

constexpr std::size_t kMaxNameBytes = kMaxNameCharacters * 4;
constexpr std::size_t kMaxQueryBytes = 200;
constexpr std::size_t kMaxHostBytes = 255;

Result<Role> read_role(const std::string& text) {
  auto role = parse_role(text);
  if (!role) return fail(Errc::invalid_argument, "role: must be owner, admin, manager or employee");
  return *role;
}

Result<std::optional<std::int64_t>> query_id(const api::Request& request, std::string_view key) {
  const auto found = request.query.find(key);
  if (found == request.query.end() || found->second.empty()) return std::optional<std::int64_t>();
  auto id = api::parse_id(found->second);
  if (!id)
    return fail(Errc::invalid_argument, std::string(key) + ": must be a positive integer id");
  return std::optional<std::int64_t>(*id);
}

Result<auth::PeopleFilter> read_filter(const api::Request& request) {
  auth::PeopleFilter filter;
  if (const auto status = request.query.find("status");
      status != request.query.end() && !status->second.empty()) {
    filter.status = auth::parse_person_status(status->second);
    if (!filter.status) {
      return fail(Errc::invalid_argument, "status: must be invited, active or suspended");
    }
  }
  auto department_id = query_id(request, "department_id");
  if (!department_id) return department_id.error();
  filter.department_id = *department_id;
  auto team_id = query_id(request, "team_id");
  if (!team_id) return team_id.error();
  filter.team_id = *team_id;
  if (const auto query = request.query.find("q"); query != request.query.end()) {
    if (query->second.size() > kMaxQueryBytes) {
      return fail(Errc::invalid_argument, "q: must be at most 200 bytes");
    }
    filter.query = query->second;
  }
  if (const auto after = request.query.find("after");
      after != request.query.end() && !after->second.empty()) {
    auto cursor = parse_people_cursor(after->second);
    if (!cursor) return cursor.error();
    filter.after = std::move(*cursor);
  }
  return filter;
}

// ?limit= (1..kMaxPeoplePage), kDefaultPeoplePage when absent or empty.
Result<std::size_t> read_limit(const api::Request& request) {
  const auto found = request.query.find("limit");
  if (found == request.query.end() || found->second.empty()) return kDefaultPeoplePage;
  const auto limit = api::parse_int(found->second, 1, static_cast<std::int64_t>(kMaxPeoplePage));
  if (!limit) {
    return fail(Errc::invalid_argument, "limit: must be 1.." + std::to_string(kMaxPeoplePage));
  }
  return static_cast<std::size_t>(*limit);
}

bool plausible_host(std::string_view host) {
  return !host.empty() && host.size() <= kMaxHostBytes &&
         std::all_of(host.begin(), host.end(), [](unsigned char ch) {
           return std::isalnum(ch) != 0 || ch == '.' || ch == '-' || ch == ':' || ch == '[' ||
                  ch == ']';
         });
}

boost::json::object invitation_view_json(const InvitationView& view) {
  return {{"email", view.email},
          {"name", view.name},
          {"org_name", view.org_name},
          {"expires_at", view.expires_at}};
}

}  // namespace

std::string invitation_url(std::string_view public_url, const api::Request& request,
                           std::string_view token) {
  std::string base(public_url);
  if (base.empty()) {
    const std::string_view host = request.header("host");
    if (plausible_host(host)) {
      base = std::string(request.secure ? "https://" : "http://") + std::string(host);
    }
  }
  while (base.ends_with('/')) base.pop_back();
  return base + "/#/invite/" + std::string(token);
}

boost::json::object OrgRoutes::deliver(const IssuedInvitation& invitation,
                                       const api::Request& request) {
  const std::string url = invitation_url(options_.public_url, request, invitation.token);
  bool emailed = false;
  if (mailer_.configured() && !options_.public_url.empty()) {
    auto sent = mailer_.send(invitation_mail(invitation.email, invitation.name, invitation.org_name,
                                             url, invitation.expires_at),
                             clock_.now_ms());
    emailed = sent.has_value();
    if (!sent) {
      spdlog::warn("org: invitation {} was not emailed: {}", invitation.id, sent.error().message);
    }
  }
  return {{"id", invitation.id},
          {"url", url},
          {"expires_at", invitation.expires_at},
          {"emailed", emailed}};
}

Result<api::Response> OrgRoutes::list_people(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto filter = read_filter(request);
  if (!filter) return filter.error();
  auto limit = read_limit(request);
  if (!limit) return limit.error();
  auto page = people_.list(*actor, std::move(*filter), *limit);
  if (!page) return page.error();
  boost::json::array items;
  for (const auto& person : page->people) items.emplace_back(auth::person_json(person));
  boost::json::object answer{{"people", std::move(items)}};
  answer["next"] = page->next ? boost::json::value(format_people_cursor(*page->next))
                              : boost::json::value(nullptr);
  return api::Response::json(200, answer);
}

Result<api::Response> OrgRoutes::get_person(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto person = people_.get(*actor, request.remote_ip, path_id_or_zero(request, "id"));
  if (!person) return person.error();
  return api::Response::json(200, auth::person_json(*person));
}

Result<api::Response> OrgRoutes::invite_person(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(
      request, {"email", "name", "role", "job_title", "login", "department_id", "team_ids"});
  if (!body) return body.error();
  NewPerson person;
  auto email = body->required_string("email", auth::kMaxEmailBytes);
  if (!email) return email.error();
  person.email = std::move(*email);
  auto name = body->required_string("name", kMaxNameBytes);
  if (!name) return name.error();
  person.name = std::move(*name);
  auto role_text = body->required_string("role", 16);
  if (!role_text) return role_text.error();
  auto role = read_role(*role_text);
  if (!role) return role.error();
  person.role = *role;
  auto job_title = body->string("job_title", kMaxJobTitleCharacters * 4);
  if (!job_title) return job_title.error();
  person.job_title = job_title->value_or("");
  auto login = body->string("login", kMaxLoginBytes);
  if (!login) return login.error();
  person.login = std::move(*login);
  auto department_id = body->id("department_id");
  if (!department_id) return department_id.error();
  person.department_id = *department_id;
  auto team_ids = body->ids("team_ids", kMaxTeamIds);
  if (!team_ids) return team_ids.error();
  person.team_ids = team_ids->value_or(std::vector<TeamId>());

  auto invited = people_.invite(*actor, request.remote_ip, person);
  if (!invited) return invited.error();
  if (!invited->person.team_ids.empty()) {
    auth_.access_changed(actor->org_id, invited->person.id);
  }
  boost::json::object answer{{"person", auth::person_json(invited->person)},
                             {"invitation", deliver(invited->invitation, request)}};
  return api::Response::json(201, answer);
}

Result<api::Response> OrgRoutes::update_person(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto body = Body::parse(
      request, {"name", "role", "job_title", "login", "department_id", "team_ids", "status"});
  if (!body) return body.error();
  PersonPatch patch;
  auto name = body->string("name", kMaxNameBytes);
  if (!name) return name.error();
  patch.name = std::move(*name);
  auto role_text = body->string("role", 16);
  if (!role_text) return role_text.error();
  if (*role_text) {
    auto role = read_role(**role_text);
    if (!role) return role.error();
    patch.role = *role;
  }
  auto job_title = body->string("job_title", kMaxJobTitleCharacters * 4);
  if (!job_title) return job_title.error();
  patch.job_title = std::move(*job_title);
  auto login = body->nullable_string("login", kMaxLoginBytes);
  if (!login) return login.error();
  patch.login = std::move(*login);
  auto department_id = body->nullable_id("department_id");
  if (!department_id) return department_id.error();
  patch.department_id = *department_id;
  auto team_ids = body->ids("team_ids", kMaxTeamIds);
  if (!team_ids) return team_ids.error();
  patch.team_ids = std::move(*team_ids);
  auto status_text = body->string("status", 16);
  if (!status_text) return status_text.error();
  if (*status_text) {
    patch.status = auth::parse_person_status(**status_text);
    if (patch.status != auth::PersonStatus::active &&
        patch.status != auth::PersonStatus::suspended) {
      return fail(Errc::invalid_argument, "status: must be active or suspended");
    }
  }

  const UserId id = path_id_or_zero(request, "id");
  auto updated = people_.update(*actor, request.remote_ip, id, patch);
  if (!updated) return updated.error();
  if (patch.role || patch.status || patch.team_ids) auth_.access_changed(actor->org_id, id);
  if (updated->suspended) {
    if (auto ended = auth_.end_sessions(id, std::nullopt); !ended) return ended.error();
  }
  return api::Response::json(200, auth::person_json(updated->person));
}

Result<api::Response> OrgRoutes::delete_person(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  const UserId id = path_id_or_zero(request, "id");
  auto cancelled = people_.cancel_invitation(*actor, request.remote_ip, id);
  if (!cancelled) return cancelled.error();
  // The person's team memberships went with them.
  auth_.access_changed(actor->org_id, id);
  return api::Response::no_content();
}

Result<api::Response> OrgRoutes::reissue_invitation(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  auto invitation =
      people_.reissue_invitation(*actor, request.remote_ip, path_id_or_zero(request, "id"));
  if (!invitation) return invitation.error();
  return api::Response::json(201, deliver(*invitation, request));
}

Result<api::Response> OrgRoutes::show_invitation(const api::Request& request) {
  const auto token = request.params.find("token");
  auto view = people_.find_invitation(token == request.params.end() ? "" : token->second);
  if (!view) return view.error();
  return api::Response::json(200, invitation_view_json(*view));
}

Result<api::Response> OrgRoutes::accept_invitation(const api::Request& request) {
  auto body = Body::parse(request, {"token", "password", "name"});
  if (!body) return body.error();
  auto token = body->required_string("token", auth::kMaxTokenBytes);
  if (!token) return token.error();
  auto password = body->required_string("password", auth::kMaxPasswordBytes);
  if (!password) return password.error();
  auto name = body->string("name", kMaxNameBytes);
  if (!name) return name.error();
  auto joined = people_.accept_invitation(*token, *password, std::move(*name), request.remote_ip);
  if (!joined) return joined.error();
  auth_.access_changed(joined->org_id, joined->user_id);
  return auth_.sign_in_response(joined->user_id, request, 200);
}

}  // namespace worktrace::org
