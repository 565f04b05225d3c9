#include "auth/secret_box.hpp"

#include "auth/sodium.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace worktrace::auth {
namespace {

Error io_failure(const std::filesystem::path& file, std::string_view what) {
  return fail(Errc::io_error, std::string(what) + " " + file.string() + ": " +
                                  std::generic_category().message(errno));
}

Result<SecretKey> read_key(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return io_failure(file, "cannot open");
  struct stat info {};
  const bool stated = ::fstat(fd, &info) == 0;
  SecretKey key{};
  const ssize_t got = stated ? ::read(fd, key.data(), key.size()) : -1;
  unsigned char extra = 0;
  const ssize_t more = got == static_cast<ssize_t>(key.size()) ? ::read(fd, &extra, 1) : 0;
  ::close(fd);
  if (!stated || got < 0) return io_failure(file, "cannot read");
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return fail(Errc::invalid_argument,
                file.string() + ": the key file must be readable by its owner only (chmod 600)");
  }
  if (got != static_cast<ssize_t>(key.size()) || more != 0) {
    return fail(Errc::invalid_argument, file.string() + ": must hold exactly 32 bytes");
  }
  return key;
}

}  // namespace

SecretKey generate_secret_key() {
  ensure_sodium();
  SecretKey key{};
  crypto_secretbox_keygen(key.data());
  return key;
}

Result<SecretKey> load_or_create_secret_key(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_key(file);
    return io_failure(file, "cannot create");
  }
  const SecretKey key = generate_secret_key();
  const bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    auto failure = io_failure(file, "cannot write");
    ::unlink(file.c_str());
    return failure;
  }
  return key;
}

std::vector<unsigned char> seal(const SecretKey& key, std::span<const unsigned char> plain) {
  ensure_sodium();
  std::vector<unsigned char> sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                    plain.size());
  randombytes_buf(sealed.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(sealed.data() + crypto_secretbox_NONCEBYTES, plain.data(), plain.size(),
                        sealed.data(), key.data());
  return sealed;
}

Result<std::vector<unsigned char>> unseal(const SecretKey& key,
                                          std::span<const unsigned char> sealed) {
  ensure_sodium();
  constexpr std::size_t kOverhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (sealed.size() < kOverhead) return fail(Errc::internal, "sealed secret is too short");
  std::vector<unsigned char> plain(sealed.size() - kOverhead);
  if (crypto_secretbox_open_easy(plain.data(), sealed.data() + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, sealed.data(),
                                 key.data()) != 0) {
    return fail(Errc::internal, "sealed secret does not open with the server key");
  }
  return plain;
}

std::array<unsigned char, 32> keyed_hash(const SecretKey& key, std::string_view text) {
  ensure_sodium();
  static_assert(crypto_kdf_KEYBYTES == std::tuple_size_v<SecretKey>);
  std::array<unsigned char, 32> subkey{};
  crypto_kdf_derive_from_key(subkey.data(), subkey.size(), 1, "wt_khash", key.data());
  std::array<unsigned char, 32> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), subkey.data(), subkey.size());
  sodium_memzero(subkey.data(), subkey.size());
  return hash;
}

}  // namespace worktrace::auth
