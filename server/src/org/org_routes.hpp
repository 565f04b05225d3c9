#pragma once

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "org/mailer.hpp"
#include "org/options.hpp"
#include "org/org_service.hpp"
#include "org/org_settings.hpp"
#include "org/people_service.hpp"
#include "org/signup_limiter.hpp"
#include "org/structure_service.hpp"
#include "storage/db.hpp"

namespace worktrace::org {

// The HTTP routes of organizations, departments, teams, people, invitations and sign-up
// (the "org helper" table of the accounts contract): parse, authenticate, delegate to the
// services, render. After changes to roles, status or team membership it calls
// auth.access_changed(org, person); after a team is deleted or moved, a department moved or
// require_2fa switched, auth.access_changed(org, nullopt). A suspension ends the person's
// sessions (auth.end_sessions).
// Invitation mails go out after the invitation is committed and never fail the request.
// Thread-safe.
class OrgRoutes {
 public:
  // `db`, `auth` and `clock` must outlive this object.
  OrgRoutes(storage::Db& db, auth::AuthService& auth, const Clock& clock, OrgOptions options);

  void register_routes(api::Router& router);

 private:
  // org_routes.cpp
  [[nodiscard]] Result<api::Response> signup(const api::Request& request);
  [[nodiscard]] Result<api::Response> get_org(const api::Request& request);
  [[nodiscard]] Result<api::Response> patch_org(const api::Request& request);
  [[nodiscard]] Result<api::Response> list_departments(const api::Request& request);
  [[nodiscard]] Result<api::Response> create_department(const api::Request& request);
  [[nodiscard]] Result<api::Response> update_department(const api::Request& request);
  [[nodiscard]] Result<api::Response> delete_department(const api::Request& request);
  [[nodiscard]] Result<api::Response> list_teams(const api::Request& request);
  [[nodiscard]] Result<api::Response> create_team(const api::Request& request);
  [[nodiscard]] Result<api::Response> update_team(const api::Request& request);
  [[nodiscard]] Result<api::Response> delete_team(const api::Request& request);
  [[nodiscard]] Result<api::Response> list_members(const api::Request& request);
  [[nodiscard]] Result<api::Response> put_member(const api::Request& request);
  [[nodiscard]] Result<api::Response> remove_member(const api::Request& request);
  // people_routes.cpp
  [[nodiscard]] Result<api::Response> list_people(const api::Request& request);
  [[nodiscard]] Result<api::Response> get_person(const api::Request& request);
  [[nodiscard]] Result<api::Response> invite_person(const api::Request& request);
  [[nodiscard]] Result<api::Response> update_person(const api::Request& request);
  [[nodiscard]] Result<api::Response> delete_person(const api::Request& request);
  [[nodiscard]] Result<api::Response> reissue_invitation(const api::Request& request);
  [[nodiscard]] Result<api::Response> show_invitation(const api::Request& request);
  [[nodiscard]] Result<api::Response> accept_invitation(const api::Request& request);
  // {id,url,expires_at,emailed}: mails the invitation when SMTP and public_url are set.
  [[nodiscard]] boost::json::object deliver(const IssuedInvitation& invitation,
                                            const api::Request& request);

  auth::AuthService& auth_;
  const Clock& clock_;
  OrgOptions options_;
  OrgService orgs_;
  OrgSettings settings_;
  StructureService structure_;
  PeopleService people_;
  Mailer mailer_;
  SignupLimiter signup_limiter_;
};

// The invitation link: `public_url` or, when empty, the request's scheme and Host, then
// "/#/invite/<token>".
[[nodiscard]] std::string invitation_url(std::string_view public_url, const api::Request& request,
                                         std::string_view token);

}  // namespace worktrace::org
