#pragma once

#include "activity/timeline_service.hpp"
#include "api/http_types.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <string_view>

// The access path that every report on one person shares (the timeline, input minutes,
// websites): who asks, whether they may see that person, and the audit of the view.
namespace worktrace::activity {

// The caller of a report on the person {id} of the path, and that person's id.
struct PersonViewRequest {
  Actor actor;
  UserId person_id = 0;
};

// Authenticates the caller, authorizes them for reports (every role, scope reports:read), then
// reads the person {id} of the path (Errc::invalid_argument when it is not an id).
[[nodiscard]] Result<PersonViewRequest> read_person_view(auth::AuthService& auth,
                                                         const api::Request& request);

// Errc::not_found unless `person_id` is a person of the actor's organization, then
// auth::require_view_person (Errc::permission_denied for a person the actor may not view).
[[nodiscard]] Result<void> require_visible_person(storage::Connection& connection,
                                                  const Actor& actor, UserId person_id);

// Appends `entry` (a report view) to the audit log in its own write transaction, at the
// clock's now.
[[nodiscard]] Result<void> audit_view(storage::Db& db, const Clock& clock, audit::Entry entry);

// Audit-logs a view of someone else's data as activity.viewed {view, from, to} on the person,
// in its own write transaction; nothing when the caller views their own data.
[[nodiscard]] Result<void> audit_person_view(storage::Db& db, const Clock& clock,
                                             const PersonViewRequest& viewer,
                                             std::string_view remote_ip, std::string_view view,
                                             TimeRange range);

}  // namespace worktrace::activity
