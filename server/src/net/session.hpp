#pragma once

// The connection coroutines, templated over the byte stream: beast::tcp_stream or
// beast::ssl_stream<beast::tcp_stream>. Only session_plain.cpp and session_tls.cpp include
// this file, each instantiating it for one stream type (Beast templates are costly to
// compile; see DESIGN.md).
//
// Every connection runs on its own strand. The coroutine frame owns the stream; blocking
// work goes to the pool through on_pool() and resumes on the strand.

#include "net/channel.hpp"
#include "net/http_conversion.hpp"
#include "net/read_buffer.hpp"
#include "net/server_state.hpp"
#include "net/ws_peer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace worktrace::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// The no-throw completion token (as_tuple without use_awaitable needs Boost 1.86).
inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// How long a connection closing after an unread request waits for the client to close.
inline constexpr std::chrono::seconds kLingerTimeout{2};
// How much of a WebSocket message one read takes at most (the message limit is checked
// between reads, so a message never grows more than this past it).
inline constexpr std::size_t kWsReadChunkBytes = 64 * 1024;
// How long a TLS connection waits for the client's close_notify after sending its own.
inline constexpr std::chrono::milliseconds kCloseNotifyTimeout{250};

template <class Stream>
inline constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

// Who is on the other end of a connection.
struct PeerInfo {
  std::string remote_ip;
  bool secure = false;
};

// Logs what escaped a connection coroutine: the one place per connection where an exception
// stops. The server keeps serving the others.
struct LogSessionEnd {
  void operator()(const std::exception_ptr& error) const {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {
      spdlog::warn("connection ended by an exception: {}", exception.what());
    } catch (...) {
      spdlog::warn("connection ended by a non-standard exception");
    }
  }
};

// Runs `fn` on the blocking pool and resumes on the caller's strand with its result. An
// exception from `fn` is rethrown here. The caller's frame (and what `fn` refers to in it)
// stays alive meanwhile: the pool is joined before the io_context is destroyed.
template <class Fn>
asio::awaitable<std::invoke_result_t<Fn&>> on_pool(ServerState& state, Fn fn) {
  using Value = std::invoke_result_t<Fn&>;
  co_return co_await asio::co_spawn(
      state.pool.get_executor(),
      [fn = std::move(fn)]() mutable -> asio::awaitable<Value> { co_return fn(); },
      asio::use_awaitable);
}

// Ends the connection politely: TLS close_notify, or a TCP half-close. With `linger` (the
// request was not read to its end, so the client may still be sending) it then reads and
// discards until the client closes, within kLingerTimeout: closing with unread data would
// reset the connection and could destroy our last response before the client reads it.
template <class Stream>
asio::awaitable<void> finish_stream(Stream& stream, bool linger) {
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(linger ? kLingerTimeout : kCloseNotifyTimeout);
  if constexpr (kIsTls<Stream>) {
    co_await stream.async_shutdown(kNoThrow);
  } else {
    boost::system::error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    std::array<char, 4096> discard;
    while (linger) {
      auto [ec, size] = co_await tcp.async_read_some(asio::buffer(discard), kNoThrow);
      if (ec) break;
    }
  }
}

// The answer owed to a client whose request could not be read, if it can still be told.
inline std::optional<api::Response> read_failure_response(const boost::system::error_code& ec,
                                                          const ServerOptions& options) {
  if (ec == http::error::header_limit) {
    auto response = api::Response::from_error(
        fail(Errc::invalid_argument,
             "request header exceeds " + std::to_string(options.max_header_bytes) + " bytes"));
    response.status = 431;
    return response;
  }
  if (ec == http::error::body_limit) {
    return api::Response::from_error(
        fail(Errc::payload_too_large,
             "request body exceeds " + std::to_string(options.max_body_bytes) + " bytes"));
  }
  // The peer went away (cleanly or not), timed out, or we cancelled the read: nobody to tell.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec.category() != http::make_error_code(http::error::bad_method).category()) {
    return std::nullopt;
  }
  return api::Response::from_error(fail(Errc::invalid_argument, "malformed HTTP request"));
}

// Reads one request into `parser`: the header first (so the limits apply before any body
// arrives), then a 100 Continue if asked for, then the body.
template <class Stream>
asio::awaitable<boost::system::error_code> read_request(
    Stream& stream, beast::flat_buffer& buffer, http::request_parser<http::string_body>& parser) {
  auto [header_error, header_bytes] =
      co_await http::async_read_header(stream, buffer, parser, kNoThrow);
  if (header_error) co_return header_error;
  if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> proceed{http::status::continue_, parser.get().version()};
    auto [continue_error, continue_bytes] = co_await http::async_write(stream, proceed, kNoThrow);
    if (continue_error) co_return continue_error;
  }
  if (!parser.is_done()) {
    auto [body_error, body_bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (body_error) co_return body_error;
  }
  co_return boost::system::error_code();
}

