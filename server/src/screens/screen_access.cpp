#include "screens/screen_access.hpp"

#include "auth/person.hpp"
#include "auth/policy.hpp"
#include "tracking/tracking_policy.hpp"

#include <string>

namespace worktrace::screens {

Result<void> check_watch(storage::Connection& connection, const Actor& viewer, UserId person_id) {
  if (viewer.role == Role::employee) {
    return fail(Errc::permission_denied, std::string(kForbiddenMessage));
  }
  auto person = auth::load_person(connection, viewer.org_id, person_id);
  if (!person) return person.error();
  if (!*person || (*person)->org_id != viewer.org_id ||
      (*person)->status == auth::PersonStatus::suspended) {
    return fail(Errc::not_found, "no such person");
  }
  if (auth::is_admin(viewer)) return {};
  if (viewer.role == Role::manager && auth::manages_any(viewer, (*person)->team_ids)) return {};
  return fail(Errc::permission_denied, std::string(kForbiddenMessage));
}

Result<bool> screenshots_enabled(storage::Connection& connection, OrgId org_id) {
  auto policy = tracking::load_policy(connection, org_id);
  if (!policy) return policy.error();
  return policy->screenshots.enabled;
}

audit::Entry viewing_entry(const Actor& viewer, std::string_view action, UserId person_id) {
  // The relay learns no address of the dashboard: the session's own sign-in records it.
  audit::Entry entry = audit::entry_for(viewer, action, "");
  entry.target_type = "user";
  entry.target_id = std::to_string(person_id);
  entry.subject_user_id = person_id;
  return entry;
}

}  // namespace worktrace::screens
