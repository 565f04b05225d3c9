#include "app/tls_pin.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>
#include <memory>

namespace worktrace::app {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct DerDeleter {
  void operator()(unsigned char* der) const { OPENSSL_free(der); }
};

}  // namespace

Result<std::string> spki_pin_sha256(const std::filesystem::path& cert_pem) {
  const std::unique_ptr<BIO, BioDeleter> file(BIO_new_file(cert_pem.c_str(), "r"));
  if (!file) return fail(Errc::io_error, "cannot read the TLS certificate " + cert_pem.string());
  const std::unique_ptr<X509, X509Deleter> leaf(
      PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    return fail(Errc::invalid_argument,
                "the TLS certificate " + cert_pem.string() + " holds no PEM certificate");
  }
  unsigned char* der_bytes = nullptr;
  const int der_size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf.get()), &der_bytes);
  const std::unique_ptr<unsigned char, DerDeleter> der(der_bytes);
  if (der_size <= 0) {
    return fail(Errc::invalid_argument,
                "cannot encode the public key of the TLS certificate " + cert_pem.string());
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (EVP_Digest(der.get(), static_cast<std::size_t>(der_size), digest.data(), &digest_size,
                 EVP_sha256(), nullptr) != 1) {
    return fail(Errc::internal, "cannot hash the TLS certificate's public key");
  }
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  const int encoded_size =
      EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest_size));
  return std::string(reinterpret_cast<const char*>(encoded.data()),
                     static_cast<std::size_t>(encoded_size));
}

}  // namespace worktrace::app
