// Instantiates the connection coroutines for plain TCP.
#include "net/session.hpp"
#include "net/sessions.hpp"

namespace worktrace::net::detail {
namespace {

asio::awaitable<void> run_plain(ServerState& state, asio::ip::tcp::socket socket,
                                ConnectionRegistry::Lease lease) {
  const PeerInfo info{remote_ip_of(socket), false};
  beast::tcp_stream stream(std::move(socket));
  co_await serve_http(state, stream, lease.control(), info);
}

}  // namespace

void start_plain_session(ServerState& state, asio::ip::tcp::socket socket,
                         ConnectionRegistry::Lease lease) {
  auto executor = socket.get_executor();
  asio::co_spawn(executor, run_plain(state, std::move(socket), std::move(lease)), LogSessionEnd{});
}

}  // namespace worktrace::net::detail
