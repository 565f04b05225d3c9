#pragma once

#include "app/config.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>

namespace worktrace::app {

// Exit codes of worktrace-server.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a runtime failure (database, bind, TLS files)
inline constexpr int kExitUsage = 2;    // bad flags or configuration

// Serves until SIGINT/SIGTERM; returns an exit code.
int serve(const ServerConfig& config);

// Applies pending migrations to the database in `data_dir`; prints the schema version.
int migrate(const std::filesystem::path& data_dir);

// Creates the demo organization and its owner when the server has none; prints the login once.
// Email and password come from WORKTRACE_ADMIN_EMAIL / WORKTRACE_ADMIN_PASSWORD when set.
int init(const std::filesystem::path& data_dir);

// Prints a new enrollment token for organization `org_id` (default: the first one).
int create_enrollment_token(const std::filesystem::path& data_dir,
                            std::optional<std::int64_t> org_id, int uses, std::int64_t ttl_s);

}  // namespace worktrace::app
