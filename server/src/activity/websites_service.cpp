#include "activity/websites_service.hpp"

#include "activity/person_view.hpp"
#include "api/params.hpp"
#include "audit/audit_log.hpp"
#include "auth/policy.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace worktrace::activity {
namespace {

constexpr std::int64_t kMaxQueryMs = std::int64_t{1} << 53;

Result<EpochMs> required_ms(const api::Request& request, std::string_view key) {
  const auto found = request.query.find(key);
  if (found == request.query.end() || found->second.empty()) {
    return fail(Errc::invalid_argument, std::string(key) + ": is required");
  }
  const auto value = api::parse_int(found->second, 0, kMaxQueryMs);
  if (!value) {
    return fail(Errc::invalid_argument,
                std::string(key) + ": must be a time in epoch milliseconds");
  }
  return *value;
}

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// The first `limit` entries of `items` by ms descending, then by key ascending.
template <class Item>
void keep_top(std::vector<Item>& items, std::size_t limit) {
  const std::size_t count = std::min(limit, items.size());
  std::partial_sort(
      items.begin(), items.begin() + static_cast<std::ptrdiff_t>(count), items.end(),
      [](const Item& a, const Item& b) { return a.ms != b.ms ? a.ms > b.ms : a.key < b.key; });
  items.resize(count);
}

struct Page {
  std::string key;  // url
  std::int64_t ms = 0;
  std::string title;           // the title of the page's longest piece
  std::int64_t title_ms = -1;  // that piece's length
};

struct PersonDomain {
  std::string key;  // domain
  std::int64_t ms = 0;
  std::map<std::string, Page> pages;  // by url
};

struct TeamPerson {
  std::string key;  // name, then user id as tie-breaker below
  std::int64_t ms = 0;
  UserId user_id = 0;
};

struct TeamDomain {
  std::string key;
  std::int64_t ms = 0;
  std::vector<TeamPerson> people;
};

// The entries of `by_key` with their key set, ranked and cut as keep_top does.
template <class Item>
std::vector<Item> top_entries(std::map<std::string, Item>& by_key, std::size_t limit) {
  std::vector<Item> ranked;
  ranked.reserve(by_key.size());
  for (auto& [key, item] : by_key) {
    item.key = key;
    ranked.push_back(std::move(item));
  }
  keep_top(ranked, limit);
  return ranked;
}

// The body of a websites report on `subject` ("user_id" or "team_id") `id`.
boost::json::object report_json(std::string_view subject, std::int64_t id, TimeRange range,
                                std::int64_t total_ms, boost::json::array domains) {
  return boost::json::object{{subject, id},
                             {"from", range.from},
                             {"to", range.to},
                             {"total_seconds", seconds(total_ms)},
                             {"domains", std::move(domains)}};
}

}  // namespace

Result<TimeRange> read_websites_range(const api::Request& request) {
  auto from = required_ms(request, "from");
  if (!from) return from.error();
  auto to = required_ms(request, "to");
  if (!to) return to.error();
  if (*to <= *from) return fail(Errc::invalid_argument, "to: must be after from");
  if (*to - *from > kMaxWebsitesRangeMs) {
    return fail(Errc::invalid_argument, "to: must be at most 31 days after from");
  }
  return TimeRange{*from, *to};
}

WebsitesService::WebsitesService(storage::Db& db, auth::AuthService& auth, const Clock& clock,
                                 RedactionSource redaction)
    : db_(db), auth_(auth), clock_(clock), redaction_(std::move(redaction)) {}

void WebsitesService::register_routes(api::Router& router) {
  router.add("GET", "/api/v1/people/{id}/websites", [this](api::Request& request) {
    return api::respond(person_websites(request), "activity");
  });
  router.add("GET", "/api/v1/teams/{id}/websites", [this](api::Request& request) {
    return api::respond(team_websites(request), "activity");
  });
}

