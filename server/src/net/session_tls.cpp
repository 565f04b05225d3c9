// Instantiates the connection coroutines for TLS.
#include "net/session.hpp"
#include "net/sessions.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace worktrace::net::detail {
namespace {

asio::awaitable<void> run_tls(ServerState& state, asio::ip::tcp::socket socket,
                              ConnectionRegistry::Lease lease) {
  const PeerInfo info{remote_ip_of(socket), true};
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *state.tls);
  auto& tcp = beast::get_lowest_layer(stream);
  lease.control().set_shutdown_action([&tcp] { tcp.cancel(); });
  if (state.draining.load()) co_return;
  tcp.expires_after(state.options.request_timeout);
  auto [handshake_error] =
      co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (handshake_error) {
    spdlog::debug("{} TLS handshake failed: {}", info.remote_ip, handshake_error.message());
    co_return;
  }
  co_await serve_http(state, stream, lease.control(), info);
}

}  // namespace

void start_tls_session(ServerState& state, asio::ip::tcp::socket socket,
                       ConnectionRegistry::Lease lease) {
  auto executor = socket.get_executor();
  asio::co_spawn(executor, run_tls(state, std::move(socket), std::move(lease)), LogSessionEnd{});
}

}  // namespace worktrace::net::detail
