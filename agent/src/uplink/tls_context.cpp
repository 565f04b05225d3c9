#include "uplink/tls_context.hpp"

#include <openssl/ssl.h>

namespace worktrace::agent::uplink {

Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    return fail(Errc::internal, "cannot require TLS 1.2");
  }
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return fail(Errc::internal, "cannot load the system CA certificates: " + ec.message());
  } else {
    context->load_verify_file(ca_file, ec);
    if (ec) {
      return fail(Errc::invalid_argument, "cannot load CA file " + ca_file + ": " + ec.message());
    }
  }
  return context;
}

}  // namespace worktrace::agent::uplink
