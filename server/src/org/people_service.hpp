#pragma once

#include "auth/person.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::org {

inline constexpr std::string_view kInvitationTokenPrefix = "wti_";
inline constexpr EpochMs kInvitationLifetimeMs = 7LL * 24 * 60 * 60 * 1000;
// Most teams one change may name.
inline constexpr std::size_t kMaxTeamIds = 100;
// Page sizes of the people list.
inline constexpr std::size_t kMaxPeoplePage = 1000;
inline constexpr std::size_t kDefaultPeoplePage = 500;
// Longest cursor text: an id, '.', and a name of at most 800 bytes in hex.
inline constexpr std::size_t kMaxPeopleCursorBytes = 1700;

// A person to invite.
struct NewPerson {
  std::string email;
  std::string name;
  Role role = Role::employee;
  std::string job_title;
  std::optional<std::string> login;
  std::optional<std::int64_t> department_id;
  std::vector<TeamId> team_ids;
};

// A change to a person: absent fields stay; inner nullopt clears (login, department).
struct PersonPatch {
  std::optional<std::string> name;
  std::optional<Role> role;
  std::optional<std::string> job_title;
  std::optional<std::optional<std::string>> login;
  std::optional<std::optional<std::int64_t>> department_id;
  std::optional<std::vector<TeamId>> team_ids;  // the complete new set
  std::optional<auth::PersonStatus> status;     // active or suspended
};

// A freshly issued invitation. `token` is shown once and stored only hashed.
struct IssuedInvitation {
  std::int64_t id = 0;
  std::string token;
  EpochMs expires_at = 0;
  std::string email;
  std::string name;
  std::string org_name;
};

struct Invited {
  auth::Person person;
  IssuedInvitation invitation;
};

struct PersonUpdate {
  auth::Person person;
  bool suspended = false;  // the person was suspended now: their sessions must end
};

// One page of the people list; `next` is where the next page starts (nullopt: no more).
struct PeoplePage {
  std::vector<auth::Person> people;
  std::optional<auth::PeopleCursor> next;
};

// The cursor as the API shows it: "<id>.<name in lower-case hex>" (URL-safe, opaque to clients).
[[nodiscard]] std::string format_people_cursor(const auth::PeopleCursor& cursor);
// invalid_argument "after: is not a cursor of this list" unless `text` came from
// format_people_cursor.
[[nodiscard]] Result<auth::PeopleCursor> parse_people_cursor(std::string_view text);

// What an invitation link shows before it is accepted.
struct InvitationView {
  std::string email;
  std::string name;
  std::string org_name;
  EpochMs expires_at = 0;
};

// The person who accepted an invitation.
struct Joined {
  UserId user_id = 0;
  OrgId org_id = 0;
};

// People of an organization and their invitations. Policy: listing needs people:read and
// owner/admin (everyone) or manager (members of managed teams and self), employees 403;
// one person: may_view_person; writes owner/admin with people:write. Only owners invite,
// change or make owners (permission_denied); the last active owner cannot be demoted or
// suspended (conflict). Emails are unique server-wide, logins per organization (conflict).
// Ids in changes that are not of the caller's organization: invalid_argument naming the
// field. Every change appends its audit entry in its transaction. Thread-safe: no mutable
// state.
class PeopleService {
 public:
  // `db` and `clock` must outlive this service.
  PeopleService(storage::Db& db, const Clock& clock);

  // At most `limit` (1..kMaxPeoplePage, else invalid_argument) people matching `filter`,
  // starting after filter.after. Managers get only themselves and the members of the teams
  // they manage (filtered in the query, so pages are full).
  [[nodiscard]] Result<PeoplePage> list(const Actor& actor, auth::PeopleFilter filter,
                                        std::size_t limit = kDefaultPeoplePage);
  // Audit person.viewed when the actor is not the person.
  [[nodiscard]] Result<auth::Person> get(const Actor& actor, std::string_view remote_ip, UserId id);
  // Creates the person with status invited and an invitation valid kInvitationLifetimeMs.
  // conflict "seats: all N seats are taken" when active + invited people fill the seats.
  [[nodiscard]] Result<Invited> invite(const Actor& actor, std::string_view remote_ip,
                                       const NewPerson& person);
  [[nodiscard]] Result<PersonUpdate> update(const Actor& actor, std::string_view remote_ip,
                                            UserId id, const PersonPatch& patch);
  // A new invitation for an invited person; earlier ones stop working. conflict when the
  // person is not invited.
  [[nodiscard]] Result<IssuedInvitation> reissue_invitation(const Actor& actor,
                                                            std::string_view remote_ip, UserId id);

  // Deletes an invited person and their invitations (cancels the invitation; the email is
  // free again). conflict when the person is not invited; only owners cancel owners' invitations.
  // Audit person.invitation_cancelled (no subject: the person is gone; details {email}).
  [[nodiscard]] Result<void> cancel_invitation(const Actor& actor, std::string_view remote_ip,
                                               UserId id);

  // Without sign-in: not_found "invitation is unknown, used or expired" unless `token` is a
  // live invitation of a still invited person.
  [[nodiscard]] Result<InvitationView> find_invitation(std::string_view token);
  // Sets the password (auth::check_new_password) and, when given, the name; the person
  // becomes active; the invitation is used up. Audit person.joined.
  [[nodiscard]] Result<Joined> accept_invitation(std::string_view token, std::string_view password,
                                                 std::optional<std::string> name,
                                                 std::string_view remote_ip);

 private:
  storage::Db& db_;
  const Clock& clock_;
};

}  // namespace worktrace::org
