#pragma once

#include "activity/activity_store.hpp"
#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <cstddef>
#include <cstdint>

namespace worktrace::activity {

// Longest range one timeline or input request may ask for.
inline constexpr std::int64_t kMaxRangeMs = 7LL * 24 * 3600 * 1000;
// The range when the request names none: the last 24 hours.
inline constexpr std::int64_t kDefaultRangeMs = 24LL * 3600 * 1000;
// Most spans one timeline lists (the earliest; totals and top lists still count them all).
inline constexpr std::size_t kMaxTimelineSpans = 50'000;
// Length of the top apps and top titles lists.
inline constexpr std::size_t kTopListSize = 20;

// A time range [from, to) of a request, in epoch milliseconds.
struct TimeRange {
  EpochMs from = 0;
  EpochMs to = 0;
};

// Reads ?from=&to= (epoch ms): both absent -> the last 24 hours before `now`; one absent ->
// 24 hours from `from` / before `to`. Errc::invalid_argument unless 0 <= from < to and
// to - from <= 7 days.
[[nodiscard]] Result<TimeRange> read_range(const api::Request& request, EpochMs now);

// The read side of activity: a person's timeline and input minutes (docs/api/v1.md,
// "Activity"). Access: scope reports:read, then the person's organization (another one's
// id is 404), then auth::may_view_person (403). A view of someone else's data is
// audit-logged as activity.viewed. Thread-safe: no mutable state.
class TimelineService {
 public:
  // All references must outlive the service.
  TimelineService(storage::Db& db, auth::AuthService& auth, const Clock& clock);

  // GET /api/v1/people/{id}/timeline
  [[nodiscard]] Result<api::Response> timeline(const api::Request& request);
  // GET /api/v1/people/{id}/input
  [[nodiscard]] Result<api::Response> input(const api::Request& request);

  // GET /api/v1/people/{id}/timeline and /input.
  void register_routes(api::Router& router);

 private:
  // Authenticates and authorizes the caller for person {id} and reads the range; then runs
  // `fn(Connection&, const Actor&, UserId, TimeRange)` in one read transaction after the
  // person's visibility was checked in it; audit-logs the view.
  template <class F>
  [[nodiscard]] Result<api::Response> with_person(const api::Request& request,
                                                  std::string_view view, F&& fn);

  storage::Db& db_;
  auth::AuthService& auth_;
  const Clock& clock_;
};

}  // namespace worktrace::activity
