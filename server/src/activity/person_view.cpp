#include "activity/person_view.hpp"

#include "api/params.hpp"
#include "auth/person.hpp"
#include "auth/policy.hpp"

#include <string>
#include <utility>

namespace worktrace::activity {

Result<PersonViewRequest> read_person_view(auth::AuthService& auth, const api::Request& request) {
  auto actor = auth.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = auth::authorize(
          *actor, {Role::owner, Role::admin, Role::manager, Role::employee}, Scope::reports_read);
      !allowed) {
    return allowed.error();
  }
  auto person_id = api::path_id(request, "id", "person");
  if (!person_id) return person_id.error();
  return PersonViewRequest{std::move(*actor), *person_id};
}

Result<void> require_visible_person(storage::Connection& connection, const Actor& actor,
                                    UserId person_id) {
  auto person = auth::load_person(connection, actor.org_id, person_id);
  if (!person) return person.error();
  if (!*person) return fail(Errc::not_found, "person not found");
  return auth::require_view_person(actor, (*person)->org_id, person_id, (*person)->team_ids);
}

Result<void> audit_view(storage::Db& db, const Clock& clock, audit::Entry entry) {
  auto appended = db.write([&](storage::Connection& connection) {
    return audit::append(connection, std::move(entry), clock.now_ms());
  });
  if (!appended) return appended.error();
  return {};
}

Result<void> audit_person_view(storage::Db& db, const Clock& clock, const PersonViewRequest& viewer,
                               std::string_view remote_ip, std::string_view view, TimeRange range) {
  if (viewer.actor.user_id == viewer.person_id) return {};
  audit::Entry entry = audit::entry_for(viewer.actor, "activity.viewed", remote_ip);
  entry.target_type = "user";
  entry.target_id = std::to_string(viewer.person_id);
  entry.subject_user_id = viewer.person_id;
  entry.details = {{"view", view}, {"from", range.from}, {"to", range.to}};
  return audit_view(db, clock, std::move(entry));
}

}  // namespace worktrace::activity
