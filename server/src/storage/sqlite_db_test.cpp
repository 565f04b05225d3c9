#include "storage/sqlite_db.hpp"

#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace worktrace::storage {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

std::unique_ptr<Db> open_or_die(const std::filesystem::path& file, SqliteOptions options = {}) {
  auto db = open_sqlite(file, options);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(*db);
}

Result<std::int64_t> count_rows(Db& db, std::string_view table) {
  return db.read([&](Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("SELECT count(*) FROM " + std::string(table));
    if (!statement) return statement.error();
    auto row = (*statement)->step();
    if (!row) return row.error();
    return (*statement)->column_int(0);
  });
}

Result<void> create_table(Db& db, std::string_view sql) {
  return db.write([&](Connection& connection) { return connection.exec(sql); });
}

TEST(SqliteDbTest, OpensInWalModeWithForeignKeysOn) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "a.db"));
  EXPECT_EQ(db->dialect(), Dialect::sqlite);
  auto mode = db->read([](Connection& connection) -> Result<std::string> {
    auto statement = connection.prepare("PRAGMA journal_mode");
    if (!statement) return statement.error();
    if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::internal, "no row");
    return (*statement)->column_text(0);
  });
  ASSERT_TRUE(mode) << mode.error().message;
  EXPECT_EQ(*mode, "wal");

  ASSERT_TRUE(create_table(*db,
                           "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                           "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))"));
  auto orphan = db->write(
      [](Connection& connection) { return connection.exec("INSERT INTO child VALUES (42)"); });
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code.category(), sqlite_category());
  EXPECT_EQ(orphan.error().code.value(), SQLITE_CONSTRAINT_FOREIGNKEY);
}

TEST(SqliteDbTest, RejectsBadOptionsAndInMemoryDatabases) {
  TempDir dir;
  auto memory = open_sqlite(":memory:");
  ASSERT_FALSE(memory);
  EXPECT_TRUE(memory.error().is(Errc::invalid_argument));
  auto no_readers = open_sqlite(dir.path() / "a.db", SqliteOptions{.reader_count = 0});
  ASSERT_FALSE(no_readers);
  EXPECT_EQ(no_readers.error().message, "reader_count: must be between 1 and 64");
  auto missing_dir = open_sqlite(dir.path() / "no" / "such" / "a.db");
  ASSERT_FALSE(missing_dir);
  EXPECT_EQ(missing_dir.error().code.category(), sqlite_category());
}

TEST(SqliteDbTest, BindsAndReadsEveryType) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n INTEGER)"));
  const std::vector<unsigned char> bytes = {0, 1, 2, 255};
  auto inserted = db->write([&](Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?) RETURNING rowid");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, -(std::int64_t{1} << 40));
    (*statement)->bind_double(2, 2.5);
    (*statement)->bind_text(3, "caf\xc3\xa9");
    (*statement)->bind_blob(4, bytes);
    (*statement)->bind_optional_int(5, std::nullopt);
    auto row = (*statement)->step();
    if (!row) return row.error();
    return (*statement)->column_int(0);
  });
  ASSERT_TRUE(inserted) << inserted.error().message;
  EXPECT_EQ(*inserted, 1);

  auto checked = db->read([&](Connection& connection) -> Result<void> {
    auto statement = connection.prepare("SELECT i, d, s, b, n FROM t");
    if (!statement) return statement.error();
    auto row = (*statement)->step();
    if (!row) return row.error();
    EXPECT_TRUE(*row);
    EXPECT_EQ((*statement)->column_int(0), -(std::int64_t{1} << 40));
    EXPECT_DOUBLE_EQ((*statement)->column_double(1), 2.5);
    EXPECT_EQ((*statement)->column_text(2), "caf\xc3\xa9");
    EXPECT_EQ((*statement)->column_blob(3), bytes);
    EXPECT_TRUE((*statement)->column_is_null(4));
    EXPECT_FALSE((*statement)->column_is_null(0));
    row = (*statement)->step();
    if (!row) return row.error();
    EXPECT_FALSE(*row);
    return {};
  });
  ASSERT_TRUE(checked) << checked.error().message;
}

