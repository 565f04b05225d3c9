#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace worktrace::devices {

// Of `session_ids`, those that no longer let their person in at `now`: deleted (logout,
// revoked, password change), past their absolute expiry, idle for auth::kSessionIdleMs or
// longer, or whose person is no longer active. The rule of AuthService::authenticate, read
// without touching the sessions. One read transaction.
[[nodiscard]] Result<std::vector<std::int64_t>> ended_sessions(
    storage::Db& db, std::span<const std::int64_t> session_ids, EpochMs now);

}  // namespace worktrace::devices
