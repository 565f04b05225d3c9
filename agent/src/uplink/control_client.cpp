#include "uplink/control_client.hpp"

#include "core/version.hpp"
#include "uplink/messages.hpp"
#include "uplink/tls_context.hpp"
#include "uplink/transport.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <csignal>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <type_traits>

namespace worktrace::agent::uplink {
namespace {

namespace http = beast::http;
namespace websocket = beast::websocket;
using state::AgentState;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxMessageBytes = 1024 * 1024;  // the /ws/agent limit in docs/api/v1.md

using PlainChannel = websocket::stream<beast::tcp_stream>;
using TlsChannel = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// How one connection attempt ended.
struct AttemptEnd {
  bool revoked = false;
  std::string error;                           // why it ended; empty when stop() ended it
  std::optional<SteadyClock::duration> lived;  // set when the upgrade succeeded
};

}  // namespace

// All members are used only on the io_context's single thread (stop() and the setters post to
// it), except the outgoing queues, which any thread fills under queue_mutex.
struct ControlClient::Impl {
  Impl(ControlOptions opts, CollectFn collect_fn, EventFn event_fn, const Clock& wall_clock)
      : options(std::move(opts)),
        collect(std::move(collect_fn)),
        on_event(std::move(event_fn)),
        clock(wall_clock),
        backoff(options.backoff, std::random_device{}()) {}

  void report(AgentState state, std::optional<EpochMs> connected_since = std::nullopt,
              std::optional<EpochMs> next_retry_at = std::nullopt) {
    on_event(ChannelEvent{state, connected_since, last_error, next_retry_at});
  }

  void request_stop();
  net::awaitable<void> main_loop();
  net::awaitable<AttemptEnd> connect_once();
  template <class Channel>
  net::awaitable<AttemptEnd> attempt(Channel& channel);
  template <class Channel>
  net::awaitable<std::string> read_loop(Channel& channel);
  template <class Channel>
  net::awaitable<void> write_loop(Channel& channel, const bool& connection_done);
  void handle_message(std::string_view text);
  // After send_binary/send_text: wakes the writer, or drops the queues when no connection is
  // being made. `displaced`: the queue was full and dropped its oldest frame.
  void queued(bool displaced);
  // Drops whatever waits in the queues (the connection ended); reports when anything went.
  void drop_pending(bool report_anyway = false);
  void report_binary();
  std::optional<std::string> pop_text();
  std::optional<std::string> pop_binary();

  const ControlOptions options;
  const CollectFn collect;
  const EventFn on_event;
  MessageFn on_message;
  const Clock& clock;
  net::io_context io{1};
  net::steady_timer retry_timer{io};     // the backoff wait
  net::steady_timer wake_timer{io};      // the writer's wait between collections
  net::steady_timer close_deadline{io};  // bounds the close handshake after stop()
  net::signal_set signals{io};
  std::unique_ptr<ssl::context> tls;
  Backoff backoff;
  bool stopping = false;
  bool channel_open = false;  // the upgrade succeeded: stop() closes through the writer
  // Set during an attempt: closes its socket, which ends every operation pending on it.
  std::function<void()> abort_connection;
  std::optional<protocol::DeviceInfo> last_sent;
  SteadyClock::time_point next_collect{};
  std::string state_message;   // the latest from set_state_message
  bool state_pending = false;  // not yet sent on the open connection
  SteadyClock::time_point next_state_send{};
  std::string last_error;
  RunOutcome outcome = RunOutcome::stopped;
  std::function<void(const BinaryStats&)> on_binary_stats;