TEST(SqliteDbTest, EmptyTextAndBlobAreNotNull) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (s TEXT NOT NULL, b BLOB NOT NULL)"));
  auto inserted = db->write([](Connection& connection) -> Result<bool> {
    auto statement = connection.prepare("INSERT INTO t VALUES (?, ?)");
    if (!statement) return statement.error();
    (*statement)->bind_text(1, std::string_view());
    (*statement)->bind_blob(2, {});
    return (*statement)->step();
  });
  ASSERT_TRUE(inserted) << inserted.error().message;
  EXPECT_EQ(*count_rows(*db, "t"), 1);
}

TEST(SqliteDbTest, ReportsMisuseAsErrors) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (i INTEGER)"));
  auto outcome = db->write([](Connection& connection) -> Result<void> {
    EXPECT_FALSE(connection.prepare("SELECT 1; SELECT 2"));
    EXPECT_FALSE(connection.prepare("SELEKT 1"));
    auto statement = connection.prepare("INSERT INTO t VALUES (?)");
    if (!statement) return statement.error();
    (*statement)->bind_int(7, 1);  // no parameter 7
    auto stepped = (*statement)->step();
    EXPECT_FALSE(stepped);
    if (!stepped) {
      EXPECT_EQ(stepped.error().code.value(), SQLITE_RANGE);
    }
    return {};
  });
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*count_rows(*db, "t"), 0);
}

TEST(SqliteDbTest, CachedStatementsCanBeLeasedTwiceAtOnce) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1), (2)"));
  for (int round = 0; round < 3; ++round) {  // later rounds reuse cached statements
    auto pairs = db->read([](Connection& connection) -> Result<int> {
      constexpr std::string_view kSql = "SELECT i FROM t ORDER BY i";
      auto outer = connection.prepare(kSql);
      if (!outer) return outer.error();
      int pairs = 0;
      while (true) {
        auto row = (*outer)->step();
        if (!row) return row.error();
        if (!*row) break;
        auto inner = connection.prepare(kSql);  // same SQL while the outer one is mid-way
        if (!inner) return inner.error();
        while (true) {
          auto inner_row = (*inner)->step();
          if (!inner_row) return inner_row.error();
          if (!*inner_row) break;
          ++pairs;
        }
      }
      return pairs;
    });
    ASSERT_TRUE(pairs) << pairs.error().message;
    EXPECT_EQ(*pairs, 4);
  }
}

TEST(SqliteDbTest, WriteCommitsOnSuccessAndRollsBackOnError) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (i INTEGER)"));

  auto committed = db->write([](Connection& connection) -> Result<int> {
    if (auto r = connection.exec("INSERT INTO t VALUES (1)"); !r) return r.error();
    return 7;
  });
  ASSERT_TRUE(committed);
  EXPECT_EQ(*committed, 7);

  auto refused = db->write([](Connection& connection) -> Result<int> {
    if (auto r = connection.exec("INSERT INTO t VALUES (2)"); !r) return r.error();
    return fail(Errc::conflict, "changed my mind");
  });
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::conflict));
  EXPECT_EQ(refused.error().message, "changed my mind");

  EXPECT_THROW((void)db->write([](Connection& connection) -> Result<void> {
    if (auto r = connection.exec("INSERT INTO t VALUES (3)"); !r) return r;
    throw std::runtime_error("bug");
  }),
               std::runtime_error);

  EXPECT_EQ(*count_rows(*db, "t"), 1);
  // The writer is usable after both failures.
  ASSERT_TRUE(db->write(
      [](Connection& connection) { return connection.exec("INSERT INTO t VALUES (4)"); }));
  EXPECT_EQ(*count_rows(*db, "t"), 2);
}