Result<api::Response> WebsitesService::person_websites(const api::Request& request) {
  auto viewer = read_person_view(auth_, request);
  if (!viewer) return viewer.error();
  auto range = read_websites_range(request);
  if (!range) return range.error();
  auto policy = redaction_(viewer->actor.org_id);
  if (!policy) return policy.error();
  const bool list_pages = (*policy)->url_mode != protocol::UrlMode::domain;

  std::int64_t total_ms = 0;
  std::map<std::string, PersonDomain> domains;
  auto read = db_.read([&](storage::Connection& connection) -> Result<void> {
    if (auto visible = require_visible_person(connection, viewer->actor, viewer->person_id);
        !visible) {
      return visible.error();
    }
    return store::for_each_span(
        connection, viewer->actor.org_id, viewer->person_id, range->from, range->to,
        [&](const TimelineSpan& span) {
          const std::int64_t ms = span.end - span.start;
          if (span.idle || span.is_private || span.domain.empty() || ms <= 0) return true;
          total_ms += ms;
          PersonDomain& domain = domains[span.domain];
          domain.ms += ms;
          if (list_pages && !span.url.empty()) {
            Page& page = domain.pages[span.url];
            page.ms += ms;
            if (ms > page.title_ms) {
              page.title = span.title;
              page.title_ms = ms;
            }
          }
          return true;
        });
  });
  if (!read) return read.error();

  boost::json::array domain_items;
  for (PersonDomain& domain : top_entries(domains, kMaxWebsiteDomains)) {
    boost::json::array page_items;
    for (const Page& page : top_entries(domain.pages, kMaxDomainPages)) {
      page_items.emplace_back(boost::json::object{
          {"url", page.key}, {"title", page.title}, {"seconds", seconds(page.ms)}});
    }
    domain_items.emplace_back(boost::json::object{
        {"domain", domain.key}, {"seconds", seconds(domain.ms)}, {"pages", std::move(page_items)}});
  }

  if (auto recorded =
          audit_person_view(db_, clock_, *viewer, request.remote_ip, "websites", *range);
      !recorded) {
    return recorded.error();
  }
  return api::Response::json(
      200, report_json("user_id", viewer->person_id, *range, total_ms, std::move(domain_items)));
}

Result<api::Response> WebsitesService::team_websites(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed =
          auth::authorize(*actor, {Role::owner, Role::admin, Role::manager}, Scope::reports_read);
      !allowed) {
    return allowed.error();
  }
  auto team_id = api::path_id(request, "id", "team");
  if (!team_id) return team_id.error();
  auto range = read_websites_range(request);
  if (!range) return range.error();

  std::int64_t total_ms = 0;
  std::map<std::string, TeamDomain> domains;
  auto read = db_.read([&](storage::Connection& connection) -> Result<void> {
    auto team = connection.prepare("SELECT 1 FROM teams WHERE id = ? AND org_id = ?");
    if (!team) return team.error();
    (*team)->bind_int(1, *team_id);
    (*team)->bind_int(2, actor->org_id);
    auto found = (*team)->step();
    if (!found) return found.error();
    if (!*found) return fail(Errc::not_found, "team not found");
    const TeamId team_ids[] = {*team_id};
    if (!auth::is_admin(*actor) && !auth::manages_any(*actor, team_ids)) {
      return fail(Errc::permission_denied, "only a manager of this team may view its websites");
    }
    // SUM over BIGINT is NUMERIC in PostgreSQL: cast back.
    auto statement = connection.prepare(
        "SELECT r.domain, r.user_id, u.name, CAST(SUM(r.active_ms) AS BIGINT) "
        "FROM rollup_domains r JOIN team_members m ON m.user_id = r.user_id AND m.team_id = ? "
        "JOIN users u ON u.id = r.user_id "
        "WHERE r.org_id = ? AND r.slot_ms > ? AND r.slot_ms < ? "
        "GROUP BY r.domain, r.user_id, u.name");
    if (!statement) return statement.error();
    auto& s = **statement;
    s.bind_int(1, *team_id);
    s.bind_int(2, actor->org_id);
    s.bind_int(3, range->from - kSlotMs);
    s.bind_int(4, range->to);
    for (;;) {
      auto row = s.step();
      if (!row) return row.error();
      if (!*row) break;
      const std::int64_t ms = s.column_int(3);
      if (ms <= 0) continue;
      TeamDomain& domain = domains[s.column_text(0)];
      domain.ms += ms;
      domain.people.push_back(
          TeamPerson{.key = s.column_text(2), .ms = ms, .user_id = s.column_int(1)});
      total_ms += ms;
    }
    return {};
  });
  if (!read) return read.error();

  boost::json::array domain_items;
  for (TeamDomain& domain : top_entries(domains, kMaxWebsiteDomains)) {
    std::sort(domain.people.begin(), domain.people.end(),
              [](const TeamPerson& a, const TeamPerson& b) {
                if (a.ms != b.ms) return a.ms > b.ms;
                return a.key != b.key ? a.key < b.key : a.user_id < b.user_id;
              });
    boost::json::array people;
    for (const TeamPerson& person : domain.people) {
      people.emplace_back(boost::json::object{
          {"user_id", person.user_id}, {"name", person.key}, {"seconds", seconds(person.ms)}});
    }
    domain_items.emplace_back(boost::json::object{
        {"domain", domain.key}, {"seconds", seconds(domain.ms)}, {"people", std::move(people)}});
  }

  audit::Entry entry = audit::entry_for(*actor, "activity.viewed", request.remote_ip);
  entry.target_type = "team";
  entry.target_id = std::to_string(*team_id);
  entry.details = {{"view", "team_websites"}, {"from", range->from}, {"to", range->to}};
  if (auto recorded = audit_view(db_, clock_, std::move(entry)); !recorded) {
    return recorded.error();
  }
  return api::Response::json(
      200, report_json("team_id", *team_id, *range, total_ms, std::move(domain_items)));
}

}  // namespace worktrace::activity
