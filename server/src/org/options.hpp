#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::org {

// How the SMTP connection is secured: plain, upgraded with STARTTLS, or TLS from the start.
enum class SmtpSecurity { none, starttls, tls };

// "none", "starttls", "tls".
[[nodiscard]] std::optional<SmtpSecurity> parse_smtp_security(std::string_view name) noexcept;

// Where invitation mails go out. An empty `host` means: no mail is sent.
struct SmtpConfig {
  std::string host;
  std::uint16_t port = 0;  // 0: 25 (none), 587 (starttls) or 465 (tls)
  std::string from;        // the envelope and From address, e.g. "worktrace@example.com"
  std::string username;    // authenticates (AUTH) only when not empty
  std::string password;
  SmtpSecurity security = SmtpSecurity::starttls;
};

// The settings of the organization routes, from the server's configuration.
struct OrgOptions {
  bool signup_enabled = true;
  // The dashboard's public address ("https://worktrace.example.com", no trailing slash).
  // Empty: invitation links are built from the request's Host for display and never mailed.
  std::string public_url;
  SmtpConfig smtp;
};

}  // namespace worktrace::org
