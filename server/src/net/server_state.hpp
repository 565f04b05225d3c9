#pragma once

#include "net/channel.hpp"
#include "net/connections.hpp"
#include "net/dispatcher.hpp"
#include "net/metrics.hpp"
#include "net/rate_limiter.hpp"
#include "net/server.hpp"

#include <boost/asio/thread_pool.hpp>

#include <atomic>

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace worktrace::net::detail {

// What the listener and every connection of one server share. `options` is read-only; the
// other members are thread-safe as their types say. Outlives every connection coroutine.
struct ServerState {
  // The references must outlive the state.
  ServerState(ServerOptions server_options, const api::Router& router, realtime::Hub& hub,
              realtime::AgentChannelHandler& agents, realtime::ViewerChannelHandler& viewers)
      : options(std::move(server_options)),
        api_limiter({.rate_per_s = options.api_rate_per_s, .burst = options.api_burst}),
        dispatcher(router, options.web_root, metrics, draining, api_limiter),
        channels{hub, agents, viewers},
        connections(metrics),
        pool(static_cast<std::size_t>(options.blocking_threads < 1 ? 1
                                                                   : options.blocking_threads)) {}

  const ServerOptions options;
  Metrics metrics;
  std::atomic<bool> draining{false};  // set once when the graceful stop begins
  RateLimiter api_limiter;
  Dispatcher dispatcher;
  ChannelContext channels;
  ConnectionRegistry connections;
  boost::asio::thread_pool pool;             // runs handlers and file reads
  boost::asio::ssl::context* tls = nullptr;  // set by start() when serving TLS
};

}  // namespace worktrace::net::detail
