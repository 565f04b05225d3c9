#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The agent's subcommands. Each returns the process exit code and prints what a person needs
// (results on stdout, failures on stderr); main.cpp only parses the command line.
namespace worktrace::agent {

// Exit codes shared by the commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;   // the server refused, a file is bad, not enrolled
inline constexpr int kExitUsage = 2;    // a bad argument, e.g. an ftp:// server URL
inline constexpr int kExitRevoked = 3;  // run: the server no longer accepts the credential

struct EnrollArgs {
  std::string server;
  std::string token;
  std::optional<std::string> config_dir;
  std::string ca_file;         // empty: the system CAs
  std::string pin_sha256;      // the server key's pin-sha256; empty: none
  std::string name;            // empty: the server names the device after its hostname
  bool insecure_http = false;  // allow http:// to a non-loopback server (credentials in clear)
};

// POSTs the token and this machine's device info to the server and stores the credential in
// DIR/agent.json (0600).
[[nodiscard]] int enroll_command(const EnrollArgs& args);

struct RunArgs {
  std::optional<std::string> config_dir;
  bool tracking = true;                   // false: only the control channel (no activity)
  std::optional<std::string> display;     // the X display; default $DISPLAY
  std::int64_t upload_delay_ms = 30'000;  // gather records this long before a batch
  std::int64_t span_max_s = 60;           // cut open spans this often (the server merges)
  std::int64_t outbox_max_mb = 200;
  std::int64_t outbox_max_days = 7;
  // The ActivityWatch-compatible /api/0 listener on 127.0.0.1 (0: off), and origins allowed
  // to call it besides the built-in and paired ones.
  std::uint16_t local_api_port = 5600;
  std::vector<std::string> allow_origins{};
};

// Holds the control channel open and records activity (focused window, idle time, input
// counts) into DIR/outbox.db, uploading it in batches, until SIGINT/SIGTERM (exit 0) or
// revocation (exit 3); writes DIR/status.json on every change.
[[nodiscard]] int run_command(const RunArgs& args);

// Issues a browser pairing code (see local_api/pairing.hpp) into DIR/browser_pairing.json and
// prints it with how to use it (or one JSON object {"code","expires_ms","expires_at"}); exit 0,
// 1 when the file cannot be written, 2 when no config dir can be found.
[[nodiscard]] int pair_browser_command(const std::optional<std::string>& config_dir, bool json);

// Prints the enrollment and what `run` is doing; exit 0 connected, 1 not enrolled,
// 2 enrolled but not running or not connected.
[[nodiscard]] int status_command(const std::optional<std::string>& config_dir, bool json);

}  // namespace worktrace::agent
