#include "app/commands.hpp"

#include "api/router.hpp"
#include "app/platform.hpp"
#include "app/tls_pin.hpp"
#include "audit/audit_verify.hpp"
#include "auth/auth_service.hpp"
#include "auth/secret_box.hpp"
#include "core/clock.hpp"
#include "devices/device_service.hpp"
#include "net/server.hpp"
#include "org/org_service.hpp"
#include "realtime/hub.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <system_error>
#include <tuple>
#include <vector>

namespace worktrace::app {
namespace {

constexpr const char* kDatabaseFile = "worktrace.db";
// The key that seals secrets at rest (TOTP secrets); made on the first start.
constexpr const char* kSecretKeyFile = "secret.key";

// Opens the database `file` and applies pending migrations, as the server would.
Result<std::unique_ptr<storage::Db>> open_migrated(const std::filesystem::path& file,
                                                   const storage::SqliteOptions& options = {}) {
  auto db = storage::open_sqlite(file, options);
  if (!db) return db.error();
  auto applied = storage::migrate(**db);
  if (!applied) return applied.error();
  if (*applied > 0) spdlog::info("applied {} database migration(s)", *applied);
  return db;
}

// Creates the data directory (owner-only) and opens and migrates its database.
Result<std::unique_ptr<storage::Db>> open_data_dir(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    return fail(Errc::io_error,
                "cannot create data directory " + data_dir.string() + ": " + ec.message());
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  return open_migrated(data_dir / kDatabaseFile);
}

int report(const Error& error) {
  std::cerr << "worktrace-server: " << error.message << '\n';
  return error.is(Errc::invalid_argument) ? kExitUsage : kExitFailure;
}

// Writes `port` to `file` atomically so a reader never sees a partial number.
void write_port_file(const std::filesystem::path& file, std::uint16_t port) {
  const auto temporary = std::filesystem::path(file.string() + ".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << '\n';
  }
  std::error_code ec;
  std::filesystem::rename(temporary, file, ec);
  if (ec) spdlog::warn("cannot write port file {}: {}", file.string(), ec.message());
}

// A private temporary directory, removed with its contents on destruction; path() is empty
// when it could not be made.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "worktrace-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path resolve_web_root(const std::filesystem::path& configured) {
  if (!configured.empty()) return configured;
  if (std::filesystem::exists("web/dist/index.html")) return "web/dist";
  return {};
}

}  // namespace

int serve(const ServerConfig& config) {
  auto address = validate(config);
  if (!address) return report(address.error());
  if (!setup_logging(config.log_level, config.log_format)) {
    std::cerr << "worktrace-server: unknown log level '" << config.log_level << "'\n";
    return kExitUsage;
  }
  auto db = open_data_dir(config.data_dir);
  if (!db) return report(db.error());

  auto key = auth::load_or_create_secret_key(config.data_dir / kSecretKeyFile);
  if (!key) return report(key.error());
  // Agents may pin this key at enrolment (worktrace-agent enroll --pin-sha256).
  std::optional<std::string> tls_pin;
  if (config.tls_cert) {
    auto pin = spki_pin_sha256(*config.tls_cert);
    if (!pin) return report(pin.error());
    spdlog::info("TLS key pin-sha256: {}", *pin);
    tls_pin = std::move(*pin);
  }
  SystemClock clock;
  Platform platform(**db, clock, *key, org_options(config), std::move(tls_pin));
  // Dashboards close at idle or absolute session expiry even when they send nothing.
  platform.devices().start_session_sweep(std::chrono::seconds(60));

  net::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  if (config.tls_cert) options.tls = net::TlsFiles{*config.tls_cert, *config.tls_key};
  options.web_root = resolve_web_root(config.web_root);
  options.max_body_bytes = static_cast<std::size_t>(config.max_body_bytes);
  options.io_threads = config.io_threads;
  options.blocking_threads = config.blocking_threads;
  options.shutdown_timeout = std::chrono::seconds(config.shutdown_timeout_s);
  options.allow_insecure_http = config.insecure_http;
  options.api_rate_per_s = config.api_rate_per_s;
  options.api_burst = std::max(200.0, config.api_rate_per_s * 4);
  if (options.web_root.empty())
    spdlog::warn("no dashboard: web/dist not found and --web-root not given");

  net::Server server(std::move(options), platform.router(), platform.hub(),
                     platform.devices().agent_channel(), platform.devices().viewer_channel());
  auto port = server.start();
  if (!port) return report(port.error());
  if (!config.port_file.empty()) write_port_file(config.port_file, *port);
  server.run();
  return kExitOk;
}

int migrate(const std::filesystem::path& data_dir) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(data_dir / kDatabaseFile, ec);
  auto db = open_data_dir(data_dir);
  if (!db) return report(db.error());
  auto version = storage::schema_version(**db);
  if (!version) return report(version.error());
  std::cout << (existed ? "database " : "new database ") << (data_dir / kDatabaseFile).string()
            << " is at schema version " << *version << '\n';
  return kExitOk;
}

