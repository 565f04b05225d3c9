// `worktrace-server audit verify --data DIR [--org ID]`.
#include "app/commands.hpp"

#include "audit/audit_verify.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"

#include <iostream>
#include <system_error>
#include <vector>

namespace worktrace::app {
namespace {

constexpr const char* kDatabaseFile = "worktrace.db";

int fail_with(const Error& error) {
  std::cerr << "worktrace-server: " << error.message << '\n';
  return kExitFailure;
}

}  // namespace

int audit_verify(const std::filesystem::path& data_dir, std::optional<std::int64_t> org_id) {
  const auto file = data_dir / kDatabaseFile;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    std::cerr << "worktrace-server: no database at " << file.string() << '\n';
    return kExitUsage;
  }
  storage::SqliteOptions options;
  options.reader_count = 1;
  auto db = storage::open_sqlite(file, options);
  if (!db) return fail_with(db.error());
  // An older database gets its schema first, as the server would give it.
  if (auto migrated = storage::migrate(**db); !migrated) return fail_with(migrated.error());

  std::vector<audit::VerifyReport> reports;
  if (org_id) {
    auto report = audit::verify(**db, *org_id);
    if (!report) return fail_with(report.error());
    reports.push_back(std::move(*report));
  } else {
    auto all = audit::verify_all(**db);
    if (!all) return fail_with(all.error());
    reports = std::move(*all);
    if (reports.empty()) std::cout << "no audit entries yet\n";
  }
  int exit_code = kExitOk;
  for (const auto& report : reports) {
    if (report.ok) {
      std::cout << "organization " << report.org_id << ": " << report.entries
                << " entries, chain intact\n";
    } else {
      std::cout << "organization " << report.org_id << ": entry " << *report.first_broken_seq
                << " is broken: " << report.reason << '\n';
      exit_code = kExitFailure;
    }
  }
  return exit_code;
}

}  // namespace worktrace::app
