#include "net/server.hpp"

#include "net/server_state.hpp"
#include "net/sessions.hpp"
#include "net/tls_context.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <exception>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

namespace worktrace::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// How often the drain checks whether the last connection has ended.
constexpr std::chrono::milliseconds kDrainPollInterval{10};
// The pause after a failed accept (out of file descriptors): let connections end first.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// At most one warning about refused connections per interval (a flood must not flood the log).
constexpr std::chrono::seconds kRefusalLogInterval{10};

Result<void> validate(const ServerOptions& options) {
  auto positive = [](std::size_t value, const char* name) -> Result<void> {
    if (value == 0) return fail(Errc::invalid_argument, std::string(name) + " must be positive");
    return {};
  };
  for (const auto& [value, name] :
       {std::pair{options.max_body_bytes, "max_body_bytes"},
        std::pair{options.max_header_bytes, "max_header_bytes"},
        std::pair{options.agent_max_message_bytes, "agent_max_message_bytes"},
        std::pair{options.viewer_max_message_bytes, "viewer_max_message_bytes"},
        std::pair{options.ws_send_queue_frames, "ws_send_queue_frames"},
        std::pair{options.max_connections, "max_connections"}}) {
    if (auto checked = positive(value, name); !checked) return checked;
  }
  if (options.max_header_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return fail(Errc::invalid_argument, "max_header_bytes is too large");
  }
  if (options.io_threads < 1) return fail(Errc::invalid_argument, "io_threads must be at least 1");
  if (options.blocking_threads < 1) {
    return fail(Errc::invalid_argument, "blocking_threads must be at least 1");
  }
  if (options.request_timeout.count() <= 0 || options.ws_ping_interval.count() <= 0 ||
      options.shutdown_timeout.count() < 0) {
    return fail(Errc::invalid_argument, "timeouts must be positive");
  }
  return {};
}

// "host:port", with brackets around an IPv6 address.
std::string authority(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, const api::Router& router, realtime::Hub& hub,
       realtime::AgentChannelHandler& agents, realtime::ViewerChannelHandler& viewers)
      : state(std::move(options), router, hub, agents, viewers),
        io(state.options.io_threads < 1 ? 1 : state.options.io_threads),
        strand(asio::make_strand(io)),
        acceptor(strand) {}

  ~Impl() {
    // Pool tasks resume connections on the io_context: none may run once it is gone.
    state.pool.join();
  }

  Result<std::uint16_t> start();
  void run_io_thread();
  asio::awaitable<void> accept_loop();
  void begin_shutdown();
  asio::awaitable<void> drain();

  // Declaration order is destruction order reversed: the io_context goes first, destroying
  // unfinished connection frames, which still use `state` and `tls`.
  detail::ServerState state;
  std::unique_ptr<asio::ssl::context> tls;
  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand;  // acceptor, signals, shutdown
  tcp::acceptor acceptor;
  std::optional<asio::signal_set> signals;
  bool started = false;
  bool shutting_down = false;  // strand only
};