int init(const std::filesystem::path& data_dir) {
  auto db = open_data_dir(data_dir);
  if (!db) return report(db.error());
  auto env = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  SystemClock clock;
  org::OrgService orgs(**db, clock);
  auto login = orgs.ensure_demo_org(env("WORKTRACE_ADMIN_EMAIL"), env("WORKTRACE_ADMIN_PASSWORD"));
  if (!login) return report(login.error());
  if (!login->created) {
    std::cout << "Already initialized: organization \"" << login->org_name << "\" exists.\n";
    return kExitOk;
  }
  std::cout << "Created organization \"" << login->org_name << "\".\n"
            << "  Owner email:    " << login->email << '\n'
            << "  Owner password: " << login->password << '\n'
            << "Keep the password now: it is shown only once.\n";
  return kExitOk;
}

int create_enrollment_token(const std::filesystem::path& data_dir,
                            std::optional<std::int64_t> org_id, int uses, std::int64_t ttl_s) {
  auto db = open_data_dir(data_dir);
  if (!db) return report(db.error());
  SystemClock clock;
  if (!org_id) {
    org::OrgService orgs(**db, clock);
    auto first = orgs.first_org_id();
    if (!first) return report(first.error());
    if (!*first)
      return report(
          fail(Errc::not_found, "no organization yet: run 'worktrace-server init' first"));
    org_id = **first;
  }
  realtime::Hub hub;
  auth::AuthService auth(**db, clock);
  devices::DeviceService devices(**db, hub, auth, clock);
  auto token = devices.create_enrollment_token(*org_id, uses, ttl_s);
  if (!token) return report(token.error());
  std::cout << token->token << '\n';
  return kExitOk;
}

int create_org(const std::filesystem::path& data_dir, const std::string& name,
               const std::string& owner_email, const std::string& owner_name) {
  std::optional<std::string> password;
  if (::isatty(STDIN_FILENO) == 0) {
    std::string line;
    if (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) password = std::move(line);
    }
  }
  auto db = open_data_dir(data_dir);
  if (!db) return report(db.error());
  SystemClock clock;
  org::OrgService orgs(**db, clock);
  auto created = orgs.create_org(name, owner_email, owner_name, password);
  if (!created) return report(created.error());
  std::cout << "Created organization \"" << name << "\" (id " << created->org_id << ").\n"
            << "  Owner email:    " << owner_email << '\n';
  if (!created->password.empty()) {
    std::cout << "  Owner password: " << created->password << '\n'
              << "Keep the password now: it is shown only once.\n";
  }
  return kExitOk;
}

int audit_verify(const std::filesystem::path& data_dir, std::optional<std::int64_t> org_id) {
  // Verifies an existing database only: no data directory is made for it.
  const auto file = data_dir / kDatabaseFile;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    std::cerr << "worktrace-server: no database at " << file.string() << '\n';
    return kExitUsage;
  }
  storage::SqliteOptions options;
  options.reader_count = 1;
  auto db = open_migrated(file, options);
  if (!db) return report(db.error());

  std::vector<audit::VerifyReport> reports;
  if (org_id) {
    auto verified = audit::verify(**db, *org_id);
    if (!verified) return report(verified.error());
    reports.push_back(std::move(*verified));
  } else {
    auto all = audit::verify_all(**db);
    if (!all) return report(all.error());
    reports = std::move(*all);
    if (reports.empty()) std::cout << "no audit entries yet\n";
  }
  int exit_code = kExitOk;
  for (const auto& chain : reports) {
    if (chain.ok) {
      std::cout << "organization " << chain.org_id << ": " << chain.entries
                << " entries, chain intact\n";
    } else {
      std::cout << "organization " << chain.org_id << ": entry " << *chain.first_broken_seq
                << " is broken: " << chain.reason << '\n';
      exit_code = kExitFailure;
    }
  }
  return exit_code;
}

int print_routes() {
  // The routes do not depend on data: build the platform on a throw-away database.
  ScratchDir scratch;
  if (scratch.path().empty()) {
    return report(fail(Errc::io_error, "cannot create a temporary directory"));
  }
  auto db = storage::open_sqlite(scratch.path() / kDatabaseFile);
  if (!db) return report(db.error());
  SystemClock clock;
  Platform platform(**db, clock, auth::generate_secret_key(), org::OrgOptions{});
  auto entries = platform.router().entries();
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::tie(a.pattern, a.method) < std::tie(b.pattern, b.method);
  });
  for (const auto& entry : entries) std::cout << entry.method << ' ' << entry.pattern << '\n';
  return kExitOk;
}

}  // namespace worktrace::app
