#include "storage/migrations.hpp"

#include "storage/sqlite_db.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdexcept>
#include <vector>

namespace worktrace::storage {
namespace {

using testing::TempDir;

std::unique_ptr<Db> open_or_die(const std::filesystem::path& file) {
  auto db = open_sqlite(file);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(*db);
}

Result<void> exec(Db& db, std::string_view sql) {
  return db.write([&](Connection& connection) { return connection.exec(sql); });
}

Result<bool> table_exists(Db& db, std::string_view name) {
  return db.read([&](Connection& connection) -> Result<bool> {
    auto statement =
        connection.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
    if (!statement) return statement.error();
    (*statement)->bind_text(1, name);
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0) == 1;
  });
}

TEST(MigrationsTest, EmbedsTheSameVersionsForEveryDialect) {
  const auto sqlite = embedded_migrations(Dialect::sqlite);
  const auto postgres = embedded_migrations(Dialect::postgres);
  ASSERT_FALSE(sqlite.empty());
  ASSERT_EQ(sqlite.size(), postgres.size());
  for (std::size_t idx = 0; idx < sqlite.size(); ++idx) {
    EXPECT_EQ(sqlite[idx].version, static_cast<int>(idx) + 1);
    EXPECT_EQ(sqlite[idx].version, postgres[idx].version);
    EXPECT_EQ(sqlite[idx].name, postgres[idx].name);
    EXPECT_NE(sqlite[idx].sql, postgres[idx].sql);
  }
  EXPECT_EQ(sqlite[0].name, "foundation");
  EXPECT_NE(sqlite[0].sql.find("CREATE TABLE devices"), std::string_view::npos);
}

TEST(MigrationsTest, MigratesAFreshDatabaseOnceThenNothing) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  EXPECT_EQ(*schema_version(*db), 0);
  const int known = static_cast<int>(embedded_migrations(Dialect::sqlite).size());

  auto first = migrate(*db);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, known);
  EXPECT_EQ(*schema_version(*db), embedded_migrations(Dialect::sqlite).back().version);
  for (const char* table : {"organizations", "users", "sessions", "enrollment_tokens", "devices"}) {
    EXPECT_TRUE(*table_exists(*db, table)) << table;
  }

  auto second = migrate(*db);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, 0);

  auto recorded = db->read([](Connection& connection) -> Result<std::string> {
    auto statement = connection.prepare(
        "SELECT name, applied_at FROM schema_migrations "
        "WHERE version = 1");
    if (!statement) return statement.error();
    if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "no row");
    EXPECT_GT((*statement)->column_int(1), 1'700'000'000'000);
    return (*statement)->column_text(0);
  });
  ASSERT_TRUE(recorded) << recorded.error().message;
  EXPECT_EQ(*recorded, "foundation");
}

TEST(MigrationsTest, UpgradesAnExistingVersionOneDatabaseKeepingItsData) {
  TempDir dir;
  const auto file = dir.path() / "a.db";
  const auto foundation = embedded_migrations(Dialect::sqlite).first(1);
  {
    auto old_server = open_or_die(file);
    ASSERT_EQ(*migrate(*old_server, foundation), 1);
    ASSERT_TRUE(
        exec(*old_server, "INSERT INTO organizations (name, created_at) VALUES ('Acme', 1)"));
  }

  const std::vector<Migration> newer = {
      foundation[0],
      {2, "org_time_zone",
       "ALTER TABLE organizations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';"
       "CREATE INDEX organizations_name ON organizations (name);"},
  };
  auto new_server = open_or_die(file);
  EXPECT_EQ(*schema_version(*new_server), 1);
  auto applied = migrate(*new_server, newer);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(*schema_version(*new_server), 2);

  auto row = new_server->read([](Connection& connection) -> Result<std::string> {
    auto statement = connection.prepare("SELECT name || '/' || time_zone FROM organizations");
    if (!statement) return statement.error();
    if (auto stepped = (*statement)->step(); !stepped || !*stepped) {
      return fail(Errc::not_found, "no row");
    }
    return (*statement)->column_text(0);
  });
  ASSERT_TRUE(row) << row.error().message;
  EXPECT_EQ(*row, "Acme/UTC");
}

TEST(MigrationsTest, RefusesADatabaseNewerThanThisBinary) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(migrate(*db));
  ASSERT_TRUE(exec(*db, "INSERT INTO schema_migrations VALUES (999, 'from_the_future', 0)"));
  auto refused = migrate(*db);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::conflict));
  EXPECT_NE(refused.error().message.find("schema version 999"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(*schema_version(*db), 999);
}

TEST(MigrationsTest, AFailingMigrationLeavesThePreviousVersion) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  const std::vector<Migration> broken = {
      embedded_migrations(Dialect::sqlite)[0],
      {2, "broken", "CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);"},
  };
  auto outcome = migrate(*db, broken);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code.category(), sqlite_category());
  EXPECT_NE(outcome.error().message.find("migration 2_broken"), std::string::npos)
      << outcome.error().message;
  EXPECT_EQ(*schema_version(*db), 1);
  EXPECT_FALSE(*table_exists(*db, "half_done"));
}

TEST(MigrationsTest, RejectsMigrationListsOutOfOrder) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  const std::vector<Migration> shuffled = {{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}};
  auto outcome = migrate(*db, shuffled);
  ASSERT_FALSE(outcome);
  EXPECT_TRUE(outcome.error().is(Errc::internal));
}

TEST(SchemaTest, EnforcesRolesLowerCaseEmailsAndOrganizations) {
  testing::TestDb test_db;
  Db& db = *test_db.db;
  ASSERT_TRUE(exec(db, "INSERT INTO organizations (id, name, created_at) VALUES (1, 'Acme', 1)"));
  constexpr std::string_view kInsertUser =
      "INSERT INTO users (org_id, email, name, role, password_hash, created_at) "
      "VALUES (?, ?, 'Ann', ?, 'x', 1)";
  auto insert_user = [&](std::int64_t org_id, std::string_view email, std::string_view role) {
    return db.write([&](Connection& connection) -> Result<bool> {
      auto statement = connection.prepare(kInsertUser);
      if (!statement) return statement.error();
      (*statement)->bind_int(1, org_id);
      (*statement)->bind_text(2, email);
      (*statement)->bind_text(3, role);
      return (*statement)->step();
    });
  };
  EXPECT_TRUE(insert_user(1, "ann@acme.test", "owner"));
  auto duplicate = insert_user(1, "ann@acme.test", "admin");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code.value(), SQLITE_CONSTRAINT_UNIQUE);
  auto upper = insert_user(1, "Bob@acme.test", "admin");
  ASSERT_FALSE(upper);
  EXPECT_EQ(upper.error().code.value(), SQLITE_CONSTRAINT_CHECK);
  auto bad_role = insert_user(1, "bob@acme.test", "root");
  ASSERT_FALSE(bad_role);
  EXPECT_EQ(bad_role.error().code.value(), SQLITE_CONSTRAINT_CHECK);
  auto no_org = insert_user(2, "bob@acme.test", "admin");
  ASSERT_FALSE(no_org);
  EXPECT_EQ(no_org.error().code.value(), SQLITE_CONSTRAINT_FOREIGNKEY);
}

}  // namespace
}  // namespace worktrace::storage
