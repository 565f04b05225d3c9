#include "net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>
#include <system_error>

namespace worktrace::net {
namespace {

namespace ssl = boost::asio::ssl;

// The reason of the newest OpenSSL error on this thread (clearing the queue), or else the
// message of `ec`.
std::string openssl_reason(const boost::system::error_code& ec) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return ec.message();
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : ec.message();
}

Error file_error(const char* what, const std::filesystem::path& file, const std::string& reason) {
  return fail(Errc::invalid_argument, std::string(what) + " file " + file.string() + ": " + reason);
}

}  // namespace

Result<std::unique_ptr<ssl::context>> make_tls_context(const std::filesystem::path& cert_chain_file,
                                                       const std::filesystem::path& key_file) {
  std::error_code fs_error;
  if (!std::filesystem::is_regular_file(cert_chain_file, fs_error)) {
    return file_error("TLS certificate", cert_chain_file, "not a readable file");
  }
  if (!std::filesystem::is_regular_file(key_file, fs_error)) {
    return file_error("TLS key", key_file, "not a readable file");
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ERR_clear_error();
  context->use_certificate_chain_file(cert_chain_file.string(), ec);
  if (ec) return file_error("TLS certificate", cert_chain_file, openssl_reason(ec));
  context->use_private_key_file(key_file.string(), ssl::context::pem, ec);
  if (ec) return file_error("TLS key", key_file, openssl_reason(ec));
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    return file_error("TLS key", key_file, "does not match the certificate");
  }
  return context;
}

}  // namespace worktrace::net
