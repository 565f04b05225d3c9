#include "storage/sqlite_db.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace worktrace::storage {
namespace {

class SqliteCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sqlite"; }
  std::string message(int value) const override { return sqlite3_errstr(value); }
};

Error sqlite_error(int code, std::string_view what) {
  return Error(boost::system::error_code(code, sqlite_category()), std::string(what));
}

// An error of the last call on `db`, with the SQL it was about.
Error sqlite_error(sqlite3* db, int code, std::string_view sql) {
  std::string message = sqlite3_errmsg(db);
  message += " [";
  message += sql.substr(0, 200);
  message += "]";
  return sqlite_error(code, message);
}

struct CloseDb {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

// Statements kept for reuse per connection; more distinct SQL texts than this are finalized
// after use.
constexpr std::size_t kMaxCachedStatements = 64;

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, StatementHandle handle, std::string sql)
      : db_(db), handle_(std::move(handle)), sql_(std::move(sql)) {}

  void bind_int(int index, std::int64_t value) override {
    remember(sqlite3_bind_int64(handle_.get(), index, value));
  }
  void bind_double(int index, double value) override {
    remember(sqlite3_bind_double(handle_.get(), index, value));
  }
  void bind_text(int index, std::string_view value) override {
    // A null pointer would bind SQL NULL; an empty string must stay an empty string.
    const char* data = value.data() != nullptr ? value.data() : "";
    remember(sqlite3_bind_text64(handle_.get(), index, data, value.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8));
  }
  void bind_blob(int index, std::span<const unsigned char> value) override {
    if (value.empty()) {
      remember(sqlite3_bind_zeroblob(handle_.get(), index, 0));
      return;
    }
    remember(
        sqlite3_bind_blob64(handle_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT));
  }
  void bind_null(int index) override { remember(sqlite3_bind_null(handle_.get(), index)); }

  Result<bool> step() override {
    if (bind_error_ != SQLITE_OK) {
      const int code = bind_error_;
      bind_error_ = SQLITE_OK;
      return sqlite_error(code, std::string("bind failed: ") + sqlite3_errstr(code) + " [" +
                                    sql_.substr(0, 200) + "]");
    }
    const int rc = sqlite3_step(handle_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(db_, rc, sql_);
  }

  bool column_is_null(int index) const override {
    return sqlite3_column_type(handle_.get(), index) == SQLITE_NULL;
  }
  std::int64_t column_int(int index) const override {
    return sqlite3_column_int64(handle_.get(), index);
  }
  double column_double(int index) const override {
    return sqlite3_column_double(handle_.get(), index);
  }
  std::string column_text(int index) const override {
    const auto* text = sqlite3_column_text(handle_.get(), index);
    const int size = sqlite3_column_bytes(handle_.get(), index);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
  }
  std::vector<unsigned char> column_blob(int index) const override {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(handle_.get(), index));
    const int size = sqlite3_column_bytes(handle_.get(), index);
    if (data == nullptr) return {};
    return {data, data + size};
  }

  void reset() override {
    sqlite3_reset(handle_.get());
    sqlite3_clear_bindings(handle_.get());
    bind_error_ = SQLITE_OK;
  }

  [[nodiscard]] const std::string& sql() const { return sql_; }

 private:
  void remember(int rc) {
    if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  }

  sqlite3* db_;
  StatementHandle handle_;
  std::string sql_;
  int bind_error_ = SQLITE_OK;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(DbHandle db) : db_(std::move(db)) {}

  Result<StatementPtr> prepare(std::string_view sql) override {
    if (auto cached = cache_.find(sql); cached != cache_.end()) {
      SqliteStatement* statement = cached->second.release();
      cache_.erase(cached);
      return lease(statement);
    }
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StatementHandle handle(raw);
    if (rc != SQLITE_OK) return sqlite_error(db_.get(), rc, sql);
    if (handle == nullptr) return sqlite_error(SQLITE_MISUSE, "prepare: no statement in SQL");
    const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
    if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      return sqlite_error(SQLITE_MISUSE,
                          "prepare takes one statement [" + std::string(sql.substr(0, 200)) + "]");
    }
    auto statement =
        std::make_unique<SqliteStatement>(db_.get(), std::move(handle), std::string(sql));
    return lease(statement.release());
  }

  Result<void> exec(std::string_view sql) override {
    const std::string text(sql);
    char* raw_message = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &raw_message);
    const std::unique_ptr<char, decltype(&sqlite3_free)> message(raw_message, &sqlite3_free);
    if (rc == SQLITE_OK) return {};
    std::string what = message ? message.get() : sqlite3_errstr(rc);
    what += " [";
    what += sql.substr(0, 200);
    what += "]";
    return sqlite_error(rc, what);
  }

  [[nodiscard]] sqlite3* handle() const { return db_.get(); }

 protected:
  void release(Statement* statement) noexcept override {
    std::unique_ptr<SqliteStatement> owned(static_cast<SqliteStatement*>(statement));
    owned->reset();
    if (cache_.size() >= kMaxCachedStatements) return;  // finalized here
    const std::string& key = owned->sql();
    cache_.emplace(key, std::move(owned));
  }

 private:
  DbHandle db_;  // declared first: destroyed after the statements in cache_
  std::multimap<std::string, std::unique_ptr<SqliteStatement>, std::less<>> cache_;
};

// Runs `sql` and returns its first column of the first row as text (for PRAGMA checks).
Result<std::string> query_text(SqliteConnection& connection, std::string_view sql) {
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::string();
  return (*statement)->column_text(0);
}