  // The outgoing queues, guarded by queue_mutex.
  mutable std::mutex queue_mutex;
  std::deque<std::string> pending_text;
  std::deque<std::string> pending_binary;
  BinaryStats binary;
};

void ControlClient::Impl::queued(bool displaced) {
  if (!abort_connection) {
    drop_pending(displaced);
    return;
  }
  if (displaced) report_binary();
  wake_timer.cancel();
}

void ControlClient::Impl::drop_pending(bool report_anyway) {
  bool dropped_any = false;
  {
    const std::lock_guard lock(queue_mutex);
    dropped_any = !pending_binary.empty() || !pending_text.empty();
    binary.dropped += pending_binary.size();
    pending_binary.clear();
    pending_text.clear();
  }
  if (dropped_any || report_anyway) report_binary();
}

void ControlClient::Impl::report_binary() {
  if (!on_binary_stats) return;
  BinaryStats stats;
  {
    const std::lock_guard lock(queue_mutex);
    stats = binary;
  }
  on_binary_stats(stats);
}

std::optional<std::string> ControlClient::Impl::pop_text() {
  const std::lock_guard lock(queue_mutex);
  if (pending_text.empty()) return std::nullopt;
  std::string text = std::move(pending_text.front());
  pending_text.pop_front();
  return text;
}

std::optional<std::string> ControlClient::Impl::pop_binary() {
  const std::lock_guard lock(queue_mutex);
  if (pending_binary.empty()) return std::nullopt;
  std::string frame = std::move(pending_binary.front());
  pending_binary.pop_front();
  return frame;
}

void ControlClient::Impl::request_stop() {
  if (stopping) return;
  stopping = true;
  retry_timer.cancel();
  wake_timer.cancel();
  if (!abort_connection) return;
  if (!channel_open) {
    abort_connection();
    return;
  }
  close_deadline.expires_after(options.close_timeout);
  close_deadline.async_wait([this](beast::error_code ec) {
    if (ec || !abort_connection) return;
    spdlog::warn("control channel: the server did not answer the close; dropping the connection");
    abort_connection();
  });
}

net::awaitable<void> ControlClient::Impl::main_loop() {
  while (!stopping) {
    report(AgentState::connecting);
    AttemptEnd end;
    try {
      end = co_await connect_once();
    } catch (const std::exception& error) {
      // A bug, not a network failure: log it, and let backoff keep it from spinning.
      spdlog::error("control channel: unexpected failure: {}", error.what());
      end.error = "internal error";
    }
    drop_pending();  // what waited for this connection goes with it
    if (end.revoked) {
      last_error = end.error;
      spdlog::error("control channel: {}", last_error);
      outcome = RunOutcome::revoked;
      report(AgentState::revoked);
      co_return;
    }
    if (stopping) break;
    if (end.lived) {
      backoff.connection_ended(std::chrono::duration_cast<std::chrono::milliseconds>(*end.lived));
    }
    last_error = end.error;
    const std::chrono::milliseconds delay = backoff.next_delay();
    spdlog::warn("control channel: {}; reconnecting in {} ms", last_error, delay.count());
    report(AgentState::backoff, std::nullopt, clock.now_ms() + delay.count());
    retry_timer.expires_after(delay);
    co_await retry_timer.async_wait(kNoThrow);
  }
  report(AgentState::stopped);
}

net::awaitable<AttemptEnd> ControlClient::Impl::connect_once() {
  auto executor = co_await net::this_coro::executor;
  if (tls) {
    TlsChannel channel(executor, *tls);
    co_return co_await attempt(channel);
  }
  PlainChannel channel(executor);
  co_return co_await attempt(channel);
}

template <class Channel>
net::awaitable<AttemptEnd> ControlClient::Impl::attempt(Channel& channel) {
  AttemptEnd end;
  auto& tcp = beast::get_lowest_layer(channel);
  abort_connection = [&tcp] { tcp.close(); };
  struct Cleared {
    ControlClient::Impl& impl;
    ~Cleared() {
      impl.abort_connection = nullptr;
      impl.channel_open = false;
    }
  } cleared{*this};

  spdlog::debug("control channel: connecting to {}", options.url.authority());
  if (auto connected = co_await connect_to(tcp, options.url, options.connect_timeout); !connected) {
    end.error = connected.error().message;
    co_return end;
  }
  if (stopping) co_return end;  // stop() came during the name lookup, which it cannot abort
  if constexpr (std::is_same_v<Channel, TlsChannel>) {
    // Named: GCC 12 mishandles a temporary with a destructor inside a co_await condition.
    const ServerTrust trust{options.ca_file, options.tls_pin_sha256};
    if (auto secured = co_await tls_handshake(channel.next_layer(), options.url, trust); !secured) {
      end.error = secured.error().message;
      co_return end;
    }
  }
  tcp.expires_never();  // from here the WebSocket's own timeouts apply
  channel.set_option(websocket::stream_base::timeout{
      .handshake_timeout = options.connect_timeout,
      .idle_timeout = options.idle_timeout,
      .keep_alive_pings = true,
  });
  channel.set_option(websocket::stream_base::decorator(
      [bearer = "Bearer " + options.credential](websocket::request_type& request) {
        request.set(http::field::authorization, bearer);
        request.set(http::field::user_agent, std::string("worktrace-agent/") + kVersion);
      }));
  channel.read_message_max(kMaxMessageBytes);

  websocket::response_type response;
  auto [upgrade_ec] = co_await channel.async_handshake(
      response, options.url.host_header(), options.url.target(kAgentChannelPath), kNoThrow);
  if (upgrade_ec == websocket::error::upgrade_declined &&
      response.result() == http::status::unauthorized) {
    end.revoked = true;
    end.error =
        "the server refused the device credential (HTTP 401): the device was revoked "
        "or removed; enroll again";
    co_return end;
  }
  if (upgrade_ec == websocket::error::upgrade_declined) {
    end.error =
        "the server refused the upgrade (HTTP " + std::to_string(response.result_int()) + ")";
    co_return end;
  }
  if (upgrade_ec) {
    end.error =
        "WebSocket handshake with " + options.url.authority() + " failed: " + upgrade_ec.message();
    co_return end;
  }

  const auto opened = SteadyClock::now();
  channel_open = true;
  bool connection_done = false;
  bool writer_running = true;
  net::steady_timer writer_finished(co_await net::this_coro::executor,
                                    net::steady_timer::time_point::max());
  net::co_spawn(co_await net::this_coro::executor, write_loop(channel, connection_done),
                [&](std::exception_ptr error) {
                  if (error) {
                    try {
                      std::rethrow_exception(error);
                    } catch (const std::exception& what) {
                      spdlog::error("control channel: writer failed: {}", what.what());
                    }
                    tcp.close();  // ends the read loop too
                  }
                  writer_running = false;
                  writer_finished.cancel();
                });
  end.error = co_await read_loop(channel);
  connection_done = true;
  wake_timer.cancel();
  if (writer_running) {
    // After stop() the writer finishes the close handshake (bounded by close_deadline);
    // otherwise the connection is gone and closing the socket ends a write in flight.
    if (!stopping) tcp.close();
    co_await writer_finished.async_wait(kNoThrow);
  }
  end.lived = SteadyClock::now() - opened;
  co_return end;
}

template <class Channel>
net::awaitable<std::string> ControlClient::Impl::read_loop(Channel& channel) {
  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    auto [ec, size] = co_await channel.async_read(buffer, kNoThrow);
    if (stopping) co_return std::string();
    if (ec == websocket::error::closed) {
      const websocket::close_reason& reason = channel.reason();
      std::string why = "the server closed the channel (" + std::to_string(reason.code);
      if (!reason.reason.empty()) why += ": " + printable(reason.reason.c_str(), 123);
      co_return why + ")";
    }
    if (ec) co_return "connection lost: " + ec.message();
    if (!channel.got_text()) {
      spdlog::warn("control channel: ignoring a binary message of {} bytes", size);
      continue;
    }
    handle_message(beast::buffers_to_string(buffer.data()));
  }
}

