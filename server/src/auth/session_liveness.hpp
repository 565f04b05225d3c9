#pragma once

#include "auth/auth_service.hpp"
#include "core/clock.hpp"

namespace worktrace::auth {

// Whether a session still lets its person in at `now`: before its absolute expiry, seen within
// kSessionIdleMs, and its person active. The one rule of AuthService::authenticate and
// AuthService::ended_sessions.
[[nodiscard]] constexpr bool session_alive(EpochMs expires_at, EpochMs last_seen_at,
                                           bool person_active, EpochMs now) {
  return now < expires_at && now - last_seen_at < kSessionIdleMs && person_active;
}

}  // namespace worktrace::auth
