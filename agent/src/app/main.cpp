#include "app/commands.hpp"
#include "core/log.hpp"
#include "core/version.hpp"
#include "local_api/origin_set.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <exception>

// worktrace-agent: enroll this machine with a Worktrace server, then keep its control channel
// open. See agent/README.md.
int main(int argc, char** argv) {
  using namespace worktrace::agent;
  CLI::App app("Worktrace agent: reports this device to a Worktrace server.", "worktrace-agent");
  app.set_version_flag("--version", worktrace::kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // --log-level may follow the subcommand too
  std::string log_level = "info";
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error, critical or off (logs go to stderr)")
      ->capture_default_str();

  EnrollArgs enroll;
  std::optional<std::string> config_dir;
  auto* enroll_cmd = app.add_subcommand("enroll", "Enroll this device with a one-time token.");
  enroll_cmd->add_option("--server", enroll.server, "Server URL, http:// or https://")->required();
  enroll_cmd->add_option("--token", enroll.token, "Enrollment token (wte_...)")->required();
  enroll_cmd->add_option("--config-dir", config_dir, "Where agent.json is kept");
  enroll_cmd->add_option("--ca-file", enroll.ca_file,
                         "PEM file of CA certificates to trust instead of the system ones");
  enroll_cmd->add_option("--pin-sha256", enroll.pin_sha256,
                         "Trust the server whose key has this pin-sha256 (base64 SHA-256 of its "
                         "SubjectPublicKeyInfo, shown in the dashboard); no CA is then needed, "
                         "with --ca-file both must pass");
  enroll_cmd->add_option("--name", enroll.name, "Device name (default: the hostname)");
  enroll_cmd->add_flag("--insecure-http", enroll.insecure_http,
                       "Allow http:// to a server that is not on this machine (sends the "
                       "token and the device credential unencrypted)");

  RunArgs run;
  auto* run_cmd =
      app.add_subcommand("run", "Record activity and send it to the server; stay connected.");
  run_cmd->add_option("--config-dir", config_dir, "Where agent.json is kept");
  run_cmd->add_option("--display", run.display, "The X display to watch (default: $DISPLAY)");
  run_cmd->add_flag("!--no-tracking", run.tracking,
                    "Keep the control channel only; record no activity");
  run_cmd
      ->add_option("--upload-delay-ms", run.upload_delay_ms,
                   "Gather records this long before sending a batch")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  run_cmd->add_option("--span-max-s", run.span_max_s, "Cut an open span after this long")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3600}))
      ->capture_default_str();
  run_cmd
      ->add_option("--outbox-max-mb", run.outbox_max_mb,
                   "Keep at most this much unsent activity (the oldest goes first)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}))
      ->capture_default_str();
  run_cmd
      ->add_option("--outbox-max-days", run.outbox_max_days,
                   "Keep unsent activity at most this many days")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{30}))
      ->capture_default_str();
  run_cmd
      ->add_option("--local-api-port", run.local_api_port,
                   "Serve the ActivityWatch-compatible /api/0 on 127.0.0.1 at this port (0: off)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  run_cmd
      ->add_option("--allow-origin", run.allow_origins,
                   "Also let this browser Origin call the local API (repeatable): "
                   "chrome-extension://ID, moz-extension://UUID or http(s)://host[:port]")
      ->check(CLI::Validator(
          [](const std::string& origin) {
            return worktrace::agent::local_api::is_valid_origin(origin)
                       ? std::string()
                       : "\"" + origin +
                             "\" is not an origin: use chrome-extension://ID, "
                             "moz-extension://UUID or http(s)://host[:port] (no path)";
          },
          "ORIGIN", "origin"));

  bool status_json = false;
  auto* status_cmd = app.add_subcommand("status", "Say what the agent is doing.");
  status_cmd->add_option("--config-dir", config_dir, "Where agent.json is kept");
  status_cmd->add_flag("--json", status_json, "Print one JSON object");

  bool pair_json = false;
  auto* pair_cmd = app.add_subcommand(
      "pair-browser", "Print a one-time code that pairs a browser extension with this agent.");
  pair_cmd->add_option("--config-dir", config_dir, "Where agent.json is kept");
  pair_cmd->add_flag("--json", pair_json, "Print one JSON object {code, expires_ms, expires_at}");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  if (!worktrace::setup_logging(log_level, worktrace::LogFormat::text)) {
    fmt::print(stderr, "worktrace-agent: unknown --log-level \"{}\"\n", log_level);
    return kExitUsage;
  }
  try {
    if (*enroll_cmd) {
      enroll.config_dir = config_dir;
      return enroll_command(enroll);
    }
    if (*run_cmd) {
      run.config_dir = config_dir;
      return run_command(run);
    }
    if (*pair_cmd) return pair_browser_command(config_dir, pair_json);
    return status_command(config_dir, status_json);
  } catch (const std::exception& error) {
    fmt::print(stderr, "worktrace-agent: internal error: {}\n", error.what());
    return kExitFailed;
  }
}
