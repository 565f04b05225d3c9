#include "auth/totp.hpp"

#include "auth/sodium.hpp"
#include "auth/tokens.hpp"

#include <liboath/oath.h>
#include <sodium.h>

#include <cstdlib>
#include <memory>

namespace worktrace::auth::totp {
namespace {

constexpr std::string_view kRecoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

// liboath needs one oath_init() per process before use.
bool ensure_oath() {
  static const bool ready = oath_init() == OATH_OK;
  return ready;
}

int oath_flags(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::sha1:
      return 0;
    case Algorithm::sha256:
      return OATH_TOTP_HMAC_SHA256;
    case Algorithm::sha512:
      return OATH_TOTP_HMAC_SHA512;
  }
  return 0;
}

const char* as_chars(std::span<const unsigned char> bytes) {
  return reinterpret_cast<const char*>(bytes.data());
}

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

std::string without_spaces(std::string_view typed) {
  std::string text;
  for (const char ch : typed) {
    if (ch != ' ') text += ch;
  }
  return text;
}

}  // namespace

std::vector<unsigned char> generate_secret() {
  ensure_sodium();
  std::vector<unsigned char> secret(kSecretBytes);
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string base32(std::span<const unsigned char> bytes) {
  ensure_oath();
  char* out = nullptr;
  std::size_t out_len = 0;
  if (oath_base32_encode(as_chars(bytes), bytes.size(), &out, &out_len) != OATH_OK) return {};
  const std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
  std::string text(out, out_len);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::string otpauth_uri(std::string_view account, std::string_view base32_secret) {
  std::string encoded;
  for (const char ch : account) {
    const auto byte = static_cast<unsigned char>(ch);
    const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                       is_digit(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
                       ch == '@';
    if (plain) {
      encoded += ch;
    } else {
      constexpr std::string_view kHex = "0123456789ABCDEF";
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0x0F];
    }
  }
  return "otpauth://totp/Worktrace:" + encoded + "?secret=" + std::string(base32_secret) +
         "&issuer=Worktrace&algorithm=SHA1&digits=" + std::to_string(kDigits) +
         "&period=" + std::to_string(kStepSeconds);
}

std::int64_t step_of(std::time_t unix_s) noexcept {
  return static_cast<std::int64_t>(unix_s) / kStepSeconds;
}

Result<std::string> hotp(std::span<const unsigned char> secret, std::uint64_t counter,
                         unsigned digits) {
  if (!ensure_oath()) return fail(Errc::internal, "liboath failed to initialise");
  char otp[16] = {};
  const int rc = oath_hotp_generate(as_chars(secret), secret.size(), counter, digits, false,
                                    OATH_HOTP_DYNAMIC_TRUNCATION, otp);
  if (rc != OATH_OK) return fail(Errc::internal, std::string("HOTP: ") + oath_strerror(rc));
  return std::string(otp);
}

Result<std::string> generate(std::span<const unsigned char> secret, std::time_t unix_s,
                             unsigned digits, Algorithm algorithm) {
  if (!ensure_oath()) return fail(Errc::internal, "liboath failed to initialise");
  char otp[16] = {};
  const int rc =
      oath_totp_generate2(as_chars(secret), secret.size(), unix_s, kStepSeconds,
                          OATH_TOTP_DEFAULT_START_TIME, digits, oath_flags(algorithm), otp);
  if (rc != OATH_OK) return fail(Errc::internal, std::string("TOTP: ") + oath_strerror(rc));
  return std::string(otp);
}

std::optional<std::int64_t> match(std::span<const unsigned char> secret, std::time_t unix_s,
                                  std::string_view code, std::size_t skew_steps) {
  // liboath takes the number of digits from the code's length: insist on exactly kDigits.
  if (code.size() != kDigits) return std::nullopt;
  for (const char ch : code) {
    if (!is_digit(ch)) return std::nullopt;
  }
  if (!ensure_oath()) return std::nullopt;
  const std::string otp(code);
  int position = 0;
  std::uint64_t counter = 0;
  const int rc = oath_totp_validate4(as_chars(secret), secret.size(), unix_s, kStepSeconds,
                                     OATH_TOTP_DEFAULT_START_TIME, skew_steps, &position, &counter,
                                     0, otp.c_str());
  if (rc < 0) return std::nullopt;
  return static_cast<std::int64_t>(counter);
}

std::vector<std::string> generate_recovery_codes() {
  std::vector<std::string> codes;
  codes.reserve(kRecoveryCodeCount);
  for (std::size_t code_idx = 0; code_idx < kRecoveryCodeCount; ++code_idx) {
    codes.push_back(random_string(kRecoveryAlphabet, 5) + "-" +
                    random_string(kRecoveryAlphabet, 5));
  }
  return codes;
}

std::optional<std::string> normalize_recovery_code(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string code = without_spaces(typed);
  for (char& ch : code) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  if (code.size() != kRecoveryCodeBytes || code[5] != '-') return std::nullopt;
  for (std::size_t idx = 0; idx < code.size(); ++idx) {
    if (idx == 5) continue;
    if (kRecoveryAlphabet.find(code[idx]) == std::string_view::npos) return std::nullopt;
  }
  return code;
}

std::optional<std::string> normalize_totp_code(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string code = without_spaces(typed);
  if (code.size() != kDigits) return std::nullopt;
  for (const char ch : code) {
    if (!is_digit(ch)) return std::nullopt;
  }
  return code;
}

}  // namespace worktrace::auth::totp
