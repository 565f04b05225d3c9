// worktrace-server: the Worktrace server and its administration commands.

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/log.hpp"
#include "core/version.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <exception>
#include <iostream>

namespace {

using worktrace::app::ServerConfig;

int run(int argc, char** argv) {
  namespace app = worktrace::app;
  // The database holds password hashes and credentials: nothing we create is for others.
  ::umask(077);
  worktrace::setup_logging("info", worktrace::LogFormat::text);
  CLI::App cli{"Worktrace server: activity monitoring for organizations"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", worktrace::kVersion);

  // serve: defaults < --config file < WORKTRACE_* environment < flags.
  ServerConfig flags;
  std::string config_file;
  std::string log_format;
  std::string tls_cert;
  std::string tls_key;
  std::string data_dir;
  std::string web_root;
  auto* serve = cli.add_subcommand("serve", "Run the server");
  serve->add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  auto* listen_opt = serve->add_option("--listen", flags.listen,
                                       "ADDR:PORT to listen on (default 127.0.0.1:8080)");
  auto* data_opt = serve->add_option("--data", data_dir, "Data directory (default ./var)");
  auto* web_opt =
      serve->add_option("--web-root", web_root, "Built dashboard directory (default web/dist)");
  auto* cert_opt = serve->add_option("--tls-cert", tls_cert, "TLS certificate chain (PEM)");
  auto* key_opt = serve->add_option("--tls-key", tls_key, "TLS private key (PEM)");
  auto* insecure_opt = serve->add_flag("--insecure-http", flags.insecure_http,
                                       "Allow plain HTTP on a non-loopback address");
  auto* level_opt =
      serve->add_option("--log-level", flags.log_level, "trace, debug, info, warn, error");
  auto* format_opt = serve->add_option("--log-format", log_format, "text or json");
  auto* io_opt =
      serve->add_option("--threads", flags.io_threads, "Network threads")->check(CLI::Range(1, 64));
  auto* blocking_opt = serve
                           ->add_option("--blocking-threads", flags.blocking_threads,
                                        "Database and other blocking work threads")
                           ->check(CLI::Range(1, 256));
  auto* body_opt =
      serve->add_option("--max-body-bytes", flags.max_body_bytes, "Largest request body")
          ->check(CLI::Range(std::int64_t{1024}, std::int64_t{1} << 30));
  auto* shutdown_opt = serve
                           ->add_option("--shutdown-timeout-s", flags.shutdown_timeout_s,
                                        "Seconds to finish in-flight work on shutdown")
                           ->check(CLI::Range(0, 3600));
  std::string port_file;
  serve->add_option("--port-file", port_file, "Write the bound port to this file once listening");

  std::string migrate_data;
  auto* migrate =
      cli.add_subcommand("migrate", "Apply database migrations and print the schema version");
  migrate->add_option("--data", migrate_data, "Data directory")->required();

  std::string init_data;
  auto* init = cli.add_subcommand(
      "init",
      "Create the demo organization and owner if none exists (WORKTRACE_ADMIN_EMAIL/PASSWORD)");
  init->add_option("--data", init_data, "Data directory")->required();

  std::string token_data;
  std::optional<std::int64_t> token_org;
  int token_uses = 1;
  std::int64_t token_ttl_s = 86'400;
  auto* token = cli.add_subcommand("enrollment-token", "Print a new agent enrollment token");
  token->add_option("--data", token_data, "Data directory")->required();
  token->add_option("--org", token_org, "Organization id (default: the first)");
  token->add_option("--uses", token_uses, "How many devices may enroll with it")
      ->check(CLI::Range(1, 1000));
  token->add_option("--ttl-s", token_ttl_s, "Seconds until it expires")
      ->check(CLI::Range(60, 2'592'000));

  std::string org_data;
  std::string org_name;
  std::string org_owner_email;
  std::string org_owner_name = "Owner";
  auto* org = cli.add_subcommand("org", "Manage organizations");
  org->require_subcommand(1);
  auto* org_create = org->add_subcommand(
      "create",
      "Create an organization and its owner (password from standard input, or generated)");
  org_create->add_option("--data", org_data, "Data directory")->required();
  org_create->add_option("--name", org_name, "Organization name")->required();
  org_create->add_option("--owner-email", org_owner_email, "Owner's email address")->required();
  org_create->add_option("--owner-name", org_owner_name, "Owner's name (default Owner)");

  std::string audit_data;
  std::optional<std::int64_t> audit_org;
  auto* audit = cli.add_subcommand("audit", "Audit log");
  audit->require_subcommand(1);
  auto* audit_verify =
      audit->add_subcommand("verify", "Check the audit log's hash chains; name the first break");
  audit_verify->add_option("--data", audit_data, "Data directory")->required();
  audit_verify->add_option("--org", audit_org, "Only this organization");

  auto* routes = cli.add_subcommand("routes", "Print every HTTP route as METHOD PATTERN");

  auto* rate_opt = serve
                       ->add_option("--api-rate-per-s", flags.api_rate_per_s,
                                    "API requests per second per client address (bursts 4x)")
                       ->check(CLI::Range(1.0, 1e6));
  bool no_signup = false;
  auto* signup_opt =
      serve->add_flag("--no-signup", no_signup, "Switch off the public sign-up page");
  std::string public_url;
  auto* public_url_opt = serve->add_option("--public-url", public_url,
                                           "The dashboard's public URL, for links in emails");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return cli.exit(error);
  }

  if (*migrate) return app::migrate(migrate_data);
  if (*init) return app::init(init_data);
  if (*token) return app::create_enrollment_token(token_data, token_org, token_uses, token_ttl_s);
  if (*org_create) return app::create_org(org_data, org_name, org_owner_email, org_owner_name);
  if (*audit_verify) return app::audit_verify(audit_data, audit_org);
  if (*routes) return app::print_routes();

  ServerConfig config;
  if (!config_file.empty()) {
    if (auto loaded = app::apply_toml(config, config_file); !loaded) {
      std::cerr << "worktrace-server: " << loaded.error().message << '\n';
      return app::kExitUsage;
    }
  }
  if (auto loaded = app::apply_env(config, [](const char* name) { return std::getenv(name); });
      !loaded) {
    std::cerr << "worktrace-server: " << loaded.error().message << '\n';
    return app::kExitUsage;
  }
  if (listen_opt->count() > 0) config.listen = flags.listen;
  if (data_opt->count() > 0) config.data_dir = data_dir;
  if (web_opt->count() > 0) config.web_root = web_root;
  if (cert_opt->count() > 0) config.tls_cert = tls_cert;
  if (key_opt->count() > 0) config.tls_key = tls_key;
  if (insecure_opt->count() > 0) config.insecure_http = flags.insecure_http;
  if (level_opt->count() > 0) config.log_level = flags.log_level;
  if (format_opt->count() > 0) {
    auto parsed = app::parse_log_format(log_format);
    if (!parsed) {
      std::cerr << "worktrace-server: " << parsed.error().message << '\n';
      return app::kExitUsage;
    }
    config.log_format = *parsed;
  }
  if (io_opt->count() > 0) config.io_threads = flags.io_threads;
  if (blocking_opt->count() > 0) config.blocking_threads = flags.blocking_threads;
  if (body_opt->count() > 0) config.max_body_bytes = flags.max_body_bytes;
  if (shutdown_opt->count() > 0) config.shutdown_timeout_s = flags.shutdown_timeout_s;
  if (rate_opt->count() > 0) config.api_rate_per_s = flags.api_rate_per_s;
  if (signup_opt->count() > 0) config.signup = false;
  if (public_url_opt->count() > 0) config.public_url = public_url;
  config.port_file = port_file;
  return app::serve(config);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    spdlog::critical("unexpected error: {}", error.what());
    std::cerr << "worktrace-server: unexpected error: " << error.what() << '\n';
    return worktrace::app::kExitFailure;
  }
}
