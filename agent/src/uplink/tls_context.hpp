#pragma once

#include "core/result.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace worktrace::agent::uplink {

// A TLS 1.2+ client context that verifies servers against the system CAs, or only against the
// PEM bundle `ca_file` when it is not empty. Fails with Errc::invalid_argument naming the file
// when the bundle cannot be loaded, Errc::internal when OpenSSL cannot set up.
[[nodiscard]] Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(
    const std::string& ca_file);

}  // namespace worktrace::agent::uplink
