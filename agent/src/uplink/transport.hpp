#pragma once

// Asio and Beast plumbing shared by the uplink's transports (http_client.cpp,
// control_client.cpp). Include it from those files only: it is expensive to compile.

#include "core/result.hpp"
#include "uplink/server_url.hpp"
#include "uplink/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <string>

namespace worktrace::agent::uplink {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// The one completion token: errors come back as values (Boost 1.81 needs use_awaitable).
inline constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

// Resolves `url.host` and connects `stream` to the first address that answers, within
// `timeout`. Fails with Errc::unavailable and a message naming the host.
inline net::awaitable<Result<void>> connect_to(beast::tcp_stream& stream, const ServerUrl& url,
                                               std::chrono::milliseconds timeout) {
  tcp::resolver resolver(stream.get_executor());
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), kNoThrow);
  if (resolve_ec) {
    co_return fail(Errc::unavailable, "cannot resolve " + url.host + ": " + resolve_ec.message());
  }
  stream.expires_after(timeout);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kNoThrow);
  if (connect_ec) {
    co_return fail(Errc::unavailable,
                   "cannot connect to " + url.authority() + ": " + connect_ec.message());
  }
  beast::error_code ignored;  // Nagle only delays small frames; failing to disable it is harmless
  stream.socket().set_option(tcp::no_delay(true), ignored);
  co_return Result<void>();
}

// Runs the client TLS handshake on a connected stream (whose context came from
// make_tls_context(trust)): SNI for DNS names; without a pin the certificate must be valid for
// `url.host` under the context's CAs; with one, the leaf's key must hash to the pin, and the
// CAs and host name are checked as well only when trust.checks_ca(). Fails with
// Errc::unavailable; a pin mismatch says "the server's certificate does not match the pinned
// key (pin-sha256 ...)".
inline net::awaitable<Result<void>> tls_handshake(beast::ssl_stream<beast::tcp_stream>& stream,
                                                  const ServerUrl& url, const ServerTrust& trust) {
  if (!url.host_is_ip && SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()) != 1) {
    co_return fail(Errc::internal, "cannot set the TLS server name");
  }
  std::optional<PinnedVerification> pinned;
  if (trust.pin_sha256.empty()) {
    stream.set_verify_callback(ssl::host_name_verification(url.host));
  } else {
    pinned.emplace(trust.pin_sha256,
                   trust.checks_ca() ? std::optional<std::string>(url.host) : std::nullopt);
    stream.set_verify_callback(*pinned);
  }
  const std::string failed = "TLS handshake with " + url.authority() + " failed: ";
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::client, kNoThrow);
  if (ec) {
    if (pinned) {
      if (auto mismatch = pinned->mismatch_message())
        co_return fail(Errc::unavailable, failed + *mismatch);
    }
    co_return fail(Errc::unavailable, failed + ec.message());
  }
  // OpenSSL always shows the leaf to the callback; this states the guarantee, not a hope.
  if (pinned && !pinned->matched()) {
    co_return fail(Errc::unavailable, failed +
                                          "the server's certificate was not checked against "
                                          "the pinned key");
  }
  co_return Result<void>();
}

}  // namespace worktrace::agent::uplink
