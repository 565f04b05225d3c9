#include "org/people_service.hpp"

#include "api/params.hpp"
#include "audit/audit_log.hpp"
#include "auth/policy.hpp"
#include "org/body.hpp"
#include "org/people_rules.hpp"
#include "org/sql.hpp"
#include "org/validation.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace worktrace::org {
namespace {

Error person_not_found() { return fail(Errc::not_found, "person not found"); }

Result<void> check_profile(const std::optional<std::string>& name,
                           const std::optional<std::string>& job_title,
                           const std::optional<std::string>& login) {
  if (name) {
    if (auto ok = check_line("name", *name, 1, kMaxNameCharacters); !ok) return ok;
  }
  if (job_title) {
    if (auto ok = check_line("job_title", *job_title, 0, kMaxJobTitleCharacters); !ok) return ok;
  }
  if (login) {
    if (auto ok = check_login(*login); !ok) return ok;
  }
  return {};
}

audit::Entry person_entry(const Actor& actor, std::string_view action, std::string_view remote_ip,
                          UserId id) {
  auto entry = audit::entry_for(actor, action, remote_ip);
  entry.target_type = "user";
  entry.target_id = std::to_string(id);
  entry.subject_user_id = id;
  return entry;
}

Result<auth::Person> reload(storage::Connection& connection, OrgId org_id, UserId id) {
  auto person = auth::load_person(connection, org_id, id);
  if (!person) return person.error();
  if (!*person) return fail(Errc::internal, "person vanished");
  return std::move(**person);
}

// Makes `wanted` (sorted) the person's teams; kept memberships keep is_manager.
Result<void> replace_teams(storage::Connection& connection, UserId id,
                           const std::vector<TeamId>& current, const std::vector<TeamId>& wanted,
                           EpochMs now) {
  for (const TeamId team : current) {
    if (std::binary_search(wanted.begin(), wanted.end(), team)) continue;
    if (auto ok = sql::execute(
            connection, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", {team, id});
        !ok) {
      return ok;
    }
  }
  for (const TeamId team : wanted) {
    if (std::find(current.begin(), current.end(), team) != current.end()) continue;
    if (auto ok = sql::execute(connection,
                               "INSERT INTO team_members (team_id, user_id, is_manager, added_at) "
                               "VALUES (?, ?, 0, ?)",
                               {team, id, now});
        !ok) {
      return ok;
    }
  }
  return {};
}

constexpr std::string_view kHexDigits = "0123456789abcdef";

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

Error not_a_cursor() { return fail(Errc::invalid_argument, "after: is not a cursor of this list"); }

}  // namespace

std::string format_people_cursor(const auth::PeopleCursor& cursor) {
  std::string text = std::to_string(cursor.id) + '.';
  for (const char ch : cursor.name) {
    const auto byte = static_cast<unsigned char>(ch);
    text += kHexDigits[byte >> 4];
    text += kHexDigits[byte & 0x0f];
  }
  return text;
}

Result<auth::PeopleCursor> parse_people_cursor(std::string_view text) {
  const auto dot = text.find('.');
  if (text.size() > kMaxPeopleCursorBytes || dot == std::string_view::npos) return not_a_cursor();
  auto id = api::parse_id(text.substr(0, dot));
  const std::string_view hex = text.substr(dot + 1);
  if (!id || hex.size() % 2 != 0) return not_a_cursor();
  auth::PeopleCursor cursor;
  cursor.id = *id;
  cursor.name.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_value(hex[i]);
    const int low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return not_a_cursor();
    cursor.name += static_cast<char>((high << 4) | low);
  }
  return cursor;
}

