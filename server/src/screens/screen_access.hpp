#pragma once

#include "audit/audit_log.hpp"
#include "core/actor.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <string_view>

// Who may see whose screen, and the audit entries of viewing it. Functions over a Connection
// the caller's transaction provides.
namespace worktrace::screens {

inline constexpr std::string_view kForbiddenMessage =
    "only owners, admins and the person's managers may see their screen";

// May `viewer` watch person `person_id`'s screen? In the policy's order: an employee (even for
// themselves) gets Errc::permission_denied before anything is looked up; a person who is not an
// active or invited member of the viewer's organization (another organization, none, deleted,
// suspended) gets Errc::not_found "no such person"; then owners and admins may, managers of one
// of the person's teams may, and everyone else gets Errc::permission_denied kForbiddenMessage.
[[nodiscard]] Result<void> check_watch(storage::Connection& connection, const Actor& viewer,
                                       UserId person_id);

// Whether the screenshots of organization `org_id` are enabled (its tracking policy).
[[nodiscard]] Result<bool> screenshots_enabled(storage::Connection& connection, OrgId org_id);

// The audit entry of `action` (screens.view_started, screens.view_ended,
// screens.capture_requested) by `viewer` on person `person_id`.
[[nodiscard]] audit::Entry viewing_entry(const Actor& viewer, std::string_view action,
                                         UserId person_id);

}  // namespace worktrace::screens
