#pragma once

#include "activity/span_redaction.hpp"
#include "activity/timeline_service.hpp"
#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <cstddef>
#include <cstdint>

namespace worktrace::activity {

// Longest range one websites request may ask for.
inline constexpr std::int64_t kMaxWebsitesRangeMs = 31LL * 24 * 3600 * 1000;
// Most domains one report lists (by time); totals count them all.
inline constexpr std::size_t kMaxWebsiteDomains = 100;
// Most pages listed per domain (by time).
inline constexpr std::size_t kMaxDomainPages = 10;

// Reads the required ?from=&to= of a websites request (epoch ms). Errc::invalid_argument
// naming the parameter unless both are given, 0 <= from < to and to - from <= 31 days.
[[nodiscard]] Result<TimeRange> read_websites_range(const api::Request& request);

// Time per web domain (docs/api/v1.md, "Websites"):
//   GET /api/v1/people/{id}/websites?from=&to=  from the person's spans (clipped to the
//     range), with the top pages of each domain ([] when the policy keeps domains only).
//     Access and audit as the timeline: scope reports:read, another organization's person
//     404, a person the caller may not view 403, a view of someone else's data audit-logged
//     as activity.viewed {view:"websites"}.
//   GET /api/v1/teams/{id}/websites?from=&to=  from rollup_domains of the team's members
//     (whole 10-minute slots overlapping the range): owner/admin, or a manager of that team
//     (403 otherwise; another organization's team 404); audit-logged as activity.viewed
//     {view:"team_websites"}.
// Only active (non-idle), non-private time with a domain counts. Thread-safe: no mutable state.
class WebsitesService {
 public:
  // All references must outlive the service; `redaction` gives the current url_mode.
  WebsitesService(storage::Db& db, auth::AuthService& auth, const Clock& clock,
                  RedactionSource redaction);

  [[nodiscard]] Result<api::Response> person_websites(const api::Request& request);
  [[nodiscard]] Result<api::Response> team_websites(const api::Request& request);

  void register_routes(api::Router& router);

 private:
  storage::Db& db_;
  auth::AuthService& auth_;
  const Clock& clock_;
  const RedactionSource redaction_;
};

}  // namespace worktrace::activity
