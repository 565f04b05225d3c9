#pragma once

#include "core/result.hpp"

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>

namespace worktrace::net {

// A server TLS context (TLS 1.2 or newer) holding the certificate chain and private key of
// PEM files. Errors (Errc::invalid_argument) name the file and what was wrong with it: a
// missing file, one that does not parse, or a key that does not match the certificate.
[[nodiscard]] Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(
    const std::filesystem::path& cert_chain_file, const std::filesystem::path& key_file);

}  // namespace worktrace::net
