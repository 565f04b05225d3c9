#include "audit/audit_routes.hpp"

#include "api/params.hpp"
#include "audit/audit_verify.hpp"
#include "auth/policy.hpp"

#include <boost/json/array.hpp>

#include <limits>

namespace worktrace::audit {
namespace {

constexpr std::size_t kMaxActionFilterBytes = 100;

Result<std::int64_t> parse_int(std::string_view name, std::string_view text, std::int64_t min,
                               std::int64_t max) {
  if (const auto value = api::parse_int(text, min, max)) return *value;
  return fail(Errc::invalid_argument, std::string(name) + ": must be an integer between " +
                                          std::to_string(min) + " and " + std::to_string(max));
}

// Action names are dotted lower-case words; a filter may end in ".*" to match a prefix.
bool valid_action_filter(std::string_view action) {
  if (action.empty() || action.size() > kMaxActionFilterBytes) return false;
  std::string_view name = action;
  if (name.ends_with(".*")) name.remove_suffix(2);
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<AuditQuery> parse_audit_query(const std::map<std::string, std::string, std::less<>>& query) {
  constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();
  AuditQuery parsed;
  for (const auto& [key, value] : query) {
    if (key == "action") {
      if (!valid_action_filter(value)) {
        return fail(Errc::invalid_argument,
                    "action: must be an action name like auth.login, or a prefix like auth.*");
      }
      parsed.action = value;
      continue;
    }
    std::optional<std::int64_t>* target = nullptr;
    std::int64_t min = 1;
    std::int64_t max = kMaxId;
    if (key == "actor_user_id") {
      target = &parsed.actor_user_id;
    } else if (key == "subject_user_id") {
      target = &parsed.subject_user_id;
    } else if (key == "from") {
      target = &parsed.from_ms;
      min = 0;
    } else if (key == "to") {
      target = &parsed.to_ms;
      min = 0;
    } else if (key == "before_seq") {
      target = &parsed.before_seq;
    } else if (key == "limit") {
      auto limit = parse_int(key, value, kMinListLimit, kMaxListLimit);
      if (!limit) return limit.error();
      parsed.limit = static_cast<int>(*limit);
      continue;
    } else {
      return fail(Errc::invalid_argument, "unknown query parameter '" + key.substr(0, 64) + "'");
    }
    auto number = parse_int(key, value, min, max);
    if (!number) return number.error();
    *target = *number;
  }
  return parsed;
}

AuditRoutes::AuditRoutes(storage::Db& db, auth::AuthService& auth) : db_(db), auth_(auth) {}

void AuditRoutes::register_routes(api::Router& router) {
  router.add("GET", "/api/v1/audit", [this](api::Request& request) {
    return api::respond(list_entries(request), "audit");
  });
  router.add("GET", "/api/v1/audit/verify", [this](api::Request& request) {
    return api::respond(verify_chain(request), "audit");
  });
}

Result<api::Response> AuditRoutes::list_entries(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = auth::authorize(*actor, {Role::owner, Role::admin}, Scope::audit_read);
      !allowed) {
    return allowed.error();
  }
  auto query = parse_audit_query(request.query);
  if (!query) return query.error();
  auto page = db_.read(
      [&](storage::Connection& connection) { return list(connection, actor->org_id, *query); });
  if (!page) return page.error();
  boost::json::array entries;
  entries.reserve(page->entries.size());
  for (const ListedEntry& listed : page->entries) entries.emplace_back(entry_json(listed));
  boost::json::value next = nullptr;
  if (page->next_before_seq) next = *page->next_before_seq;
  return api::Response::json(200, {{"entries", std::move(entries)}, {"next_before_seq", next}});
}

Result<api::Response> AuditRoutes::verify_chain(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = auth::authorize(*actor, {Role::owner, Role::admin}, Scope::audit_read);
      !allowed) {
    return allowed.error();
  }
  auto report = verify(db_, actor->org_id);
  if (!report) return report.error();
  boost::json::value first_broken = nullptr;
  boost::json::value reason = nullptr;
  if (report->first_broken_seq) first_broken = *report->first_broken_seq;
  if (!report->ok) reason = boost::json::string(report->reason);
  return api::Response::json(200, {{"ok", report->ok},
                                   {"entries", report->entries},
                                   {"first_broken_seq", first_broken},
                                   {"reason", reason}});
}

}  // namespace worktrace::audit
