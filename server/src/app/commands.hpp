#pragma once

#include "app/config.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

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

// Creates an organization with its owner. The password is read from standard input when it is
// not a terminal (one line); otherwise one is generated and printed once.
int create_org(const std::filesystem::path& data_dir, const std::string& name,
               const std::string& owner_email, const std::string& owner_name);

// Checks the audit log's hash chains (one organization's, or all); exit 1 names the first
// broken entry.
int audit_verify(const std::filesystem::path& data_dir, std::optional<std::int64_t> org_id);

// Prints every HTTP route of the server as "METHOD PATTERN", one per line, sorted.
int print_routes();

}  // namespace worktrace::app
