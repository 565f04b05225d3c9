#include "uplink/http_client.hpp"

#include "core/version.hpp"
#include "uplink/tls_context.hpp"
#include "uplink/transport.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <exception>
#include <optional>

namespace worktrace::agent::uplink {
namespace {

namespace http = beast::http;

template <class Stream>
net::awaitable<Result<HttpReply>> exchange(Stream& stream, const ServerUrl& url,
                                           http::request<http::string_body> request) {
  auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (write_ec) {
    co_return fail(Errc::unavailable,
                   "cannot send the request to " + url.authority() + ": " + write_ec.message());
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBodyBytes);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (read_ec == http::error::body_limit) {
    co_return fail(Errc::payload_too_large, "the server's answer is larger than 64 KiB");
  }
  if (read_ec) {
    co_return fail(Errc::unavailable,
                   "no answer from " + url.authority() + ": " + read_ec.message());
  }
  auto response = parser.release();
  co_return HttpReply{static_cast<int>(response.result_int()), std::move(response.body())};
}

net::awaitable<Result<HttpReply>> post(const ServerUrl& url,
                                       http::request<http::string_body> request, ssl::context* tls,
                                       const ServerTrust& trust,
                                       std::chrono::milliseconds timeout) {
  beast::tcp_stream tcp(co_await net::this_coro::executor);
  if (auto connected = co_await connect_to(tcp, url, timeout); !connected) {
    co_return connected.error();
  }
  if (tls == nullptr) {
    auto reply = co_await exchange(tcp, url, std::move(request));
    beast::error_code ignored;
    tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return reply;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *tls);
  if (auto secured = co_await tls_handshake(stream, url, trust); !secured)
    co_return secured.error();
  auto reply = co_await exchange(stream, url, std::move(request));
  // A TLS close_notify is a courtesy here: the reply is complete, so its errors do not matter.
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(kNoThrow);
  co_return reply;
}

}  // namespace

Result<HttpReply> post_json(const ServerUrl& url, std::string_view path, std::string body,
                            const ServerTrust& trust, std::chrono::milliseconds timeout,
                            const PostHeaders& headers) {
  std::unique_ptr<ssl::context> tls;
  if (url.tls) {
    auto context = make_tls_context(trust);
    if (!context) return context.error();
    tls = std::move(*context);
  }
  http::request<http::string_body> request(http::verb::post, url.target(path), 11);
  request.set(http::field::host, url.host_header());
  request.set(http::field::user_agent, std::string("worktrace-agent/") + kVersion);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::accept, "application/json");
  if (!headers.bearer.empty()) request.set(http::field::authorization, "Bearer " + headers.bearer);
  if (headers.gzip) request.set(http::field::content_encoding, "gzip");
  request.body() = std::move(body);
  request.prepare_payload();

  net::io_context io(1);
  std::optional<Result<HttpReply>> outcome;
  std::exception_ptr failure;
  net::co_spawn(io, post(url, std::move(request), tls.get(), trust, timeout),
                [&](std::exception_ptr error, Result<HttpReply> reply) {
                  failure = error;
                  if (!error) outcome.emplace(std::move(reply));
                });
  // The stream's own deadline covers connect, TLS and the exchange; this one also bounds a
  // name lookup that hangs.
  io.run_for(timeout + std::chrono::seconds(1));
  if (failure) std::rethrow_exception(failure);
  if (!outcome) {
    return fail(Errc::unavailable, "no answer from " + url.authority() + " within " +
                                       std::to_string(timeout.count() / 1000) + " s");
  }
  return std::move(*outcome);
}

}  // namespace worktrace::agent::uplink
