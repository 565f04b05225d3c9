// AuthService::ended_sessions: the session rule, read for connections opened earlier.
#include "auth/session_liveness.hpp"

namespace worktrace::auth {

Result<std::vector<std::int64_t>> AuthService::ended_sessions(
    std::span<const std::int64_t> session_ids) {
  if (session_ids.empty()) return std::vector<std::int64_t>();
  const EpochMs now = clock_.now_ms();
  return db_.read([&](storage::Connection& connection) -> Result<std::vector<std::int64_t>> {
    auto statement = connection.prepare(
        "SELECT s.expires_at, s.last_seen_at, u.status FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.id = ?");
    if (!statement) return statement.error();
    auto& s = **statement;
    std::vector<std::int64_t> ended;
    for (const std::int64_t session_id : session_ids) {
      s.bind_int(1, session_id);
      auto row = s.step();
      if (!row) return row.error();
      const bool alive = *row && session_alive(s.column_int(0), s.column_int(1),
                                               s.column_text(2) == "active", now);
      s.reset();
      if (!alive) ended.push_back(session_id);
    }
    return ended;
  });
}

}  // namespace worktrace::auth
