// The physical reference of the ingest benchmark: how fast SQLite itself stores activity spans
// on this machine. Reads span rows (TSV, as `bench/ingest_load.mjs dump` writes them: the
// rows the load generator sends), creates a table shaped like activity_spans (migration
// 0003_activity.sql: same columns, checks, foreign keys and indexes), and inserts the rows with
// one prepared statement in transactions of --txn-rows, opened like the server's database
// (storage/sqlite_db.cpp: WAL, synchronous=FULL, foreign_keys=ON). The corpus is reused with
// its times shifted by a day per pass until --max-rows or --seconds is reached (checked after
// each transaction). Prints one JSON object: {"rows","seconds","rows_per_s","txn_rows"}.
//
// Usage: worktrace-bench-sqlite-insert --db FILE --rows TSV [--txn-rows 1000]
//                                      [--max-rows 1000000] [--seconds 10]
//                                      [--synchronous FULL|NORMAL|OFF]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

// One row of the corpus: a span of activity_spans without its org and user.
struct SpanRow {
  std::int64_t device = 0;  // 1-based device number of the load generator
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string app;
  std::string exe;
  std::string title;
  bool idle = false;
};

struct Options {
  std::string db;
  std::string rows;
  std::int64_t txn_rows = 1000;
  std::int64_t max_rows = 1'000'000;
  double seconds = 10;
  std::string synchronous = "FULL";  // the server's default (SqliteOptions::synchronous_full)
};

struct CloseDb {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

[[noreturn]] void die(std::string_view message) {
  std::cerr << "worktrace-bench-sqlite-insert: " << message << '\n';
  std::exit(1);
}

void check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    die(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    die(std::string(sql).substr(0, 80) + ": " + message);
  }
}

std::int64_t to_int(std::string_view text, std::string_view what) {
  char* end = nullptr;
  const std::string copy(text);
  const long long value = std::strtoll(copy.c_str(), &end, 10);
  if (copy.empty() || end != copy.c_str() + copy.size()) die(std::string(what) + ": not a number");
  return value;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int arg_idx = 1; arg_idx < argc; ++arg_idx) {
    const std::string_view name = argv[arg_idx];
    if (arg_idx + 1 >= argc) die(std::string(name) + ": needs a value");
    const std::string_view value = argv[++arg_idx];
    if (name == "--db") {
      options.db = value;
    } else if (name == "--rows") {
      options.rows = value;
    } else if (name == "--txn-rows") {
      options.txn_rows = to_int(value, name);
    } else if (name == "--max-rows") {
      options.max_rows = to_int(value, name);
    } else if (name == "--synchronous") {
      options.synchronous = value;
      if (value != "FULL" && value != "NORMAL" && value != "OFF") {
        die("--synchronous: FULL, NORMAL or OFF");
      }
    } else if (name == "--seconds") {
      options.seconds = static_cast<double>(to_int(value, name));
    } else {
      die("unknown option " + std::string(name));
    }
  }
  if (options.db.empty() || options.rows.empty()) die("--db and --rows are required");
  if (options.txn_rows < 1 || options.max_rows < 1 || options.seconds <= 0) {
    die("--txn-rows, --max-rows and --seconds must be positive");
  }
  return options;
}

// Reads "device\tstart_ms\tend_ms\tapp\texe\ttitle\tidle" lines.
std::vector<SpanRow> read_rows(const std::string& file) {
  std::ifstream in(file);
  if (!in) die("cannot read " + file);
  std::vector<SpanRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string_view> fields;
    std::string_view rest = line;
    for (std::size_t tab = rest.find('\t'); tab != std::string_view::npos; tab = rest.find('\t')) {
      fields.push_back(rest.substr(0, tab));
      rest.remove_prefix(tab + 1);
    }
    fields.push_back(rest);
    if (fields.size() != 7) die("a row of " + file + " does not have 7 fields: " + line);
    rows.push_back(SpanRow{to_int(fields[0], "device"), to_int(fields[1], "start_ms"),
                           to_int(fields[2], "end_ms"), std::string(fields[3]),
                           std::string(fields[4]), std::string(fields[5]), fields[6] == "1"});
  }
  if (rows.empty()) die(file + " has no rows");
  return rows;
}

