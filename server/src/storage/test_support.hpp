#pragma once

// Helpers for tests of code that uses the database. Not linked into the server.

#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

namespace worktrace::storage::testing {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "worktrace-test-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A migrated SQLite database in its own temporary directory. Throws when it cannot be made.
struct TestDb {
  TempDir dir;
  std::unique_ptr<Db> db;

  explicit TestDb(const SqliteOptions& options = {}) {
    auto opened = open_sqlite(dir.path() / "worktrace.db", options);
    if (!opened) throw std::runtime_error("open_sqlite: " + opened.error().message);
    db = std::move(*opened);
    auto migrated = migrate(*db);
    if (!migrated) throw std::runtime_error("migrate: " + migrated.error().message);
  }
};

}  // namespace worktrace::storage::testing
