#pragma once

#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/system/error_category.hpp>

#include <filesystem>
#include <memory>

namespace worktrace::storage {

// The error category of SQLite result codes (extended codes, e.g. SQLITE_CONSTRAINT_UNIQUE).
// Errors of this category carry SQL detail in their message; Response::from_error hides it.
[[nodiscard]] const boost::system::error_category& sqlite_category() noexcept;

struct SqliteOptions {
  int reader_count = 4;          // read-only connections in the pool, 1..64
  int busy_timeout_ms = 5000;    // how long a connection waits for another process's lock
  bool synchronous_full = true;  // PRAGMA synchronous=FULL (else NORMAL: WAL stays consistent
                                 // but the last commits may be lost on power failure)
};

// Opens (creating when missing) the SQLite database `file` in WAL mode with foreign keys on:
// one writer connection and `options.reader_count` read-only connections. `file` must be a
// real file path (":memory:" would give every connection its own empty database).
// Fails with Errc::invalid_argument for bad options, or a sqlite_category() error.
[[nodiscard]] Result<std::unique_ptr<Db>> open_sqlite(const std::filesystem::path& file,
                                                      const SqliteOptions& options = {});

}  // namespace worktrace::storage