// What the access log and the metrics need to know about one exchange.
struct Exchange {
  std::string_view method;  // from method_label()
  std::string_view route;   // a Plan::route or a literal
  unsigned version = 11;
  bool keep_alive = false;
  bool head = false;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

inline void record(ServerState& state, const PeerInfo& info, const Exchange& exchange, int status) {
  const auto elapsed = std::chrono::steady_clock::now() - exchange.started;
  state.metrics.record_request(exchange.route, exchange.method, status, elapsed);
  spdlog::debug("{} {} {} {} {:.3f}ms", info.remote_ip, exchange.method, exchange.route, status,
                std::chrono::duration<double, std::milli>(elapsed).count());
}

// Writes `response` with the standard headers; returns false if the connection broke.
template <class Stream>
asio::awaitable<bool> send_response(ServerState& state, Stream& stream, const PeerInfo& info,
                                    api::Response response, const Exchange& exchange) {
  add_standard_headers(response, info.secure);
  const int status = response.status;
  BeastResponse wire =
      to_beast_response(response, exchange.version, exchange.keep_alive, exchange.head);
  beast::get_lowest_layer(stream).expires_after(state.options.request_timeout);
  auto [ec, size] = co_await http::async_write(stream, wire, kNoThrow);
  beast::get_lowest_layer(stream).expires_never();
  record(state, info, exchange, status);
  co_return !ec;
}

// The single writer of a WebSocket: drains `peer` until it says stop, or closes when asked.
template <class Stream>
asio::awaitable<void> write_frames(websocket::stream<Stream>& ws, std::shared_ptr<WsPeer> peer,
                                   asio::steady_timer& wake) {
  for (;;) {
    WsPeer::Job job = peer->next();
    switch (job.kind) {
      case WsPeer::Job::Kind::stop:
        co_return;
      case WsPeer::Job::Kind::wait: {
        wake.expires_at(asio::steady_timer::time_point::max());
        co_await wake.async_wait(kNoThrow);
        break;
      }
      case WsPeer::Job::Kind::write: {
        if (!job.frame.payload) break;
        ws.binary(job.frame.binary);
        auto [ec, size] = co_await ws.async_write(asio::buffer(*job.frame.payload), kNoThrow);
        if (ec) co_return;
        break;
      }
      case WsPeer::Job::Kind::close: {
        const websocket::close_reason reason(static_cast<websocket::close_code>(job.close_code),
                                             job.close_reason);
        co_await ws.async_close(reason, kNoThrow);
        co_return;
      }
    }
  }
}

// Ends a channel however its coroutine ends, including destruction of an unfinished frame
// when the server is torn down: the peer stops and lets go of the strand, the hub and the
// handler hear of it (synchronously then, as a last resort), the gauge goes down.
class ChannelScope {
 public:
  ChannelScope(ServerState& state, Channel& channel, std::shared_ptr<WsPeer> peer)
      : state_(state), channel_(channel), peer_(std::move(peer)) {
    state_.metrics.channel_opened(channel_.kind());
  }
  ChannelScope(const ChannelScope&) = delete;
  ChannelScope& operator=(const ChannelScope&) = delete;
  ~ChannelScope() {
    peer_->finish();
    if (open_) channel_.close();
    state_.metrics.channel_closed(channel_.kind());
  }
  void set_open(bool open) noexcept { open_ = open; }