template <class Channel>
net::awaitable<void> ControlClient::Impl::write_loop(Channel& channel,
                                                     const bool& connection_done) {
  auto& tcp = beast::get_lowest_layer(channel);
  auto write = [&](const std::string& text) -> net::awaitable<bool> {
    auto [ec, written] = co_await channel.async_write(net::buffer(text), kNoThrow);
    if (ec) tcp.close();
    co_return !ec;
  };
  protocol::DeviceInfo info = collect();
  if (!co_await write(hello_message(info))) co_return;
  last_sent = std::move(info);
  next_collect = SteadyClock::now() + options.collect_interval;
  // A new connection hears the current state at once.
  state_pending = !state_message.empty();
  next_state_send = SteadyClock::now();
  for (;;) {
    if (connection_done) co_return;
    if (stopping) {
      // The read loop sees the server's answer to this close and ends the connection.
      auto [ec] = co_await channel.async_close(websocket::close_code::normal, kNoThrow);
      if (ec) spdlog::debug("control channel: close: {}", ec.message());
      co_return;
    }
    const auto now = SteadyClock::now();
    if (state_pending && now >= next_state_send) {
      state_pending = false;
      next_state_send = now + options.state_interval;
      const std::string message = state_message;  // the member may change during the write
      if (!co_await write(message)) co_return;
      continue;
    }
    if (auto text = pop_text()) {
      if (!co_await write(*text)) co_return;
      continue;
    }
    if (auto frame = pop_binary()) {
      channel.binary(true);
      auto [ec, written] = co_await channel.async_write(net::buffer(*frame), kNoThrow);
      channel.text(true);
      {
        const std::lock_guard lock(queue_mutex);
        ++(ec ? binary.dropped : binary.sent);
      }
      report_binary();
      if (ec) {
        tcp.close();
        co_return;
      }
      continue;
    }
    if (now >= next_collect) {
      next_collect = now + options.collect_interval;
      info = collect();
      if (last_sent && info == *last_sent) continue;
      if (!co_await write(device_info_message(info))) co_return;
      spdlog::info("control channel: sent changed device info");
      last_sent = std::move(info);
      continue;
    }
    // Sleeps until the next collection or the next allowed state message; set_state_message,
    // send_text, send_binary and stop() cut the wait short.
    wake_timer.expires_at(state_pending ? std::min(next_collect, next_state_send) : next_collect);
    co_await wake_timer.async_wait(kNoThrow);
  }
}

