#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>

// The pin agents may keep of this server's TLS key ("Server TLS pin" in docs/api/v1.md).
namespace worktrace::app {

// The HPKP "pin-sha256" of the first (leaf) certificate in the PEM file `cert_pem`: base64 of
// SHA-256 over its DER SubjectPublicKeyInfo, as `openssl x509 -pubkey -noout | openssl pkey
// -pubin -outform der | openssl dgst -sha256 -binary | base64` prints it. Errc::io_error when
// the file cannot be read, Errc::invalid_argument (naming the file) when it holds no PEM
// certificate.
[[nodiscard]] Result<std::string> spki_pin_sha256(const std::filesystem::path& cert_pem);

}  // namespace worktrace::app
