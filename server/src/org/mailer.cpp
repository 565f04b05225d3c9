#include "org/mailer.hpp"

#include "auth/tokens.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

namespace worktrace::org {
namespace {

constexpr long kTimeoutMs = 10'000;
// Raw bytes per RFC 2047 encoded word: 45 bytes become 60 base64 characters, under 75.
constexpr std::size_t kEncodedWordBytes = 45;

struct CurlDeleter {
  void operator()(CURL* curl) const noexcept { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

std::string base64(std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// ASCII subjects as they are; others as RFC 2047 "B" words split at character boundaries.
std::string encode_subject(std::string_view subject) {
  const bool ascii =
      std::all_of(subject.begin(), subject.end(), [](unsigned char ch) { return ch < 0x80; });
  if (ascii) return std::string(subject);
  std::string out;
  while (!subject.empty()) {
    std::size_t cut = std::min(subject.size(), kEncodedWordBytes);
    while (cut < subject.size() && (static_cast<unsigned char>(subject[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(subject.substr(0, cut)) + "?=";
    subject.remove_prefix(cut);
  }
  return out;
}

// `at` in UTC as strftime writes it with `format` (at most 63 bytes).
std::string format_utc(EpochMs at, const char* format) {
  const std::time_t seconds = static_cast<std::time_t>(at / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  const std::size_t size = std::strftime(text, sizeof text, format, &utc);
  return std::string(text, size);
}

std::string rfc5322_date(EpochMs at) { return format_utc(at, "%a, %d %b %Y %H:%M:%S +0000"); }

std::string utc_day(EpochMs at) { return format_utc(at, "%Y-%m-%d %H:%M UTC"); }

// The message being uploaded; libcurl pulls it through read_message.
struct Upload {
  std::string_view rest;
};

extern "C" std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t chunk = std::min(size * count, upload->rest.size());
  std::memcpy(buffer, upload->rest.data(), chunk);
  upload->rest.remove_prefix(chunk);
  return chunk;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::uint16_t default_port(SmtpSecurity security) {
  switch (security) {
    case SmtpSecurity::none:
      return 25;
    case SmtpSecurity::starttls:
      return 587;
    case SmtpSecurity::tls:
      return 465;
  }
  return 25;
}

}  // namespace

std::optional<SmtpSecurity> parse_smtp_security(std::string_view name) noexcept {
  if (name == "none") return SmtpSecurity::none;
  if (name == "starttls") return SmtpSecurity::starttls;
  if (name == "tls") return SmtpSecurity::tls;
  return std::nullopt;
}

Mail invitation_mail(std::string_view to, std::string_view name, std::string_view org_name,
                     std::string_view url, EpochMs expires_at) {
  Mail mail;
  mail.to = to;
  mail.subject = "You are invited to " + std::string(org_name) + " on Worktrace";
  mail.text = "Hello " + std::string(name) + ",\n\n" + std::string(org_name) +
              " invites you to Worktrace. Open this link to choose your password and join:\n\n" +
              std::string(url) + "\n\nThe link works once and expires on " + utc_day(expires_at) +
              ".\n";
  return mail;
}

Result<std::string> render_message(const Mail& mail, std::string_view from, EpochMs date) {
  if (has_line_break(mail.to) || has_line_break(from)) {
    return fail(Errc::invalid_argument, "mail: addresses must be one line");
  }
  if (has_line_break(mail.subject)) {
    return fail(Errc::invalid_argument, "mail: the subject must be one line");
  }
  std::string message;
  message += "From: Worktrace <" + std::string(from) + ">\r\n";
  message += "To: <" + mail.to + ">\r\n";
  message += "Subject: " + encode_subject(mail.subject) + "\r\n";
  message += "Date: " + rfc5322_date(date) + "\r\n";
  message += "Message-ID: <" + auth::generate_token() + "@worktrace>\r\n";
  message += "MIME-Version: 1.0\r\n";
  message += "Content-Type: text/plain; charset=utf-8\r\n";
  message += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  for (const char ch : mail.text) {
    if (ch == '\r') continue;
    if (ch == '\n') {
      message += "\r\n";
    } else {
      message += ch;
    }
  }
  if (!message.ends_with("\r\n")) message += "\r\n";
  return message;
}

Mailer::Mailer(SmtpConfig config) : config_(std::move(config)) {}

bool Mailer::configured() const noexcept { return !config_.host.empty() && !config_.from.empty(); }

Result<void> Mailer::send(const Mail& mail, EpochMs now) const {
  if (!configured()) return fail(Errc::unavailable, "mail: no SMTP server is configured");
  auto message = render_message(mail, config_.from, now);
  if (!message) return message.error();
  global_init();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return fail(Errc::internal, "mail: curl_easy_init failed");

  const std::uint16_t port = config_.port != 0 ? config_.port : default_port(config_.security);
  const std::string url =
      std::string(config_.security == SmtpSecurity::tls ? "smtps://" : "smtp://") + config_.host +
      ":" + std::to_string(port);
  const std::string from = "<" + config_.from + ">";
  std::unique_ptr<curl_slist, SlistDeleter> recipients(
      curl_slist_append(nullptr, ("<" + mail.to + ">").c_str()));
  if (!recipients) return fail(Errc::internal, "mail: curl_slist_append failed");
  Upload upload{*message};
  char error_text[CURL_ERROR_SIZE] = {};

  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle, CURLOPT_USE_SSL,
                   config_.security == SmtpSecurity::none ? static_cast<long>(CURLUSESSL_NONE)
                                                          : static_cast<long>(CURLUSESSL_ALL));
  if (!config_.username.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, config_.password.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, &read_message);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);

  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    const std::string reason = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    return fail(Errc::unavailable, "mail: sending failed: " + reason);
  }
  return {};
}

}  // namespace worktrace::org
