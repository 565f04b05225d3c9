#include "auth/person.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <map>

namespace worktrace::auth {
namespace {

constexpr std::string_view kPersonColumns =
    "SELECT u.id, u.org_id, u.email, u.name, u.login, u.role, u.status, u.job_title, "
    "u.department_id, u.created_at, "
    "(SELECT max(s.created_at) FROM sessions s WHERE s.user_id = u.id), "
    "EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL) "
    "FROM users u ";

Result<Person> read_person(const storage::Statement& s) {
  Person person;
  person.id = s.column_int(0);
  person.org_id = s.column_int(1);
  person.email = s.column_text(2);
  person.name = s.column_text(3);
  if (!s.column_is_null(4)) person.login = s.column_text(4);
  auto role = parse_role(s.column_text(5));
  if (!role) return fail(Errc::internal, "users: unknown role '" + s.column_text(5) + "'");
  person.role = *role;
  auto status = parse_person_status(s.column_text(6));
  if (!status) return fail(Errc::internal, "users: unknown status '" + s.column_text(6) + "'");
  person.status = *status;
  person.job_title = s.column_text(7);
  if (!s.column_is_null(8)) person.department_id = s.column_int(8);
  person.created_at = s.column_int(9);
  if (!s.column_is_null(10)) person.last_sign_in_at = s.column_int(10);
  person.totp_enabled = s.column_int(11) != 0;
  return person;
}

boost::json::array id_array(const std::vector<std::int64_t>& ids) {
  boost::json::array array;
  for (const auto id : ids) array.emplace_back(id);
  return array;
}

}  // namespace

std::string_view person_status_name(PersonStatus status) noexcept {
  switch (status) {
    case PersonStatus::invited:
      return "invited";
    case PersonStatus::active:
      return "active";
    case PersonStatus::suspended:
      return "suspended";
  }
  return "active";
}

std::optional<PersonStatus> parse_person_status(std::string_view name) noexcept {
  if (name == "invited") return PersonStatus::invited;
  if (name == "active") return PersonStatus::active;
  if (name == "suspended") return PersonStatus::suspended;
  return std::nullopt;
}

boost::json::object person_json(const Person& person) {
  boost::json::object json{{"id", person.id},
                           {"email", person.email},
                           {"name", person.name},
                           {"role", role_name(person.role)},
                           {"status", person_status_name(person.status)},
                           {"job_title", person.job_title},
                           {"team_ids", id_array(person.team_ids)},
                           {"managed_team_ids", id_array(person.managed_team_ids)},
                           {"totp_enabled", person.totp_enabled},
                           {"created_at", person.created_at}};
  json["login"] = person.login ? boost::json::value(*person.login) : boost::json::value(nullptr);
  json["department_id"] = person.department_id ? boost::json::value(*person.department_id)
                                               : boost::json::value(nullptr);
  json["last_sign_in_at"] = person.last_sign_in_at ? boost::json::value(*person.last_sign_in_at)
                                                   : boost::json::value(nullptr);
  return json;
}

Result<TeamMembership> load_membership(storage::Connection& connection, UserId user_id) {
  auto statement = connection.prepare(
      "SELECT team_id, is_manager FROM team_members WHERE user_id = ? ORDER BY team_id");
  if (!statement) return statement.error();
  (*statement)->bind_int(1, user_id);
  TeamMembership membership;
  for (;;) {
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) break;
    const TeamId team = (*statement)->column_int(0);
    membership.team_ids.push_back(team);
    if ((*statement)->column_int(1) != 0) membership.managed_team_ids.push_back(team);
  }
  return membership;
}

Result<std::optional<Person>> load_person(storage::Connection& connection, OrgId org_id,
                                          UserId id) {
  auto statement =
      connection.prepare(std::string(kPersonColumns) + "WHERE u.id = ? AND u.org_id = ?");
  if (!statement) return statement.error();
  (*statement)->bind_int(1, id);
  (*statement)->bind_int(2, org_id);
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Person>();
  auto person = read_person(**statement);
  if (!person) return person.error();
  statement->reset();
  auto membership = load_membership(connection, id);
  if (!membership) return membership.error();
  person->team_ids = std::move(membership->team_ids);
  person->managed_team_ids = std::move(membership->managed_team_ids);
  return std::optional<Person>(std::move(*person));
}

Result<std::vector<Person>> load_people(storage::Connection& connection, OrgId org_id,
                                        const PeopleFilter& filter) {
  std::string sql(kPersonColumns);
  sql += "WHERE u.org_id = ?";
  if (filter.status) sql += " AND u.status = ?";
  if (filter.department_id) sql += " AND u.department_id = ?";
  if (filter.team_id) {
    sql += " AND EXISTS (SELECT 1 FROM team_members m WHERE m.user_id = u.id AND m.team_id = ?)";
  }
  if (!filter.query.empty())
    sql += " AND (lower(u.name) LIKE ? ESCAPE '\\' OR u.email LIKE ? ESCAPE '\\')";
  if (filter.visible_to_manager) {
    sql +=
        " AND (u.id = ? OR EXISTS (SELECT 1 FROM team_members m JOIN team_members k ON "
        "k.team_id = m.team_id WHERE m.user_id = u.id AND k.user_id = ? AND k.is_manager = 1))";
  }
  if (filter.after) sql += " AND (lower(u.name), u.id) > (lower(?), ?)";
  sql += " ORDER BY lower(u.name), u.id LIMIT " +
         std::to_string(std::min(filter.limit, kMaxPeopleLoaded));
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  auto& s = **statement;
  int index = 1;
  s.bind_int(index++, org_id);
  if (filter.status) s.bind_text(index++, person_status_name(*filter.status));
  if (filter.department_id) s.bind_int(index++, *filter.department_id);
  if (filter.team_id) s.bind_int(index++, *filter.team_id);
  if (!filter.query.empty()) {
    std::string pattern = "%";
    for (const char ch : filter.query) {
      if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
      pattern += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    pattern += '%';
    s.bind_text(index++, pattern);
    s.bind_text(index++, pattern);
  }
  if (filter.visible_to_manager) {
    s.bind_int(index++, *filter.visible_to_manager);
    s.bind_int(index++, *filter.visible_to_manager);
  }
  if (filter.after) {
    s.bind_text(index++, filter.after->name);
    s.bind_int(index++, filter.after->id);
  }
  std::vector<Person> people;
  std::map<UserId, std::size_t> by_id;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    auto person = read_person(s);
    if (!person) return person.error();
    by_id[person->id] = people.size();
    people.push_back(std::move(*person));
  }
  statement->reset();
  if (people.empty()) return people;

  auto teams = connection.prepare(
      "SELECT m.user_id, m.team_id, m.is_manager FROM team_members m "
      "JOIN teams t ON t.id = m.team_id WHERE t.org_id = ? ORDER BY m.team_id");
  if (!teams) return teams.error();
  (*teams)->bind_int(1, org_id);
  for (;;) {
    auto row = (*teams)->step();
    if (!row) return row.error();
    if (!*row) break;
    const auto found = by_id.find((*teams)->column_int(0));
    if (found == by_id.end()) continue;
    Person& person = people[found->second];
    const TeamId team = (*teams)->column_int(1);
    person.team_ids.push_back(team);
    if ((*teams)->column_int(2) != 0) person.managed_team_ids.push_back(team);
  }
  return people;
}

}  // namespace worktrace::auth