Result<std::uint16_t> Server::Impl::start() {
  if (started) return fail(Errc::invalid_argument, "the server is already started");
  const ServerOptions& options = state.options;
  if (auto valid = validate(options); !valid) return valid.error();
  if (options.tls) {
    auto context = net::make_tls_context(options.tls->cert, options.tls->key);
    if (!context) return context.error();
    tls = std::move(*context);
    state.tls = tls.get();
  }

  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto resolved = resolver.resolve(options.host, std::to_string(options.port),
                                         tcp::resolver::numeric_service, ec);
  if (ec || resolved.empty()) {
    return fail(Errc::invalid_argument, "cannot resolve host '" + options.host +
                                            "': " + (ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = *resolved.begin();
  if (!tls && !options.allow_insecure_http && !endpoint.address().is_loopback()) {
    return fail(Errc::invalid_argument,
                "plain HTTP is allowed only on a loopback address (or with --insecure-http); " +
                    authority(endpoint) + " needs TLS");
  }
  auto listen_error = [&](const char* what) {
    boost::system::error_code ignored;
    acceptor.close(ignored);  // start() may be tried again
    return Error(ec,
                 std::string("cannot ") + what + " " + authority(endpoint) + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) return listen_error("open a socket for");
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec)
    return listen_error("configure");
  if (acceptor.bind(endpoint, ec); ec) return listen_error("listen on");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return listen_error("listen on");
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return listen_error("read the address of");

  if (options.handle_signals) {
    signals.emplace(strand, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& wait_error, int signal_number) {
      if (wait_error) return;
      spdlog::info("received signal {}, stopping", signal_number);
      begin_shutdown();
    });
  }
  asio::co_spawn(strand, accept_loop(), [](const std::exception_ptr& error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {
      spdlog::error("accept loop failed: {}", exception.what());
    }
  });
  started = true;
  spdlog::info("listening on {}://{}", tls ? "https" : "http", authority(bound));
  return bound.port();
}

asio::awaitable<void> Server::Impl::accept_loop() {
  asio::steady_timer retry_timer(strand);
  std::uint64_t refused_since_log = 0;
  auto last_refusal_log = std::chrono::steady_clock::time_point();
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kNoThrow);
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      retry_timer.expires_after(kAcceptRetryDelay);
      co_await retry_timer.async_wait(kNoThrow);
      continue;
    }
    if (state.connections.size() >= state.options.max_connections) {
      ++refused_since_log;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_refusal_log >= kRefusalLogInterval) {
        spdlog::warn("refused {} connections: the limit of {} open connections is reached",
                     refused_since_log, state.options.max_connections);
        refused_since_log = 0;
        last_refusal_log = now;
      }
      continue;  // the socket closes as it goes out of scope
    }
    boost::system::error_code ignored;
    const auto peer = socket.remote_endpoint(ignored);
    auto lease = state.connections.add(socket.get_executor(),
                                       ignored ? std::string() : peer.address().to_string(),
                                       state.options.max_connections_per_ip);
    if (!lease) {
      ++refused_since_log;
      continue;  // one address holds its share of connections: close this one
    }
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls) {
      detail::start_tls_session(state, std::move(socket), std::move(*lease));
    } else {
      detail::start_plain_session(state, std::move(socket), std::move(*lease));
    }
  }
}

void Server::Impl::begin_shutdown() {
  if (shutting_down) return;
  shutting_down = true;
  state.draining.store(true);
  spdlog::info("stopping: draining {} connections", state.connections.size());
  boost::system::error_code ignored;
  acceptor.close(ignored);
  if (signals) signals->cancel(ignored);
  state.channels.hub.close_all();
  state.connections.shutdown_all();
  asio::co_spawn(strand, drain(), asio::detached);
}

asio::awaitable<void> Server::Impl::drain() {
  const auto deadline = std::chrono::steady_clock::now() + state.options.shutdown_timeout;
  asio::steady_timer poll(strand);
  while (state.connections.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    poll.expires_after(kDrainPollInterval);
    co_await poll.async_wait(kNoThrow);
  }
  if (const auto left = state.connections.size(); left > 0) {
    spdlog::warn("abandoning {} connections still open after the shutdown timeout", left);
  }
  io.stop();
}

void Server::Impl::run_io_thread() {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& error) {
      // Connection coroutines catch their own exceptions; this is anything else.
      spdlog::error("io thread: unexpected exception: {}", error.what());
    }
  }
}

Server::Server(ServerOptions options, const api::Router& router, realtime::Hub& hub,
               realtime::AgentChannelHandler& agents, realtime::ViewerChannelHandler& viewers)
    : impl_(std::make_unique<Impl>(std::move(options), router, hub, agents, viewers)) {}

Server::~Server() = default;

Result<std::uint16_t> Server::start() { return impl_->start(); }

void Server::run() {
  if (!impl_->started) {
    spdlog::error("Server::run() without a successful start()");
    return;
  }
  std::vector<std::thread> extra_threads;
  for (int thread_idx = 1; thread_idx < impl_->state.options.io_threads; ++thread_idx) {
    extra_threads.emplace_back([this] { impl_->run_io_thread(); });
  }
  impl_->run_io_thread();
  for (auto& thread : extra_threads) thread.join();
  impl_->state.pool.join();
  spdlog::info("stopped");
}

void Server::stop() {
  asio::post(impl_->strand, [impl = impl_.get()] { impl->begin_shutdown(); });
}

}  // namespace worktrace::net
