#pragma once

#include "net/connections.hpp"
#include "net/server_state.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace worktrace::net::detail {

// Start serving an accepted connection on its socket's executor (a strand of its own):
// plain HTTP/WS, or TLS (handshake first, then HTTPS/WSS). The lease keeps the connection
// registered until its coroutine ends. `state.tls` must be set for TLS.
void start_plain_session(ServerState& state, boost::asio::ip::tcp::socket socket,
                         ConnectionRegistry::Lease lease);
void start_tls_session(ServerState& state, boost::asio::ip::tcp::socket socket,
                       ConnectionRegistry::Lease lease);

}  // namespace worktrace::net::detail
