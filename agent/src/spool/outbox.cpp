#include "spool/outbox.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

namespace worktrace::agent::spool {
namespace {

// 'WTOB': marks the file as a Worktrace outbox, so another SQLite file is refused, not altered.
constexpr int kApplicationId = 0x57544F42;
constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE outbox(
  seq INTEGER PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  body TEXT NOT NULL);
CREATE TABLE outbox_meta(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next_seq INTEGER NOT NULL,
  dropped_total INTEGER NOT NULL);
INSERT INTO outbox_meta(id, next_seq, dropped_total) VALUES (1, 1, 0);
PRAGMA application_id = 1465143106;
PRAGMA user_version = 1;
)sql";
static_assert(kApplicationId == 1465143106 && kSchemaVersion == 1, "kSchema spells both out");

struct CloseDb {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

// Resets a reused statement when leaving the scope, whatever happened.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

Error io_failure(const std::filesystem::path& file, std::string_view what) {
  return fail(Errc::io_error, "outbox " + file.string() + ": " + std::string(what));
}

Error sqlite_failure(const std::filesystem::path& file, sqlite3* db, std::string_view what) {
  return io_failure(file, std::string(what) + ": " + sqlite3_errmsg(db));
}

// Creates `file` with mode 0600 when missing and tightens an existing one (and its WAL files:
// SQLite gives new -wal/-shm files the mode of the database file).
Result<void> make_private(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_failure(file, std::string("cannot open: ") + std::strerror(errno));
  const int chmod_rc = ::fchmod(fd, 0600);
  const int chmod_errno = errno;
  ::close(fd);
  if (chmod_rc != 0)
    return io_failure(file, std::string("cannot chmod: ") + std::strerror(chmod_errno));
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string side = file.string() + suffix;
    if (::chmod(side.c_str(), 0600) != 0 && errno != ENOENT) {
      return io_failure(side, std::string("cannot chmod: ") + std::strerror(errno));
    }
  }
  return {};
}

}  // namespace

struct Outbox::Database {
  DbHandle db;  // declared first: closed after the statements are finalized
  StatementHandle insert;
  StatementHandle save_meta;
  StatementHandle scan_oldest;
  StatementHandle delete_up_to;
  StatementHandle measure_up_to;
  StatementHandle oldest;
  StatementHandle peek;

  Result<void> exec(const std::filesystem::path& file, const char* sql) const {
    char* raw_message = nullptr;
    const int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, &raw_message);
    const std::unique_ptr<char, decltype(&sqlite3_free)> message(raw_message, &sqlite3_free);
    if (rc == SQLITE_OK) return {};
    return io_failure(file, message ? message.get() : sqlite3_errstr(rc));
  }

  Result<StatementHandle> prepare(const std::filesystem::path& file, const char* sql) const {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StatementHandle statement(raw);
    if (rc != SQLITE_OK || statement == nullptr) {
      return sqlite_failure(file, db.get(), "cannot prepare");
    }
    return statement;
  }

  // Runs a statement that returns no rows (or whose rows are not needed).
  Result<void> run(const std::filesystem::path& file, sqlite3_stmt* statement) const {
    ResetOnExit reset(statement);
    const int rc = sqlite3_step(statement);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
      return sqlite_failure(file, db.get(), "write failed");
    return {};
  }

  // The oldest record's created_ms, nullopt when none is left.
  Result<std::optional<EpochMs>> oldest_created(const std::filesystem::path& file) const {
    ResetOnExit reset(oldest.get());
    const int rc = sqlite3_step(oldest.get());
    if (rc == SQLITE_DONE) return std::optional<EpochMs>();
    if (rc != SQLITE_ROW) return sqlite_failure(file, db.get(), "read failed");
    return std::optional<EpochMs>(sqlite3_column_int64(oldest.get(), 0));
  }
};

