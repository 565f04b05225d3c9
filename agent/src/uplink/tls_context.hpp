#pragma once

#include "core/result.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>

#include <memory>
#include <optional>
#include <string>

namespace worktrace::agent::uplink {

// What the agent trusts in its server (agent.json's ca_file and tls_pin_sha256).
struct ServerTrust {
  std::string ca_file{};     // a PEM bundle to trust instead of the system CAs; empty: those
  std::string pin_sha256{};  // the server key's pin-sha256 given at enrolment; empty: none

  // Whether the certificate chain and the host name are verified: always without a pin; with a
  // pin only when a CA file was given too (then both must pass). A pin alone is the trust
  // anchor: the certificate may be self-signed and name any host.
  [[nodiscard]] bool checks_ca() const { return pin_sha256.empty() || !ca_file.empty(); }
};

// A TLS 1.2+ client context for `trust`: it verifies servers against the system CAs, or only
// against the PEM bundle `trust.ca_file` when it is not empty (with a pin and no CA file, no
// CA is loaded). Fails with Errc::invalid_argument naming the file when the bundle cannot be
// loaded, Errc::internal when OpenSSL cannot set up.
[[nodiscard]] Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(
    const ServerTrust& trust);

// The HPKP "pin-sha256" of `certificate`: base64 of SHA-256 over its DER SubjectPublicKeyInfo.
// Empty when OpenSSL cannot encode the key.
[[nodiscard]] std::string spki_pin_sha256(X509* certificate);

// The verify callback of a connection to a pinned server (the stream's set_verify_callback).
// The leaf certificate must hash to the pin; with `host` set, the chain must also verify under
// the context's CAs and the leaf must be valid for `host`. Copies share one outcome, which the
// handshake reads afterwards. Not thread-safe: one handshake at a time.
class PinnedVerification {
 public:
  PinnedVerification(std::string pin_sha256, std::optional<std::string> host);

  bool operator()(bool preverified, boost::asio::ssl::verify_context& context) const;

  // After the handshake: whether the leaf matched the pin.
  [[nodiscard]] bool matched() const { return outcome_->matched; }
  // The message for a handshake that failed because of the pin; nullopt when the pin was not
  // what failed.
  [[nodiscard]] std::optional<std::string> mismatch_message() const;

 private:
  struct Outcome {
    bool matched = false;
    std::optional<std::string> presented;  // the pin of a leaf that did not match
  };
  std::string pin_sha256_;
  std::optional<std::string> host_;
  std::shared_ptr<Outcome> outcome_ = std::make_shared<Outcome>();
};

}  // namespace worktrace::agent::uplink
