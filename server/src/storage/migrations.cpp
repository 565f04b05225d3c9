#include "storage/migrations.hpp"

#include "core/clock.hpp"

#include <spdlog/spdlog.h>

#include <string>

namespace worktrace::storage {
namespace {

// Portable: INTEGER and BIGINT exist in both dialects.
constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

std::string_view table_exists_sql(Dialect dialect) {
  if (dialect == Dialect::postgres) {
    return "SELECT count(*) FROM information_schema.tables "
           "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'";
  }
  return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
}

// The newest applied version on `connection`, 0 without a schema_migrations table.
Result<int> current_version(Connection& connection, Dialect dialect) {
  auto exists = connection.prepare(table_exists_sql(dialect));
  if (!exists) return exists.error();
  auto row = (*exists)->step();
  if (!row) return row.error();
  if (!*row || (*exists)->column_int(0) == 0) return 0;

  auto newest = connection.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!newest) return newest.error();
  row = (*newest)->step();
  if (!row) return row.error();
  return *row ? static_cast<int>((*newest)->column_int(0)) : 0;
}

Error with_context(const Error& error, const Migration& migration) {
  return Error(error.code, "migration " + std::to_string(migration.version) + "_" +
                               std::string(migration.name) + ": " + error.message);
}

}  // namespace

Result<int> schema_version(Db& db) {
  return db.read([&](Connection& connection) { return current_version(connection, db.dialect()); });
}

Result<int> migrate(Db& db) { return migrate(db, embedded_migrations(db.dialect())); }

Result<int> migrate(Db& db, std::span<const Migration> migrations) {
  for (std::size_t idx = 1; idx < migrations.size(); ++idx) {
    if (migrations[idx].version <= migrations[idx - 1].version) {
      return fail(Errc::internal, "migrations are not in increasing version order");
    }
  }
  const int newest_known = migrations.empty() ? 0 : migrations.back().version;

  auto newer_than_known = [&](int version) {
    return fail(Errc::conflict, "the database has schema version " + std::to_string(version) +
                                    ", newer than this server knows (" +
                                    std::to_string(newest_known) + "); upgrade the server");
  };
  auto prepared = db.write([&](Connection& connection) -> Result<void> {
    if (auto created = connection.exec(kCreateSchemaMigrations); !created) return created;
    auto version = current_version(connection, db.dialect());
    if (!version) return version.error();
    if (*version > newest_known) return newer_than_known(*version);
    return {};
  });
  if (!prepared) return prepared.error();

  const SystemClock clock;
  int applied = 0;
  for (const Migration& migration : migrations) {
    // Each step re-reads the version inside its own write transaction, so two processes
    // migrating at once apply every migration exactly once.
    auto step = db.write([&](Connection& connection) -> Result<bool> {
      auto version = current_version(connection, db.dialect());
      if (!version) return version.error();
      if (*version > newest_known) return newer_than_known(*version);
      if (*version >= migration.version) return false;
      if (auto ran = connection.exec(migration.sql); !ran) {
        return with_context(ran.error(), migration);
      }
      auto record = connection.prepare(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (!record) return record.error();
      (*record)->bind_int(1, migration.version);
      (*record)->bind_text(2, migration.name);
      (*record)->bind_int(3, clock.now_ms());
      if (auto done = (*record)->step(); !done) return done.error();
      return true;
    });
    if (!step) return step.error();
    if (*step) {
      ++applied;
      spdlog::info("applied schema migration {} ({})", migration.version, migration.name);
    }
  }
  return applied;
}

}  // namespace worktrace::storage
