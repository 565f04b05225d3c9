#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace worktrace::auth {

inline constexpr std::string_view kEnrollmentTokenPrefix = "wte_";
inline constexpr std::string_view kDeviceCredentialPrefix = "wtd_";
// Random bytes in every token: 256 bits, 43 base64url characters.
inline constexpr std::size_t kTokenRandomBytes = 32;
// Longest token text accepted from a client; longer input is refused before hashing.
inline constexpr std::size_t kMaxTokenBytes = 128;

// The stored form of a token: its SHA-256. Tokens have 256 bits of entropy, so a fast hash
// is enough, and looking rows up by hash leaks nothing useful through timing.
using TokenHash = std::array<unsigned char, 32>;

// `prefix` followed by kTokenRandomBytes random bytes in base64url without padding.
[[nodiscard]] std::string generate_token(std::string_view prefix = {});

// SHA-256 of the token text (prefix included).
[[nodiscard]] TokenHash hash_token(std::string_view token);

// `length` characters drawn uniformly from `alphabet` (not empty, at most 256 characters).
[[nodiscard]] std::string random_string(std::string_view alphabet, std::size_t length);

}  // namespace worktrace::auth
