#include "auth/tokens.hpp"

#include "auth/sodium.hpp"

#include <sodium.h>

#include <stdexcept>

namespace worktrace::auth {

std::string generate_token(std::string_view prefix) {
  ensure_sodium();
  std::array<unsigned char, kTokenRandomBytes> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::array<char, sodium_base64_ENCODED_LEN(kTokenRandomBytes, kVariant)> encoded{};
  sodium_bin2base64(encoded.data(), encoded.size(), bytes.data(), bytes.size(), kVariant);
  sodium_memzero(bytes.data(), bytes.size());
  std::string token(prefix);
  token += encoded.data();
  return token;
}

TokenHash hash_token(std::string_view token) {
  ensure_sodium();
  TokenHash hash{};
  crypto_hash_sha256(hash.data(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  return hash;
}

std::string random_string(std::string_view alphabet, std::size_t length) {
  if (alphabet.empty() || alphabet.size() > 256) {
    throw std::invalid_argument("random_string: alphabet must have 1..256 characters");
  }
  ensure_sodium();
  std::string text;
  text.reserve(length);
  for (std::size_t char_idx = 0; char_idx < length; ++char_idx) {
    text += alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))];
  }
  return text;
}

}  // namespace worktrace::auth
