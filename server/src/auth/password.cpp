#include "auth/password.hpp"

#include "auth/sodium.hpp"

#include <sodium.h>

#include <array>

namespace worktrace::auth {

Result<std::string> hash_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return fail(Errc::invalid_argument,
                "password: must be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  ensure_sodium();
  std::array<char, crypto_pwhash_STRBYTES> hash{};
  if (crypto_pwhash_str(hash.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return fail(Errc::internal, "out of memory while hashing a password");
  }
  return std::string(hash.data());
}

bool verify_password(const std::string& hash, std::string_view password) {
  // libsodium reads the hash as a C string of at most crypto_pwhash_STRBYTES bytes.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (password.size() > kMaxPasswordBytes) return false;
  ensure_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool password_needs_rehash(const std::string& hash) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  ensure_sodium();
  return crypto_pwhash_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

}  // namespace worktrace::auth