TEST(SqliteDbTest, ReadersAreReadOnly) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (i INTEGER)"));
  auto written =
      db->read([](Connection& connection) { return connection.exec("INSERT INTO t VALUES (1)"); });
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code.category(), sqlite_category());
  EXPECT_EQ(written.error().code.value() & 0xff, SQLITE_READONLY);
}

TEST(SqliteDbTest, ReadersRunWhileAWriteIsOpenAndSeeTheLastCommit) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db", SqliteOptions{.reader_count = 3});
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1)"));

  std::promise<void> inside_write;
  std::promise<void> may_commit;
  auto writer = std::async(std::launch::async, [&] {
    return db->write([&](Connection& connection) -> Result<void> {
      if (auto r = connection.exec("INSERT INTO t VALUES (2)"); !r) return r;
      inside_write.set_value();
      may_commit.get_future().wait();
      return {};
    });
  });
  inside_write.get_future().wait();

  // Three readers at once, while the write transaction is open: none waits for it.
  std::vector<std::future<Result<std::int64_t>>> readers;
  for (int reader_idx = 0; reader_idx < 3; ++reader_idx) {
    readers.push_back(std::async(std::launch::async, [&] { return count_rows(*db, "t"); }));
  }
  for (auto& reader : readers) {
    ASSERT_EQ(reader.wait_for(10s), std::future_status::ready);
    auto rows = reader.get();
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ(*rows, 1);  // the uncommitted row is invisible
  }

  may_commit.set_value();
  ASSERT_TRUE(writer.get());
  EXPECT_EQ(*count_rows(*db, "t"), 2);
}

TEST(SqliteDbTest, ReaderPoolIsBoundedAndWaitsForAFreeConnection) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db", SqliteOptions{.reader_count = 1});
  ASSERT_TRUE(create_table(*db, "CREATE TABLE t (i INTEGER)"));

  std::promise<void> holding;
  std::promise<void> may_release;
  auto first = std::async(std::launch::async, [&] {
    return db->read([&](Connection&) -> Result<void> {
      holding.set_value();
      may_release.get_future().wait();
      return {};
    });
  });
  holding.get_future().wait();

  std::atomic<bool> second_ran = false;
  auto second = std::async(std::launch::async, [&] {
    return db->read([&](Connection&) -> Result<void> {
      second_ran = true;
      return {};
    });
  });
  EXPECT_EQ(second.wait_for(200ms), std::future_status::timeout);
  EXPECT_FALSE(second_ran);
  may_release.set_value();
  ASSERT_EQ(second.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(second.get());
  EXPECT_TRUE(second_ran);
  EXPECT_TRUE(first.get());
}

TEST(SqliteDbTest, ConcurrentWritersAreSerialised) {
  TempDir dir;
  auto db = open_or_die(dir.path() / "a.db");
  ASSERT_TRUE(
      create_table(*db, "CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)"));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&] {
      for (int step = 0; step < kIncrements; ++step) {
        // Read-modify-write in two statements: lost updates would show without serialisation.
        auto done = db->write([](Connection& connection) -> Result<void> {
          auto read = connection.prepare("SELECT n FROM counter");
          if (!read) return read.error();
          if (auto row = (*read)->step(); !row) return row.error();
          const std::int64_t n = (*read)->column_int(0);
          auto update = connection.prepare("UPDATE counter SET n = ?");
          if (!update) return update.error();
          (*update)->bind_int(1, n + 1);
          if (auto r = (*update)->step(); !r) return r.error();
          return {};
        });
        if (!done) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  auto total = db->read([](Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("SELECT n FROM counter");
    if (!statement) return statement.error();
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0);
  });
  ASSERT_TRUE(total);
  EXPECT_EQ(*total, kThreads * kIncrements);
}

}  // namespace
}  // namespace worktrace::storage