void ControlClient::Impl::handle_message(std::string_view text) {
  auto message = parse_server_message(text);
  if (!message) {
    spdlog::warn("control channel: ignoring a malformed message: {}", message.error().message);
    return;
  }
  if (message->type == "welcome") {
    spdlog::info("control channel: connected to {} as device {} (server {})",
                 options.url.authority(), message->device_id,
                 printable(message->server_version, 64));
    report(AgentState::connected, clock.now_ms());
  } else if (message->type == "error") {
    spdlog::warn("control channel: the server reported {}: {}", printable(message->error_code, 64),
                 printable(message->error_message));
  } else if (on_message) {
    on_message(message->type, text);
  } else {
    spdlog::debug("control channel: ignoring a message of type {}", printable(message->type, 64));
  }
}

ControlClient::ControlClient(ControlOptions options, CollectFn collect, EventFn on_event,
                             const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(collect), std::move(on_event),
                                   clock)) {}

ControlClient::~ControlClient() = default;

void ControlClient::on_message(MessageFn handler) { impl_->on_message = std::move(handler); }

void ControlClient::set_state_message(std::string message) {
  net::post(impl_->io, [impl = impl_.get(), message = std::move(message)]() mutable {
    if (message == impl->state_message) return;
    impl->state_message = std::move(message);
    impl->state_pending = true;
    impl->wake_timer.cancel();
  });
}

void ControlClient::send_binary(std::string message) {
  bool displaced = false;
  {
    const std::lock_guard lock(impl_->queue_mutex);
    impl_->pending_binary.push_back(std::move(message));
    if (impl_->pending_binary.size() > kMaxPendingBinary) {
      impl_->pending_binary.pop_front();
      ++impl_->binary.dropped;
      displaced = true;
    }
  }
  net::post(impl_->io, [impl = impl_.get(), displaced] { impl->queued(displaced); });
}

void ControlClient::send_text(std::string message) {
  {
    const std::lock_guard lock(impl_->queue_mutex);
    impl_->pending_text.push_back(std::move(message));
    if (impl_->pending_text.size() > kMaxPendingText) impl_->pending_text.pop_front();
  }
  net::post(impl_->io, [impl = impl_.get()] { impl->queued(false); });
}

void ControlClient::on_binary_stats(std::function<void(const BinaryStats&)> handler) {
  impl_->on_binary_stats = std::move(handler);
}

BinaryStats ControlClient::binary_stats() const {
  const std::lock_guard lock(impl_->queue_mutex);
  return impl_->binary;
}

void ControlClient::stop() {
  net::post(impl_->io, [impl = impl_.get()] { impl->request_stop(); });
}

Result<RunOutcome> ControlClient::run() {
  Impl& impl = *impl_;
  if (impl.options.url.tls) {
    auto context = make_tls_context(ServerTrust{impl.options.ca_file, impl.options.tls_pin_sha256});
    if (!context) return context.error();
    impl.tls = std::move(*context);
  }
  if (impl.options.stop_on_signals) {
    impl.signals.add(SIGINT);
    impl.signals.add(SIGTERM);
    impl.signals.async_wait([&impl](beast::error_code ec, int signal_number) {
      if (ec) return;
      spdlog::info("received signal {}: closing the control channel", signal_number);
      impl.request_stop();
    });
  }
  std::exception_ptr failure;
  net::co_spawn(impl.io, impl.main_loop(), [&](std::exception_ptr error) {
    failure = error;
    impl.signals.cancel();
    impl.close_deadline.cancel();
  });
  impl.io.run();
  if (failure) std::rethrow_exception(failure);
  return impl.outcome;
}

}  // namespace worktrace::agent::uplink
