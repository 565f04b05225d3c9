#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace worktrace::auth {

// Longest password accepted anywhere (bytes); longer input is refused before hashing.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

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