PeopleService::PeopleService(storage::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<PeoplePage> PeopleService::list(const Actor& actor, auth::PeopleFilter filter,
                                       std::size_t limit) {
  if (auto ok =
          auth::authorize(actor, {Role::owner, Role::admin, Role::manager}, Scope::people_read);
      !ok) {
    return ok.error();
  }
  if (limit < 1 || limit > kMaxPeoplePage) {
    return fail(Errc::invalid_argument, "limit: must be 1.." + std::to_string(kMaxPeoplePage));
  }
  filter.visible_to_manager =
      auth::is_admin(actor) ? std::nullopt : std::optional<UserId>(actor.user_id);
  filter.limit = limit + 1;  // one more tells whether a next page exists
  auto people = db_.read([&](storage::Connection& connection) {
    return auth::load_people(connection, actor.org_id, filter);
  });
  if (!people) return people.error();
  PeoplePage page{std::move(*people), std::nullopt};
  if (page.people.size() > limit) {
    page.people.resize(limit);
    page.next = auth::PeopleCursor{page.people.back().name, page.people.back().id};
  }
  return page;
}

Result<auth::Person> PeopleService::get(const Actor& actor, std::string_view remote_ip, UserId id) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin, Role::manager, Role::employee},
                                Scope::people_read);
      !ok) {
    return ok.error();
  }
  auto person = db_.read([&](storage::Connection& connection) {
    return auth::load_person(connection, actor.org_id, id);
  });
  if (!person) return person.error();
  if (!*person) return person_not_found();
  if (auto ok = auth::require_view_person(actor, (*person)->org_id, id, (*person)->team_ids); !ok) {
    return ok.error();
  }
  if (actor.user_id != id) {
    auto recorded = db_.write([&](storage::Connection& connection) {
      return audit::append(connection, person_entry(actor, "person.viewed", remote_ip, id),
                           clock_.now_ms());
    });
    if (!recorded) return recorded.error();
  }
  return std::move(**person);
}

Result<Invited> PeopleService::invite(const Actor& actor, std::string_view remote_ip,
                                      const NewPerson& person) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::people_write); !ok) {
    return ok.error();
  }
  if (person.role == Role::owner && actor.role != Role::owner) {
    return fail(Errc::permission_denied, "only owners can invite owners");
  }
  auto email = normalize_email_field("email", person.email);
  if (!email) return email.error();
  if (auto ok = check_profile(person.name, person.job_title, person.login); !ok) {
    return ok.error();
  }
  auto team_ids = people_rules::normalize_team_ids(person.team_ids);
  if (!team_ids) return team_ids.error();

  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<Invited> {
    if (person.department_id) {
      if (auto ok = people_rules::require_department(connection, actor.org_id,
                                                     *person.department_id, "department_id");
          !ok) {
        return ok.error();
      }
    }
    if (auto ok = people_rules::require_teams(connection, actor.org_id, *team_ids); !ok) {
      return ok.error();
    }
    if (auto ok = people_rules::require_free_email(connection, *email); !ok) return ok.error();
    if (person.login) {
      if (auto ok = people_rules::require_free_login(connection, actor.org_id, *person.login, 0);
          !ok) {
        return ok.error();
      }
    }
    if (auto ok = people_rules::require_free_seat(connection, actor.org_id); !ok) {
      return ok.error();
    }
    auto id = sql::query_int(
        connection,
        "INSERT INTO users (org_id, email, name, role, password_hash, status, login, job_title, "
        "department_id, created_at, updated_at) VALUES (?, ?, ?, ?, '', 'invited', ?, ?, ?, ?, "
        "?) RETURNING id",
        {actor.org_id, std::string_view(*email), std::string_view(person.name),
         role_name(person.role),
         person.login ? sql::Value(std::string_view(*person.login)) : sql::Value(nullptr),
         std::string_view(person.job_title),
         person.department_id ? sql::Value(*person.department_id) : sql::Value(nullptr), now, now});
    if (!id) return id.error();
    if (!*id) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    const UserId user_id = **id;
    if (auto ok = replace_teams(connection, user_id, {}, *team_ids, now); !ok) return ok.error();
    auto invitation =
        people_rules::issue_invitation(connection, actor.org_id, user_id, actor.user_id, now);
    if (!invitation) return invitation.error();
    auto entry = person_entry(actor, "person.invited", remote_ip, user_id);
    entry.details = {{"role", role_name(person.role)}};
    if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
    auto invited = reload(connection, actor.org_id, user_id);
    if (!invited) return invited.error();
    return Invited{std::move(*invited), std::move(*invitation)};
  });
}

