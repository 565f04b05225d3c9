#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace worktrace::auth {

enum class PersonStatus { invited, active, suspended };

[[nodiscard]] std::string_view person_status_name(PersonStatus status) noexcept;
[[nodiscard]] std::optional<PersonStatus> parse_person_status(std::string_view name) noexcept;

// A person of an organization as the API shows them (docs/api/v1.md, "Person").
struct Person {
  UserId id = 0;
  OrgId org_id = 0;
  std::string email;
  std::string name;
  std::optional<std::string> login;
  Role role = Role::employee;
  PersonStatus status = PersonStatus::active;
  std::string job_title;
  std::optional<std::int64_t> department_id;
  std::vector<TeamId> team_ids;          // every team the person is in, ascending
  std::vector<TeamId> managed_team_ids;  // those where the person is a manager, ascending
  bool totp_enabled = false;
  EpochMs created_at = 0;
  std::optional<EpochMs> last_sign_in_at;
};

[[nodiscard]] boost::json::object person_json(const Person& person);

// Most people one load_people call returns.
inline constexpr std::size_t kMaxPeopleLoaded = 10'000;

// A place in load_people's order (lower(name), id): the person `id` named `name`.
struct PeopleCursor {
  std::string name;
  UserId id = 0;
};

// Which people load_people returns; empty fields do not filter.
struct PeopleFilter {
  std::optional<PersonStatus> status;
  std::optional<std::int64_t> department_id;
  std::optional<TeamId> team_id;
  std::string query;  // case-insensitive substring of name or email
  // Only this person and the members of the teams where they are a manager (a manager's view).
  std::optional<UserId> visible_to_manager;
  // Only the people after this place in the order (keyset paging).
  std::optional<PeopleCursor> after;
  // At most this many people (capped at kMaxPeopleLoaded).
  std::size_t limit = kMaxPeopleLoaded;
};

// The person `id` of organization `org_id`; nullopt when there is none (or in another org).
[[nodiscard]] Result<std::optional<Person>> load_person(storage::Connection& connection,
                                                        OrgId org_id, UserId id);

// The people of `org_id` matching `filter`, ordered by (lower(name), id). At most
// min(filter.limit, kMaxPeopleLoaded).
[[nodiscard]] Result<std::vector<Person>> load_people(storage::Connection& connection, OrgId org_id,
                                                      const PeopleFilter& filter);

// The teams `user_id` is in, and those where they are a manager (both ascending).
struct TeamMembership {
  std::vector<TeamId> team_ids;
  std::vector<TeamId> managed_team_ids;
};
[[nodiscard]] Result<TeamMembership> load_membership(storage::Connection& connection,
                                                     UserId user_id);

}  // namespace worktrace::auth