// The parents the foreign keys need, and activity_spans as migration 0003 creates it.
void create_schema(sqlite3* db, std::int64_t devices) {
  exec(db,
       "CREATE TABLE organizations (id INTEGER PRIMARY KEY);"
       "CREATE TABLE users (id INTEGER PRIMARY KEY);"
       "CREATE TABLE devices (id INTEGER PRIMARY KEY);"
       "CREATE TABLE activity_spans ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,"
       "  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
       "  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,"
       "  start_ms INTEGER NOT NULL,"
       "  end_ms INTEGER NOT NULL CHECK (end_ms >= start_ms),"
       "  app TEXT NOT NULL,"
       "  exe TEXT NOT NULL,"
       "  title TEXT NOT NULL,"
       "  idle INTEGER NOT NULL CHECK (idle IN (0, 1)));"
       "CREATE INDEX activity_spans_user ON activity_spans (user_id, start_ms);"
       "CREATE INDEX activity_spans_org ON activity_spans (org_id, start_ms);"
       "CREATE INDEX activity_spans_device ON activity_spans (device_id, end_ms);"
       "INSERT INTO organizations (id) VALUES (1);");
  for (std::int64_t device = 1; device <= devices; ++device) {
    const std::string sql = "INSERT INTO devices (id) VALUES (" + std::to_string(device) +
                            "); INSERT OR IGNORE INTO users (id) VALUES (" +
                            std::to_string(1 + device % 20) + ");";
    exec(db, sql.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  const std::vector<SpanRow> rows = read_rows(options.rows);
  std::int64_t devices = 0;
  for (const SpanRow& row : rows) devices = std::max(devices, row.device);

  std::remove(options.db.c_str());
  sqlite3* raw = nullptr;
  const int opened =
      sqlite3_open_v2(options.db.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbHandle db(raw);
  if (opened != SQLITE_OK) die("cannot open " + options.db);
  exec(db.get(), "PRAGMA journal_mode=WAL");
  exec(db.get(), ("PRAGMA synchronous=" + options.synchronous).c_str());
  exec(db.get(), "PRAGMA foreign_keys=ON");
  create_schema(db.get(), devices);

  sqlite3_stmt* prepared = nullptr;
  const char* insert_sql =
      "INSERT INTO activity_spans (org_id, device_id, user_id, start_ms, end_ms, app, exe, "
      "title, idle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  check(db.get(),
        sqlite3_prepare_v3(db.get(), insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &prepared, nullptr),
        "prepare");
  StatementHandle insert(prepared);

  using Clock = std::chrono::steady_clock;
  const auto began = Clock::now();
  const auto deadline = began + std::chrono::duration<double>(options.seconds);
  std::int64_t inserted = 0;
  std::size_t row_idx = 0;
  std::int64_t shift_ms = 0;
  while (inserted < options.max_rows && Clock::now() < deadline) {
    exec(db.get(), "BEGIN IMMEDIATE");
    for (std::int64_t in_txn = 0; in_txn < options.txn_rows && inserted < options.max_rows;
         ++in_txn, ++inserted) {
      const SpanRow& row = rows[row_idx];
      sqlite3_stmt* s = insert.get();
      sqlite3_bind_int64(s, 1, 1);
      sqlite3_bind_int64(s, 2, row.device);
      sqlite3_bind_int64(s, 3, 1 + row.device % 20);
      sqlite3_bind_int64(s, 4, row.start_ms + shift_ms);
      sqlite3_bind_int64(s, 5, row.end_ms + shift_ms);
      sqlite3_bind_text64(s, 6, row.app.data(), row.app.size(), SQLITE_STATIC, SQLITE_UTF8);
      sqlite3_bind_text64(s, 7, row.exe.data(), row.exe.size(), SQLITE_STATIC, SQLITE_UTF8);
      sqlite3_bind_text64(s, 8, row.title.data(), row.title.size(), SQLITE_STATIC, SQLITE_UTF8);
      sqlite3_bind_int64(s, 9, row.idle ? 1 : 0);
      check(db.get(), sqlite3_step(s), "insert");
      sqlite3_reset(s);
      if (++row_idx == rows.size()) {
        row_idx = 0;
        shift_ms += kDayMs;
      }
    }
    exec(db.get(), "COMMIT");
  }
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - began).count();
  std::printf("{\"rows\":%lld,\"seconds\":%.3f,\"rows_per_s\":%.0f,\"txn_rows\":%lld}\n",
              static_cast<long long>(inserted), elapsed_s,
              elapsed_s > 0 ? static_cast<double>(inserted) / elapsed_s : 0.0,
              static_cast<long long>(options.txn_rows));
  return 0;
}
