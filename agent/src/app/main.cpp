#include "app/commands.hpp"
#include "core/log.hpp"
#include "core/version.hpp"

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
  enroll_cmd->add_option("--name", enroll.name, "Device name (default: the hostname)");
  enroll_cmd->add_flag("--insecure-http", enroll.insecure_http,
                       "Allow http:// to a server that is not on this machine (sends the "
                       "token and the device credential unencrypted)");

  auto* run_cmd = app.add_subcommand("run", "Connect to the server and stay connected.");
  run_cmd->add_option("--config-dir", config_dir, "Where agent.json is kept");

  bool status_json = false;
  auto* status_cmd = app.add_subcommand("status", "Say what the agent is doing.");
  status_cmd->add_option("--config-dir", config_dir, "Where agent.json is kept");
  status_cmd->add_flag("--json", status_json, "Print one JSON object");

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
    if (*run_cmd) return run_command(config_dir);
    return status_command(config_dir, status_json);
  } catch (const std::exception& error) {
    fmt::print(stderr, "worktrace-agent: internal error: {}\n", error.what());
    return kExitFailed;
  }
}
