#include "devices/session_check.hpp"

#include "auth/auth_service.hpp"

namespace worktrace::devices {

Result<std::vector<std::int64_t>> ended_sessions(storage::Db& db,
                                                 std::span<const std::int64_t> session_ids,
                                                 EpochMs now) {
  if (session_ids.empty()) return std::vector<std::int64_t>();
  return db.read([&](storage::Connection& connection) -> Result<std::vector<std::int64_t>> {
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
      const bool alive = *row && now < s.column_int(0) &&
                         now - s.column_int(1) < auth::kSessionIdleMs &&
                         s.column_text(2) == "active";
      s.reset();
      if (!alive) ended.push_back(session_id);
    }
    return ended;
  });
}

}  // namespace worktrace::devices
