#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// One-time passwords (RFC 4226 HOTP, RFC 6238 TOTP) over liboath, and recovery codes.
// Thread-safe: pure functions.
namespace worktrace::auth::totp {

inline constexpr std::size_t kSecretBytes = 20;  // 160 bits, RFC 4226's recommendation
inline constexpr unsigned kStepSeconds = 30;
inline constexpr unsigned kDigits = 6;
// Steps of clock skew accepted either side of now.
inline constexpr std::size_t kSkewSteps = 1;
inline constexpr std::size_t kRecoveryCodeCount = 10;
// "xxxxx-xxxxx" from the lower-case base32 alphabet: 50 random bits.
inline constexpr std::size_t kRecoveryCodeBytes = 11;

enum class Algorithm { sha1, sha256, sha512 };

// kSecretBytes random bytes.
[[nodiscard]] std::vector<unsigned char> generate_secret();

// RFC 4648 base32 (upper case, without '=' padding), as authenticator apps read it.
[[nodiscard]] std::string base32(std::span<const unsigned char> bytes);

// otpauth://totp/Worktrace:<account>?secret=<base32>&issuer=Worktrace&algorithm=SHA1&digits=6
// &period=30, with `account` percent-encoded.
[[nodiscard]] std::string otpauth_uri(std::string_view account, std::string_view base32_secret);

// The time step of `unix_s`: floor(unix_s / kStepSeconds).
[[nodiscard]] std::int64_t step_of(std::time_t unix_s) noexcept;

// The HOTP value of `secret` at `counter` with `digits` (6..8). Errc::internal on a liboath
// failure.
[[nodiscard]] Result<std::string> hotp(std::span<const unsigned char> secret, std::uint64_t counter,
                                       unsigned digits);

// The TOTP value of `secret` at `unix_s` (step kStepSeconds, epoch 0).
[[nodiscard]] Result<std::string> generate(std::span<const unsigned char> secret,
                                           std::time_t unix_s, unsigned digits = kDigits,
                                           Algorithm algorithm = Algorithm::sha1);

// The time step whose kDigits-digit SHA-1 code `code` is, searching `skew_steps` steps either
// side of the step of `unix_s`; nullopt when `code` is not exactly kDigits ASCII digits or
// matches no step in the window. The caller refuses steps it has already accepted (replay).
[[nodiscard]] std::optional<std::int64_t> match(std::span<const unsigned char> secret,
                                                std::time_t unix_s, std::string_view code,
                                                std::size_t skew_steps = kSkewSteps);

// kRecoveryCodeCount fresh codes "xxxxx-xxxxx".
[[nodiscard]] std::vector<std::string> generate_recovery_codes();

// The canonical form of what a person typed as a recovery code (lower case, spaces removed),
// or nullopt when it cannot be one.
[[nodiscard]] std::optional<std::string> normalize_recovery_code(std::string_view typed);

// `typed` as a TOTP code (kDigits ASCII digits, spaces removed), or nullopt when it is not one.
[[nodiscard]] std::optional<std::string> normalize_totp_code(std::string_view typed);

}  // namespace worktrace::auth::totp
