#pragma once

#include "core/result.hpp"
#include "storage/db.hpp"

#include <span>
#include <string_view>

namespace worktrace::storage {

// One numbered schema change, from migrations/<dialect>/NNNN_name.sql. `sql` may hold several
// statements; it runs inside the migration's transaction, so it must not BEGIN/COMMIT itself
// (nor change PRAGMA foreign_keys, which SQLite ignores inside a transaction).
struct Migration {
  int version = 0;
  std::string_view name;
  std::string_view sql;
};

// The migrations built into this binary for `dialect`, in increasing version order.
[[nodiscard]] std::span<const Migration> embedded_migrations(Dialect dialect) noexcept;

// Applies the embedded migrations of db.dialect() that are newer than the database, in order,
// each in its own write transaction, and records each in schema_migrations(version, name,
// applied_at). Returns how many were applied by this call (0 when up to date). Fails with
// Errc::conflict when the database has a version newer than this binary knows; a failing
// migration leaves the database at the previous version and returns its error.
[[nodiscard]] Result<int> migrate(Db& db);

// The same with an explicit list (strictly increasing versions; else Errc::internal).
[[nodiscard]] Result<int> migrate(Db& db, std::span<const Migration> migrations);

// The newest applied version; 0 for a database that was never migrated.
[[nodiscard]] Result<int> schema_version(Db& db);

}  // namespace worktrace::storage
