#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace worktrace::auth {

// Longest password accepted anywhere (bytes); longer input is refused before hashing.
inline constexpr std::size_t kMaxPasswordBytes = 1024;
// Shortest new password, in Unicode code points (NIST 800-63B, OWASP ASVS 5.0 L2).
inline constexpr std::size_t kMinPasswordCodePoints = 8;

// Succeeds when `password` may be chosen as a new password by the person with `email`:
// at least kMinPasswordCodePoints code points of valid UTF-8, at most kMaxPasswordBytes bytes,
// not in the shipped list of common passwords (case-insensitive), and not the email address
// or its local part (case-insensitive). No composition rules. Otherwise
// Errc::invalid_argument with a message starting "password: ". Used wherever a password is
// set: sign-up, invitation acceptance, org create, password change.
[[nodiscard]] Result<void> check_new_password(std::string_view password, std::string_view email);

// True when `password` is in the shipped common-password list (ASCII case-insensitive).
[[nodiscard]] bool is_common_password(std::string_view password);

// An Argon2id hash of `password` in the PHC string format (libsodium crypto_pwhash_str with
// OPSLIMIT/MEMLIMIT_INTERACTIVE: about 64 MiB and tens of milliseconds per call).
// Fails with Errc::invalid_argument when the password is longer than kMaxPasswordBytes and
// Errc::internal when the memory cannot be had.
[[nodiscard]] Result<std::string> hash_password(std::string_view password);

// True when `password` matches `hash`; false for a wrong password or a malformed hash.
// Takes about as long as hash_password().
[[nodiscard]] bool verify_password(const std::string& hash, std::string_view password);

// True when `hash` was made with other parameters than hash_password() uses now (or is not
// a valid hash): the caller should store a fresh hash after a successful verification.
[[nodiscard]] bool password_needs_rehash(const std::string& hash);

}  // namespace worktrace::auth
