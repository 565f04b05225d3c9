#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "org/options.hpp"

#include <string>
#include <string_view>

namespace worktrace::org {

// One plain-text mail.
struct Mail {
  std::string to;       // one address
  std::string subject;  // UTF-8, one line
  std::string text;     // UTF-8, lines separated by "\n"
};

// The invitation mail for `name` at `to`, joining `org_name` through `url` (valid until
// `expires_at`).
[[nodiscard]] Mail invitation_mail(std::string_view to, std::string_view name,
                                   std::string_view org_name, std::string_view url,
                                   EpochMs expires_at);

// The RFC 5322 message of `mail` from `from`, dated `date`: CRLF lines, UTF-8 body, a subject
// that is not ASCII encoded as RFC 2047 words. Errc::invalid_argument when an address or the
// subject holds a line break (header injection).
[[nodiscard]] Result<std::string> render_message(const Mail& mail, std::string_view from,
                                                 EpochMs date);

// Sends mail over SMTP with libcurl: smtp:// (optionally STARTTLS, required then) or
// smtps://, AUTH when a username is set, 10 s connect and 10 s total timeouts. Thread-safe:
// every send uses its own connection. Blocks: call it on the blocking pool.
class Mailer {
 public:
  explicit Mailer(SmtpConfig config);

  // True when a host and a from address are configured.
  [[nodiscard]] bool configured() const noexcept;

  // Errc::unavailable with the reason (no secrets) when the server cannot be reached or
  // refuses the mail; Errc::invalid_argument for unusable addresses.
  [[nodiscard]] Result<void> send(const Mail& mail, EpochMs now) const;

 private:
  SmtpConfig config_;
};

}  // namespace worktrace::org