Result<PersonUpdate> PeopleService::update(const Actor& actor, std::string_view remote_ip,
                                           UserId id, const PersonPatch& patch) {
  if (auto ok = auth::authorize(actor, {Role::owner, Role::admin}, Scope::people_write); !ok) {
    return ok.error();
  }
  std::optional<std::string> login;
  if (patch.login && *patch.login) login = **patch.login;
  if (auto ok = check_profile(patch.name, patch.job_title, login); !ok) return ok.error();
  if (patch.status == auth::PersonStatus::invited) {
    return fail(Errc::invalid_argument, "status: must be active or suspended");
  }
  std::optional<std::vector<TeamId>> team_ids;
  if (patch.team_ids) {
    auto normalized = people_rules::normalize_team_ids(*patch.team_ids);
    if (!normalized) return normalized.error();
    team_ids = std::move(*normalized);
  }

  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<PersonUpdate> {
    auto loaded = auth::load_person(connection, actor.org_id, id);
    if (!loaded) return loaded.error();
    if (!*loaded) return person_not_found();
    auth::Person person = std::move(**loaded);
    if (auto ok = people_rules::require_may_change(actor, person.role); !ok) return ok.error();
    if (patch.role == Role::owner && actor.role != Role::owner) {
      return fail(Errc::permission_denied, "only owners can make owners");
    }
    if (patch.status && person.status == auth::PersonStatus::invited) {
      return fail(Errc::conflict, "status: an invited person must accept the invitation first");
    }
    const bool demoted = patch.role && *patch.role != Role::owner;
    const bool suspending = patch.status == auth::PersonStatus::suspended &&
                            person.status != auth::PersonStatus::suspended;
    if (person.role == Role::owner && person.status == auth::PersonStatus::active &&
        (demoted || suspending)) {
      auto others = sql::query_int(connection,
                                   "SELECT count(*) FROM users WHERE org_id = ? AND role = "
                                   "'owner' AND status = 'active' AND id <> ?",
                                   {actor.org_id, id});
      if (!others) return others.error();
      if (others->value_or(0) == 0) {
        return fail(Errc::conflict, "the last owner cannot be demoted or suspended");
      }
    }
    const bool reactivating = patch.status == auth::PersonStatus::active &&
                              person.status == auth::PersonStatus::suspended;
    if (reactivating) {
      if (auto ok = people_rules::require_free_seat(connection, actor.org_id); !ok) {
        return ok.error();
      }
    }
    if (patch.department_id && *patch.department_id) {
      if (auto ok = people_rules::require_department(connection, actor.org_id,
                                                     **patch.department_id, "department_id");
          !ok) {
        return ok.error();
      }
    }
    if (team_ids) {
      if (auto ok = people_rules::require_teams(connection, actor.org_id, *team_ids); !ok) {
        return ok.error();
      }
    }
    if (login) {
      if (auto ok = people_rules::require_free_login(connection, actor.org_id, *login, id); !ok) {
        return ok.error();
      }
    }

    boost::json::array changed;
    const auto note = [&](std::string_view field, bool differs) {
      if (differs) changed.emplace_back(field);
      return differs;
    };
    if (patch.name && note("name", *patch.name != person.name)) person.name = *patch.name;
    if (patch.role && note("role", *patch.role != person.role)) person.role = *patch.role;
    if (patch.job_title && note("job_title", *patch.job_title != person.job_title)) {
      person.job_title = *patch.job_title;
    }
    if (patch.login && note("login", *patch.login != person.login)) person.login = *patch.login;
    if (patch.department_id &&
        note("department_id", *patch.department_id != person.department_id)) {
      person.department_id = *patch.department_id;
    }
    if (team_ids && note("team_ids", *team_ids != person.team_ids)) {
      if (auto ok = replace_teams(connection, id, person.team_ids, *team_ids, now); !ok) {
        return ok.error();
      }
    }
    const bool status_changed = patch.status && *patch.status != person.status;
    if (status_changed) person.status = *patch.status;
    if (changed.empty() && !status_changed) return PersonUpdate{std::move(person), false};

    if (auto ok = sql::execute(
            connection,
            "UPDATE users SET name = ?, role = ?, job_title = ?, login = ?, department_id = ?, "
            "status = ?, updated_at = ? WHERE id = ? AND org_id = ?",
            {std::string_view(person.name), role_name(person.role),
             std::string_view(person.job_title),
             person.login ? sql::Value(std::string_view(*person.login)) : sql::Value(nullptr),
             person.department_id ? sql::Value(*person.department_id) : sql::Value(nullptr),
             auth::person_status_name(person.status), now, id, actor.org_id});
        !ok) {
      return ok.error();
    }
    if (person.role == Role::employee) {
      // Employees manage no team.
      if (auto ok = sql::execute(connection,
                                 "UPDATE team_members SET is_manager = 0 WHERE user_id = ?", {id});
          !ok) {
        return ok.error();
      }
    }
    if (!changed.empty()) {
      auto entry = person_entry(actor, "person.updated", remote_ip, id);
      entry.details["changed"] = std::move(changed);
      if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
    }
    if (status_changed) {
      auto entry = person_entry(actor, suspending ? "person.suspended" : "person.reactivated",
                                remote_ip, id);
      if (auto ok = audit::append(connection, std::move(entry), now); !ok) return ok.error();
    }
    auto updated = reload(connection, actor.org_id, id);
    if (!updated) return updated.error();
    return PersonUpdate{std::move(*updated), suspending};
  });
}

}  // namespace worktrace::org