Result<std::unique_ptr<SqliteConnection>> open_connection(const std::filesystem::path& file,
                                                          int flags, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  DbHandle db(raw);  // sqlite3_open_v2 may return a handle even on failure
  if (rc != SQLITE_OK) {
    return sqlite_error(rc, std::string("cannot open ") + file.string() + ": " +
                                (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  return std::make_unique<SqliteConnection>(std::move(db));
}

Result<void> expect_pragma(SqliteConnection& connection, std::string_view sql,
                           std::string_view expected) {
  auto value = query_text(connection, sql);
  if (!value) return value.error();
  if (*value != expected) {
    return sqlite_error(SQLITE_ERROR, std::string(sql) + " gave '" + *value + "', expected '" +
                                          std::string(expected) + "'");
  }
  return {};
}

// The database. Locking: write_mutex_ serialises writers; pool_mutex_ guards idle_readers_.
class SqliteDb final : public Db {
 public:
  SqliteDb(std::unique_ptr<SqliteConnection> writer,
           std::vector<std::unique_ptr<SqliteConnection>> readers)
      : writer_(std::move(writer)), readers_(std::move(readers)) {
    for (auto& reader : readers_) idle_readers_.push_back(reader.get());
  }

  Dialect dialect() const noexcept override { return Dialect::sqlite; }

 protected:
  Result<void> run_write(const Body& body) override {
    std::lock_guard lock(write_mutex_);
    return run_transaction(*writer_, "BEGIN IMMEDIATE", body);
  }

  Result<void> run_read(const Body& body) override {
    SqliteConnection* reader = acquire_reader();
    struct Return {
      SqliteDb& db;
      SqliteConnection* reader;
      ~Return() { db.return_reader(reader); }
    } give_back{*this, reader};
    return run_transaction(*reader, "BEGIN", body);
  }

 private:
  static Result<void> run_transaction(SqliteConnection& connection, std::string_view begin,
                                      const Body& body) {
    if (auto begun = connection.exec(begin); !begun) return begun.error();
    Result<void> outcome;
    try {
      outcome = body(connection);
    } catch (...) {
      rollback(connection);
      throw;
    }
    if (!outcome) {
      rollback(connection);
      return outcome;
    }
    if (auto committed = connection.exec("COMMIT"); !committed) {
      rollback(connection);  // a failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open
      return committed.error();
    }
    return {};
  }

  static void rollback(SqliteConnection& connection) noexcept {
    if (sqlite3_get_autocommit(connection.handle()) != 0) return;  // already rolled back
    if (auto rolled_back = connection.exec("ROLLBACK"); !rolled_back) {
      spdlog::error("sqlite rollback failed: {}", rolled_back.error().message);
    }
  }

  SqliteConnection* acquire_reader() {
    std::unique_lock lock(pool_mutex_);
    pool_cv_.wait(lock, [this] { return !idle_readers_.empty(); });
    SqliteConnection* reader = idle_readers_.back();
    idle_readers_.pop_back();
    return reader;
  }

  void return_reader(SqliteConnection* reader) {
    {
      std::lock_guard lock(pool_mutex_);
      idle_readers_.push_back(reader);
    }
    pool_cv_.notify_one();
  }

  std::mutex write_mutex_;
  // Guarded by write_mutex_:
  std::unique_ptr<SqliteConnection> writer_;

  const std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::mutex pool_mutex_;
  std::condition_variable pool_cv_;
  // Guarded by pool_mutex_:
  std::vector<SqliteConnection*> idle_readers_;
};

}  // namespace

const boost::system::error_category& sqlite_category() noexcept {
  static const SqliteCategory category;
  return category;
}

Result<std::unique_ptr<Db>> open_sqlite(const std::filesystem::path& file,
                                        const SqliteOptions& options) {
  if (file.empty() || file == ":memory:") {
    return fail(Errc::invalid_argument, "database: must be a file path");
  }
  if (options.reader_count < 1 || options.reader_count > 64) {
    return fail(Errc::invalid_argument, "reader_count: must be between 1 and 64");
  }
  if (options.busy_timeout_ms < 0 || options.busy_timeout_ms > 600'000) {
    return fail(Errc::invalid_argument, "busy_timeout_ms: must be between 0 and 600000");
  }
  if (sqlite3_threadsafe() == 0) {
    return sqlite_error(SQLITE_MISUSE, "SQLite was built without thread support");
  }

  auto writer =
      open_connection(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options.busy_timeout_ms);
  if (!writer) return writer.error();
  SqliteConnection& connection = **writer;
  if (auto r = expect_pragma(connection, "PRAGMA journal_mode=WAL", "wal"); !r) return r.error();
  if (auto r = connection.exec(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                        : "PRAGMA synchronous=NORMAL");
      !r) {
    return r.error();
  }
  if (auto r = connection.exec("PRAGMA foreign_keys=ON"); !r) return r.error();
  if (auto r = expect_pragma(connection, "PRAGMA foreign_keys", "1"); !r) return r.error();

  std::vector<std::unique_ptr<SqliteConnection>> readers;
  for (int reader_idx = 0; reader_idx < options.reader_count; ++reader_idx) {
    auto reader = open_connection(file, SQLITE_OPEN_READONLY, options.busy_timeout_ms);
    if (!reader) return reader.error();
    readers.push_back(std::move(*reader));
  }
  return std::unique_ptr<Db>(std::make_unique<SqliteDb>(std::move(*writer), std::move(readers)));
}

}  // namespace worktrace::storage
