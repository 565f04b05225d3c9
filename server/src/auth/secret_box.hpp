#pragma once

#include "core/result.hpp"

#include <array>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

// Sealing small secrets at rest (TOTP secrets) with the server's key: libsodium
// crypto_secretbox (XSalsa20-Poly1305), a fresh random nonce per seal.
namespace worktrace::auth {

// The server's 32-byte sealing key. Copyable value; zero it with sodium_memzero if needed.
using SecretKey = std::array<unsigned char, 32>;

// A fresh random key (tests, and the first start of a server).
[[nodiscard]] SecretKey generate_secret_key();

// The key in `file` (exactly 32 raw bytes). When the file does not exist it is created with a
// fresh key, mode 0600, without following an existing link (O_CREAT|O_EXCL). Errc::io_error
// when it cannot be read or written; Errc::invalid_argument when it is not 32 bytes long or is
// readable by group or others.
[[nodiscard]] Result<SecretKey> load_or_create_secret_key(const std::filesystem::path& file);

// nonce || ciphertext+tag of `plain` under `key`.
[[nodiscard]] std::vector<unsigned char> seal(const SecretKey& key,
                                              std::span<const unsigned char> plain);

// The plaintext of `sealed`; Errc::internal when it was not sealed with `key` or is damaged.
[[nodiscard]] Result<std::vector<unsigned char>> unseal(const SecretKey& key,
                                                        std::span<const unsigned char> sealed);

// A keyed hash (BLAKE2b-256 under a subkey derived from `key` for this purpose) of a
// low-entropy secret such as a recovery code: stored values are useless without the key.
[[nodiscard]] std::array<unsigned char, 32> keyed_hash(const SecretKey& key, std::string_view text);

}  // namespace worktrace::auth
