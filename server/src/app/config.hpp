#pragma once

#include "core/log.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::app {

struct ListenAddress {
  std::string host;  // without brackets: "127.0.0.1", "::1", "0.0.0.0"
  std::uint16_t port = 0;
};

// Outgoing mail for invitations; off while `host` is empty.
struct SmtpSettings {
  std::string host;
  int port = 587;
  std::string from;  // "Worktrace <noreply@example.com>" or an address
  std::string username;
  std::string password;
  std::string security = "starttls";  // none, starttls or tls
};

// Everything `serve` needs. Filled from defaults, then a TOML file, then WORKTRACE_*
// environment variables, then command-line flags: each later source overrides the earlier.
struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path data_dir = "var";
  std::filesystem::path web_root;  // empty: web/dist when it exists, else no dashboard
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
  bool insecure_http = false;  // allow plain HTTP on a non-loopback address
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
  int io_threads = 1;
  int blocking_threads = 4;
  std::int64_t max_body_bytes = 1 << 20;
  std::int64_t shutdown_timeout_s = 10;
  std::filesystem::path port_file;  // written with the bound port once listening
  double api_rate_per_s = 50;       // API requests per second per client address (burst 4x)
  bool signup = true;               // the public sign-up page creates organizations
  std::string public_url;           // "https://worktrace.example.com": links in emails
  SmtpSettings smtp;
};

// "ADDR:PORT" with ADDR an IPv4 literal, a bracketed IPv6 literal ("[::1]:8080") or
// "localhost"; port 0..65535 (0: any free port).
[[nodiscard]] Result<ListenAddress> parse_listen(std::string_view text);

// Reads `file` (TOML) into `config`. Keys: data, [server] listen, web_root, io_threads,
// blocking_threads, max_body_bytes, shutdown_timeout_s, insecure_http, api_rate_per_s, signup,
// public_url;
// [tls] cert, key; [log] level, format; [smtp] host, port, from, username, password, security.
// Unknown keys and wrong types are errors naming the key.
[[nodiscard]] Result<void> apply_toml(ServerConfig& config, const std::filesystem::path& file);

// Applies WORKTRACE_LISTEN, WORKTRACE_DATA, WORKTRACE_WEB_ROOT, WORKTRACE_TLS_CERT,
// WORKTRACE_TLS_KEY, WORKTRACE_INSECURE_HTTP (1/true), WORKTRACE_LOG_LEVEL,
// WORKTRACE_LOG_FORMAT (text/json), WORKTRACE_SIGNUP (1/true/0/false), WORKTRACE_PUBLIC_URL,
// WORKTRACE_SMTP_HOST, _PORT, _FROM, _USERNAME, _PASSWORD, _SECURITY. `getenv` is a seam for
// tests.
[[nodiscard]] Result<void> apply_env(ServerConfig& config,
                                     const std::function<const char*(const char*)>& getenv);

[[nodiscard]] Result<LogFormat> parse_log_format(std::string_view text);

// Checks the configuration: listen address, both or neither TLS file, a data directory, an
// http(s) public URL, a complete SMTP setting.
// Plain HTTP off loopback is refused by the listener (net::Server::start), which sees the
// resolved address.
[[nodiscard]] Result<ListenAddress> validate(const ServerConfig& config);

}  // namespace worktrace::app
