#include "uplink/tls_context.hpp"

#include <boost/asio/ssl/host_name_verification.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>

namespace worktrace::agent::uplink {

Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const ServerTrust& trust) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    return fail(Errc::internal, "cannot require TLS 1.2");
  }
  // Also with a pin alone: the verify callback then decides, and it must run.
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (!trust.ca_file.empty()) {
    context->load_verify_file(trust.ca_file, ec);
    if (ec) {
      return fail(Errc::invalid_argument,
                  "cannot load CA file " + trust.ca_file + ": " + ec.message());
    }
  } else if (trust.checks_ca()) {
    context->set_default_verify_paths(ec);
    if (ec) return fail(Errc::internal, "cannot load the system CA certificates: " + ec.message());
  }
  return context;
}

std::string spki_pin_sha256(X509* certificate) {
  unsigned char* der = nullptr;
  const int der_size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
  if (der_size <= 0) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  const bool hashed = EVP_Digest(der, static_cast<std::size_t>(der_size), digest.data(),
                                 &digest_size, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed) return {};
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  const int encoded_size =
      EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest_size));
  return std::string(reinterpret_cast<const char*>(encoded.data()),
                     static_cast<std::size_t>(encoded_size));
}

PinnedVerification::PinnedVerification(std::string pin_sha256, std::optional<std::string> host)
    : pin_sha256_(std::move(pin_sha256)), host_(std::move(host)) {}

bool PinnedVerification::operator()(bool preverified,
                                    boost::asio::ssl::verify_context& context) const {
  if (host_ && !boost::asio::ssl::host_name_verification(*host_)(preverified, context)) {
    return false;
  }
  X509_STORE_CTX* store = context.native_handle();
  // Without a CA the chain above the leaf does not matter: the pin is the trust anchor.
  if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
  X509* leaf = X509_STORE_CTX_get_current_cert(store);
  if (leaf == nullptr) return false;
  const std::string presented = spki_pin_sha256(leaf);
  if (presented.empty() || presented != pin_sha256_) {
    outcome_->matched = false;
    outcome_->presented = presented;
    return false;
  }
  outcome_->matched = true;
  return true;
}

std::optional<std::string> PinnedVerification::mismatch_message() const {
  if (!outcome_->presented) return std::nullopt;
  return "the server's certificate does not match the pinned key (pin-sha256 " + pin_sha256_ +
         "; the server presented " + *outcome_->presented + ")";
}

}  // namespace worktrace::agent::uplink