namespace {

// One write transaction: BEGIN IMMEDIATE now, ROLLBACK unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  [[nodiscard]] int begin() {
    return sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  }
  [[nodiscard]] int commit() { return sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(const std::filesystem::path& file, OutboxLimits limits,
                                             const Clock& clock) {
  if (limits.max_age_ms <= 0 || limits.max_bytes <= 0) {
    return fail(Errc::invalid_argument, "outbox limits: max_age_ms and max_bytes must be > 0");
  }
  if (auto made = make_private(file); !made) return made.error();

  auto database = std::make_unique<Database>();
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  database->db.reset(raw);  // sqlite3_open_v2 may return a handle even on failure
  if (rc != SQLITE_OK) {
    return io_failure(file, std::string("cannot open: ") +
                                (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3* db = database->db.get();
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // The first read of the file: a corrupt or foreign file fails here.
  auto query_int = [&](const char* sql) -> Result<std::int64_t> {
    auto statement = database->prepare(file, sql);
    if (!statement) return statement.error();
    const int step_rc = sqlite3_step(statement->get());
    if (step_rc != SQLITE_ROW) return sqlite_failure(file, db, "cannot read");
    return sqlite3_column_int64(statement->get(), 0);
  };
  auto application_id = query_int("PRAGMA application_id");
  if (!application_id) {
    return io_failure(file, std::string("is not a Worktrace outbox or is damaged: ") +
                                sqlite3_errmsg(db) + " (move it away to start a new one)");
  }
  auto table_count = query_int("SELECT count(*) FROM sqlite_schema");
  if (!table_count) return table_count.error();
  if (*application_id == 0 && *table_count == 0) {
    // A new file. journal_mode=WAL persists in the file; it is set before the schema.
    if (auto wal = database->exec(file, "PRAGMA journal_mode=WAL"); !wal) return wal.error();
    if (auto created = database->exec(file, (std::string("BEGIN;") + kSchema + "COMMIT;").c_str());
        !created) {
      return created.error();
    }
  } else if (*application_id != kApplicationId) {
    return io_failure(file, "is not a Worktrace outbox (another SQLite database)");
  }
  auto version = query_int("PRAGMA user_version");
  if (!version) return version.error();
  if (*version != kSchemaVersion) {
    return io_failure(file, "has schema version " + std::to_string(*version) +
                                ", this agent reads version " + std::to_string(kSchemaVersion));
  }
  if (auto wal = database->exec(file, "PRAGMA journal_mode=WAL"); !wal) return wal.error();
  if (auto sync = database->exec(file, "PRAGMA synchronous=NORMAL"); !sync) return sync.error();

  struct Prepared {
    StatementHandle& handle;
    const char* sql;
  };
  for (const Prepared& prepared : {
           Prepared{database->insert, "INSERT INTO outbox(seq, created_ms, body) VALUES (?, ?, ?)"},
           Prepared{database->save_meta,
                    "UPDATE outbox_meta SET next_seq = ?, dropped_total = ? WHERE id = 1"},
           Prepared{database->scan_oldest,
                    "SELECT seq, created_ms, length(CAST(body AS BLOB)) FROM outbox ORDER BY seq"},
           Prepared{database->delete_up_to, "DELETE FROM outbox WHERE seq <= ?"},
           Prepared{database->measure_up_to,
                    "SELECT count(*), coalesce(sum(length(CAST(body AS BLOB))), 0) FROM outbox "
                    "WHERE seq <= ?"},
           Prepared{database->oldest, "SELECT created_ms FROM outbox ORDER BY seq LIMIT 1"},
           Prepared{database->peek, "SELECT seq, body FROM outbox ORDER BY seq LIMIT ?"},
       }) {
    auto statement = database->prepare(file, prepared.sql);
    if (!statement) return statement.error();
    prepared.handle = std::move(*statement);
  }

  Totals totals;
  auto next_seq = query_int("SELECT next_seq FROM outbox_meta WHERE id = 1");
  if (!next_seq) return next_seq.error();
  auto dropped_total = query_int("SELECT dropped_total FROM outbox_meta WHERE id = 1");
  if (!dropped_total) return dropped_total.error();
  auto max_seq = query_int("SELECT coalesce(max(seq), 0) FROM outbox");
  if (!max_seq) return max_seq.error();
  auto records = query_int("SELECT count(*) FROM outbox");
  if (!records) return records.error();
  auto bytes = query_int("SELECT coalesce(sum(length(CAST(body AS BLOB))), 0) FROM outbox");
  if (!bytes) return bytes.error();
  auto oldest = database->oldest_created(file);
  if (!oldest) return oldest.error();
  totals.next_seq = std::max(*next_seq, *max_seq + 1);
  totals.dropped_total = *dropped_total;
  totals.records = *records;
  totals.bytes = *bytes;
  totals.oldest = *oldest;

  return std::make_unique<Outbox>(OpenKey(), file, limits, clock, std::move(database), totals);
}

Outbox::Outbox(OpenKey /*only open()*/, std::filesystem::path file, OutboxLimits limits,
               const Clock& clock, std::unique_ptr<Database> database, Totals totals)
    : file_(std::move(file)),
      limits_(limits),
      clock_(clock),
      database_(std::move(database)),
      totals_(std::move(totals)) {}

Outbox::~Outbox() = default;

Error Outbox::failure(std::string_view what) const {
  return sqlite_failure(file_, database_->db.get(), what);
}

template <class Record>
Result<std::int64_t> Outbox::append_numbered(Record record, std::string (*encode)(const Record&)) {
  std::lock_guard lock(mutex_);
  record.seq = totals_.next_seq;
  if (auto stored = store_locked(record.seq, encode(record)); !stored) return stored.error();
  records_cv_.notify_all();
  return record.seq;
}

Result<std::int64_t> Outbox::append(const protocol::SpanRecord& span) {
  return append_numbered(span, &protocol::span_record_json);
}

Result<std::int64_t> Outbox::append(const protocol::InputRecord& input) {
  return append_numbered(input, &protocol::input_record_json);
}

Result<void> Outbox::store_locked(std::int64_t seq, const std::string& body) {
  if (seq >= protocol::kMaxSeq) return fail(Errc::internal, "outbox: sequence numbers exhausted");
  Database& database = *database_;
  const EpochMs now = clock_.now_ms();
  const auto body_bytes = static_cast<std::int64_t>(body.size());
  Totals next = totals_;

  Transaction transaction(database.db.get());
  if (transaction.begin() != SQLITE_OK) return failure("cannot begin");

  // The bound, checked cheaply against the totals; the rows are read only when it bites.
  auto too_old = [&](EpochMs created_ms) { return now - created_ms > limits_.max_age_ms; };
  auto too_big = [&] { return next.bytes + body_bytes > limits_.max_bytes; };
  if (next.records > 0 && ((next.oldest && too_old(*next.oldest)) || too_big())) {
    std::int64_t drop_up_to = 0;
    std::int64_t dropped = 0;
    {
      sqlite3_stmt* scan = database.scan_oldest.get();
      ResetOnExit reset(scan);
      next.oldest.reset();
      for (;;) {
        const int rc = sqlite3_step(scan);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return failure("cannot read");
        const EpochMs created_ms = sqlite3_column_int64(scan, 1);
        if (!too_old(created_ms) && !too_big()) {
          next.oldest = created_ms;
          break;
        }
        drop_up_to = sqlite3_column_int64(scan, 0);
        next.bytes -= sqlite3_column_int64(scan, 2);
        ++dropped;
      }
    }
    if (dropped > 0) {
      sqlite3_bind_int64(database.delete_up_to.get(), 1, drop_up_to);
      if (auto deleted = database.run(file_, database.delete_up_to.get()); !deleted) {
        return deleted.error();
      }
      next.records -= dropped;
      next.dropped_total += dropped;
    }
  }

  sqlite3_stmt* insert = database.insert.get();
  sqlite3_bind_int64(insert, 1, seq);
  sqlite3_bind_int64(insert, 2, now);
  sqlite3_bind_text64(insert, 3, body.data(), body.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (auto inserted = database.run(file_, insert); !inserted) return inserted.error();
  next.next_seq = seq + 1;
  next.records += 1;
  next.bytes += body_bytes;
  if (!next.oldest) next.oldest = now;

  sqlite3_stmt* save_meta = database.save_meta.get();
  sqlite3_bind_int64(save_meta, 1, next.next_seq);
  sqlite3_bind_int64(save_meta, 2, next.dropped_total);
  if (auto saved = database.run(file_, save_meta); !saved) return saved.error();
  if (transaction.commit() != SQLITE_OK) return failure("cannot commit");
  totals_ = next;
  return {};
}

Result<Pending> Outbox::peek(std::size_t max_records, std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  Pending pending;
  pending.dropped_total = totals_.dropped_total;
  if (max_records == 0 || totals_.records == 0) return pending;
  sqlite3_stmt* peek = database_->peek.get();
  ResetOnExit reset(peek);
  sqlite3_bind_int64(peek, 1,
                     static_cast<std::int64_t>(std::min<std::size_t>(
                         max_records, std::numeric_limits<std::int64_t>::max())));
  std::size_t bytes = 0;
  for (;;) {
    const int rc = sqlite3_step(peek);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return failure("cannot read");
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(peek, 1));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(peek, 1));
    if (!pending.records.empty() && bytes + size + 1 > max_bytes) break;
    pending.records.emplace_back(text != nullptr ? text : "", size);
    bytes += size + 1;
    const std::int64_t seq = sqlite3_column_int64(peek, 0);
    if (pending.first_seq == 0) pending.first_seq = seq;
    pending.last_seq = seq;
  }
  return pending;
}

Result<void> Outbox::ack(std::int64_t up_to_seq) { return remove_up_to(up_to_seq, false); }

Result<void> Outbox::discard(std::int64_t up_to_seq) { return remove_up_to(up_to_seq, true); }

Result<void> Outbox::remove_up_to(std::int64_t up_to_seq, bool count_as_dropped) {
  std::lock_guard lock(mutex_);
  if (up_to_seq <= 0 || totals_.records == 0) return {};
  Database& database = *database_;
  Totals next = totals_;
  Transaction transaction(database.db.get());
  if (transaction.begin() != SQLITE_OK) return failure("cannot begin");
  {
    sqlite3_stmt* measure = database.measure_up_to.get();
    ResetOnExit reset(measure);
    sqlite3_bind_int64(measure, 1, up_to_seq);
    if (sqlite3_step(measure) != SQLITE_ROW) return failure("cannot read");
    const std::int64_t count = sqlite3_column_int64(measure, 0);
    if (count == 0) return {};
    next.records -= count;
    next.bytes -= sqlite3_column_int64(measure, 1);
    if (count_as_dropped) next.dropped_total += count;
  }
  sqlite3_bind_int64(database.delete_up_to.get(), 1, up_to_seq);
  if (auto deleted = database.run(file_, database.delete_up_to.get()); !deleted) {
    return deleted.error();
  }
  if (count_as_dropped) {
    sqlite3_stmt* save_meta = database.save_meta.get();
    sqlite3_bind_int64(save_meta, 1, next.next_seq);
    sqlite3_bind_int64(save_meta, 2, next.dropped_total);
    if (auto saved = database.run(file_, save_meta); !saved) return saved.error();
  }
  auto oldest = database.oldest_created(file_);
  if (!oldest) return oldest.error();
  next.oldest = *oldest;
  if (transaction.commit() != SQLITE_OK) return failure("cannot commit");
  totals_ = next;
  return {};
}

Result<void> Outbox::raise_seq_floor(std::int64_t seq) {
  if (seq < 0 || seq >= protocol::kMaxSeq) {
    return fail(Errc::invalid_argument, "seq floor: must be between 0 and 2^53 - 1");
  }
  std::lock_guard lock(mutex_);
  if (seq < totals_.next_seq) return {};
  sqlite3_stmt* save_meta = database_->save_meta.get();
  sqlite3_bind_int64(save_meta, 1, seq + 1);
  sqlite3_bind_int64(save_meta, 2, totals_.dropped_total);
  if (auto saved = database_->run(file_, save_meta); !saved) return saved.error();
  totals_.next_seq = seq + 1;
  return {};
}

OutboxStats Outbox::stats() {
  std::lock_guard lock(mutex_);
  return {.records = totals_.records,
          .bytes = totals_.bytes,
          .dropped_total = totals_.dropped_total,
          .oldest = totals_.oldest};
}

bool Outbox::wait_for_records(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return records_cv_.wait_for(lock, timeout, [this] { return totals_.records > 0; });
}

}  // namespace worktrace::agent::spool