 private:
  ServerState& state_;
  Channel& channel_;
  std::shared_ptr<WsPeer> peer_;
  bool open_ = false;
};

// Serves one accepted WebSocket upgrade until either side closes it.
template <class Stream>
asio::awaitable<void> serve_channel(ServerState& state, Stream stream, BeastRequest upgrade,
                                    std::unique_ptr<Channel> channel, ConnectionControl& control,
                                    const PeerInfo& info) {
  const ChannelKind kind = channel->kind();
  const ServerOptions& options = state.options;
  const auto executor = co_await asio::this_coro::executor;
  websocket::stream<Stream> ws(std::move(stream));
  control.set_shutdown_action([&ws] { beast::get_lowest_layer(ws).cancel(); });

  beast::get_lowest_layer(ws).expires_never();  // the websocket timeouts take over
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options.request_timeout;
  timeouts.idle_timeout = 3 * options.ws_ping_interval;  // pings at half of it
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  // Each message goes out as one frame in one write. Beast's default cuts a message into
  // 4 KiB frames, one write each: a 250 KB screenshot fanned out to 50 dashboards became
  // over 3,000 writes and kept the last dashboard waiting (relay_latency in make bench).
  ws.auto_fragment(false);
  ws.set_option(
      websocket::stream_base::decorator([secure = info.secure](websocket::response_type& response) {
        api::Response headers;
        add_standard_headers(headers, secure);
        for (auto& [name, value] : headers.headers) response.set(name, value);
      }));
  // The size limit is enforced by the read loop below, not by Beast: Beast 1.81 answers an
  // oversized message by closing the socket while the client is still sending, which resets
  // the connection and loses the 1009 close frame (docs/adr/0004-websocket-size-limit.md).
  const std::size_t max_message_bytes = kind == ChannelKind::agent
                                            ? options.agent_max_message_bytes
                                            : options.viewer_max_message_bytes;
  ws.read_message_max(0);
  auto [accept_error] = co_await ws.async_accept(upgrade, kNoThrow);
  if (accept_error) {
    spdlog::debug("{} {} upgrade failed: {}", info.remote_ip, channel_kind_name(kind),
                  accept_error.message());
    co_return;
  }

  auto peer = std::make_shared<WsPeer>(executor, options.ws_send_queue_frames, state.metrics,
                                       options.ws_screen_queue_bytes);
  asio::steady_timer wake(executor);
  peer->set_wake_timer(&wake);
  ChannelScope scope(state, *channel, peer);
  control.set_shutdown_action([&peer] { peer->close(1001, "server shutting down"); });
  if (state.draining.load()) peer->close(1001, "server shutting down");

  bool writer_done = false;
  asio::steady_timer writer_done_signal(executor, asio::steady_timer::time_point::max());
  asio::co_spawn(executor, write_frames(ws, peer, wake),
                 [&writer_done, &writer_done_signal](const std::exception_ptr& error) {
                   writer_done = true;
                   writer_done_signal.cancel();
                   LogSessionEnd{}(error);
                 });

  scope.set_open(true);
  const bool opened = co_await on_pool(state, [&] {
    try {
      channel->open(peer);
      return true;
    } catch (const std::exception& error) {
      spdlog::warn("{} channel on_connected threw: {}", channel_kind_name(kind), error.what());
    } catch (...) {
      spdlog::warn("{} channel on_connected threw a non-standard exception",
                   channel_kind_name(kind));
    }
    return false;
  });
  if (!opened) peer->close(1011, "internal error");
  spdlog::debug("{} {} channel open", info.remote_ip, channel_kind_name(kind));

  beast::flat_buffer buffer;
  const auto opened_at = std::chrono::steady_clock::now();
  TokenBucket message_budget(options.ws_messages_per_s, options.ws_message_burst, opened_at);
  TokenBucket binary_budget(options.ws_binary_per_s, options.ws_binary_burst, opened_at);
  std::optional<SteadyTime> last_binary_rate_error;
  bool discarding = false;       // closing for an oversized text message: read on until the close
  bool skipping_binary = false;  // reading an oversized binary message to its end
  for (;;) {
    auto [read_error, size] = co_await ws.async_read_some(buffer, kWsReadChunkBytes, kNoThrow);
    if (read_error) {
      spdlog::debug("{} {} channel closed: {}", info.remote_ip, channel_kind_name(kind),
                    read_error.message());
      break;
    }
    // Binary messages of agents (screen frames) have their own, larger limit; a message over
    // it is refused alone and the channel stays open.
    const bool agent_binary = kind == ChannelKind::agent && ws.got_binary();
    if (!discarding && agent_binary &&
        (skipping_binary || buffer.size() > options.agent_max_binary_bytes)) {
      release_message(buffer);
      skipping_binary = !ws.is_message_done();
      if (!skipping_binary) {
        state.metrics.binary_refused();
        peer->send(realtime::Frame::text(channel_error_message(
            fail(Errc::payload_too_large, "binary message exceeds " +
                                              std::to_string(options.agent_max_binary_bytes) +
                                              " bytes"))));
      }
      continue;
    }
    if (discarding || (!agent_binary && buffer.size() > max_message_bytes)) {
      // Close with 1009 and keep reading: the close handshake completes once the client has
      // sent the rest of its frame and its own close frame, so nothing is reset.
      release_message(buffer);
      if (!discarding) {
        discarding = true;
        peer->close(static_cast<std::uint16_t>(websocket::close_code::too_big), "message too big");
      }
      continue;
    }
    if (!ws.is_message_done()) continue;
    if (peer->closing()) {
      // Closing (a revoked device, a replaced connection): what it still sends is not handled.
      release_message(buffer);
      continue;
    }
    if (!ws.got_text()) {
      if (kind == ChannelKind::dashboard) {
        release_message(buffer);
        peer->close(static_cast<std::uint16_t>(websocket::close_code::unknown_data),
                    "binary frames are not accepted");
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      if (!binary_budget.take(now)) {
        release_message(buffer);
        state.metrics.binary_refused();
        if (!last_binary_rate_error || now - *last_binary_rate_error >= std::chrono::seconds(1)) {
          last_binary_rate_error = now;
          peer->send(realtime::Frame::text(channel_error_message(fail(
              Errc::rate_limited, "too many binary messages on this channel; slow down"))));
        }
        continue;
      }
      // Handled here, on the network thread: the handler only touches memory. It reads the
      // frame in place (a flat_buffer's data is one contiguous range) and copies what it keeps.
      const auto data = buffer.data();
      auto error =
          channel->on_binary(std::string_view(static_cast<const char*>(data.data()), data.size()));
      release_message(buffer);
      if (error) peer->send(realtime::Frame::text(std::move(*error)));
      continue;
    }
    if (!message_budget.take(std::chrono::steady_clock::now())) {
      release_message(buffer);
      peer->send(realtime::Frame::text(channel_error_message(
          fail(Errc::rate_limited, "too many messages on this channel; slow down"))));
      continue;
    }
    std::string message = beast::buffers_to_string(buffer.data());
    release_message(buffer);
    auto reply = co_await on_pool(state, [&] { return channel->on_text(message); });
    if (reply) peer->send(realtime::Frame::text(std::move(*reply)));
  }

  peer->finish();
  while (!writer_done) {
    co_await writer_done_signal.async_wait(kNoThrow);
  }
  co_await on_pool(state, [&] {
    channel->close();
    return true;
  });
  scope.set_open(false);
}

// Serves HTTP requests on `stream` until the client closes, an error, Connection: close, a
// WebSocket upgrade (then the channel takes the stream) or the graceful stop.
template <class Stream>
asio::awaitable<void> serve_http(ServerState& state, Stream& stream, ConnectionControl& control,
                                 const PeerInfo& info) {
  const ServerOptions& options = state.options;
  auto& tcp = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  bool awaiting_request = false;
  // At shutdown an idle keep-alive connection (no byte of a next request yet) is closed;
  // a connection in the middle of a request finishes it.
  control.set_shutdown_action([&] {
    if (awaiting_request && buffer.size() == 0 && !(parser && parser->got_some())) tcp.cancel();
  });

  for (;;) {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser->body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
    awaiting_request = true;
    if (state.draining.load() && buffer.size() == 0) co_return;
    tcp.expires_after(options.request_timeout);
    const boost::system::error_code read_error = co_await read_request(stream, buffer, *parser);
    tcp.expires_never();
    awaiting_request = false;

    if (read_error) {
      auto refusal = read_failure_response(read_error, options);
      if (!refusal) co_return;
      Exchange exchange{method_label(parser->get().method_string()), "bad_request",
                        parser->get().version() == 10 ? 10u : 11u};
      if (co_await send_response(state, stream, info, std::move(*refusal), exchange)) {
        co_await finish_stream(stream, true);
      }
      co_return;
    }

    BeastRequest request = parser->release();
    Exchange exchange{method_label(request.method_string()), "bad_request", request.version(),
                      request.keep_alive(), request.method() == http::verb::head};
    auto api_request = to_api_request(request, info.remote_ip, info.secure);
    api::Response response;
    if (!api_request) {
      response = api::Response::from_error(api_request.error());
      exchange.keep_alive = false;
    } else {
      const Plan plan = state.dispatcher.plan(*api_request);
      exchange.route = plan.route;
      const bool is_channel = plan.target == Plan::Target::agent_channel ||
                              plan.target == Plan::Target::dashboard_channel;
      if (is_channel && websocket::is_upgrade(request)) {
        const ChannelKind kind = plan.target == Plan::Target::agent_channel
                                     ? ChannelKind::agent
                                     : ChannelKind::dashboard;
        auto channel = co_await on_pool(
            state, [&] { return authenticate_channel(kind, *api_request, state.channels); });
        if (channel && state.draining.load())
          channel = fail(Errc::unavailable, "server is shutting down");
        if (channel) {
          record(state, info, exchange, 101);
          control.set_shutdown_action(nullptr);  // it refers to the stream, which moves now
          co_await serve_channel(state, std::move(stream), std::move(request), std::move(*channel),
                                 control, info);
          co_return;
        }
        response = api::Response::from_error(channel.error());
      } else if (plan.blocks()) {
        response =
            co_await on_pool(state, [&] { return state.dispatcher.respond(plan, *api_request); });
      } else {
        response = state.dispatcher.respond(plan, *api_request);
      }
    }
    if (state.draining.load()) exchange.keep_alive = false;
    if (!co_await send_response(state, stream, info, std::move(response), exchange)) co_return;
    if (!exchange.keep_alive) {
      co_await finish_stream(stream, false);
      co_return;
    }
  }
}

// The remote address of `socket` as text, or empty if the socket is already gone.
inline std::string remote_ip_of(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return {};
  const auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

}  // namespace worktrace::net::detail
