#pragma once

// Checks and steps shared by the people and invitation code of PeopleService. Internal to org/.

#include "core/actor.hpp"
#include "core/result.hpp"
#include "org/people_service.hpp"
#include "storage/db.hpp"

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace worktrace::org::people_rules {

// permission_denied "only owners can change owners" when `actor` is not an owner and the
// person they would change (profile, role, status, team membership) has `person_role`.
[[nodiscard]] Result<void> require_may_change(const Actor& actor, Role person_role);

// invalid_argument "<field>: no such department" unless `department_id` is of `org_id`.
[[nodiscard]] Result<void> require_department(storage::Connection& connection, OrgId org_id,
                                              std::int64_t department_id, std::string_view field);

// invalid_argument "team_ids: no such team" unless every id is a team of `org_id`.
[[nodiscard]] Result<void> require_teams(storage::Connection& connection, OrgId org_id,
                                         std::span<const TeamId> team_ids);

// conflict "email: already registered" when any organization has a person with `email`.
[[nodiscard]] Result<void> require_free_email(storage::Connection& connection,
                                              std::string_view email);

// conflict "login: already taken" when another person of `org_id` has `login`.
[[nodiscard]] Result<void> require_free_login(storage::Connection& connection, OrgId org_id,
                                              std::string_view login, UserId except);

// conflict "seats: all N seats are taken" when active + invited people fill the seats.
[[nodiscard]] Result<void> require_free_seat(storage::Connection& connection, OrgId org_id);

// Voids the person's open invitations and stores a new one (created by `created_by`).
[[nodiscard]] Result<IssuedInvitation> issue_invitation(storage::Connection& connection,
                                                        OrgId org_id, UserId user_id,
                                                        std::optional<UserId> created_by,
                                                        EpochMs now);

// Sorted, without duplicates; invalid_argument when more than kMaxTeamIds.
[[nodiscard]] Result<std::vector<TeamId>> normalize_team_ids(std::vector<TeamId> team_ids);

}  // namespace worktrace::org::people_rules
