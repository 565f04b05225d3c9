#include "local_api/local_api_server.hpp"

#include "local_api/aw_api.hpp"
#include "local_api/pairing.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace worktrace::agent::local_api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The no-throw completion token (as_tuple without use_awaitable needs Boost 1.86).
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kMaxConnections = 64;
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// How long a read (one request, or the idle time between keep-alive requests) or a write may
// take.
constexpr std::chrono::seconds kIoTimeout{10};
// How long a connection closing after an unread body waits for the client to stop sending.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

using Response = http::response<http::string_body>;

// Logs what escaped a connection or the accept loop; the listener keeps serving the others.
struct LogEnd {
  const char* what;
  void operator()(const std::exception_ptr& error) const {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {
      spdlog::warn("local API {} ended by an exception: {}", what, exception.what());
    } catch (...) {
      spdlog::warn("local API {} ended by a non-standard exception", what);
    }
  }
};

// Counts a connection while it lives. The counter is touched on the io thread only (and at
// teardown, once that thread has ended).
class ConnectionCount {
 public:
  explicit ConnectionCount(std::size_t& count) : count_(count) { ++count_; }
  ConnectionCount(const ConnectionCount&) = delete;
  ConnectionCount& operator=(const ConnectionCount&) = delete;
  ~ConnectionCount() { --count_; }

 private:
  std::size_t& count_;
};

LocalRequest to_local_request(const http::request_parser<http::string_body>& parser) {
  const auto& message = parser.get();
  LocalRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.host = std::string(message[http::field::host]);
  request.origin = std::string(message[http::field::origin]);
  request.private_network =
      beast::iequals(message["Access-Control-Request-Private-Network"], "true");
  return request;
}

Response to_beast_response(LocalResponse local, unsigned version, bool keep_alive) {
  Response response{static_cast<http::status>(local.status), version};
  for (auto& [name, value] : local.headers) response.insert(name, value);
  if (!local.body.empty()) response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(local.body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

// Half-closes the connection, then reads and discards what the client still sends, within
// kLingerTimeout: closing with unread data would reset the connection and could destroy the
// response before the client reads it.
asio::awaitable<void> linger(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);
  std::array<char, 4096> discard;
  for (;;) {
    auto [ec, size] = co_await stream.async_read_some(asio::buffer(discard), kNoThrow);
    if (ec) co_return;
  }
}

class LocalApiServerImpl final : public LocalApiServer {
 public:
  LocalApiServerImpl(const Clock& clock, LocalApiServerOptions options, LocalEventHook on_event,
                     LocalInfo info)
      : clock_(clock),
        options_(std::move(options)),
        on_event_(std::move(on_event)),
        info_(std::move(info)),
        io_(std::make_unique<asio::io_context>(1)) {}

  ~LocalApiServerImpl() override { stop(); }

  Result<void> start();
  [[nodiscard]] std::uint16_t port() const override { return port_; }
  void stop() override;

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(beast::tcp_stream stream);
  void deliver(const std::string& bucket_id, const AwEvent& event) const;

  const Clock& clock_;
  const LocalApiServerOptions options_;
  const LocalEventHook on_event_;
  const LocalInfo info_;
  std::uint16_t port_ = 0;
  std::unique_ptr<AwApi> api_;
  std::unique_ptr<BrowserPairing> pairing_;
  std::size_t connections_ = 0;  // io thread only

  std::mutex stop_mutex_;
  bool stopped_ = false;  // guarded by stop_mutex_
  std::thread thread_;
  // Destroyed in stop(), the acceptor first: destroying the io_context destroys the
  // unfinished connection frames, which still use the members above.
  std::unique_ptr<asio::io_context> io_;
  std::optional<tcp::acceptor> acceptor_;
};

Result<void> LocalApiServerImpl::start() {
  std::vector<std::string> fixed{std::string(kWorktraceExtensionOrigin),
                                 std::string(kActivityWatchExtensionOrigin)};
  fixed.insert(fixed.end(), options_.extra_origins.begin(), options_.extra_origins.end());

  const tcp::endpoint wanted(asio::ip::address_v4::loopback(), options_.port);
  const std::string address = "127.0.0.1:" + std::to_string(options_.port);
  boost::system::error_code ec;
  acceptor_.emplace(*io_);
  acceptor_->open(wanted.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(wanted, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::unavailable, "cannot listen on " + address + ": " + ec.message());
  port_ = acceptor_->local_endpoint().port();

  AwApiOptions api_options;
  api_options.port = port_;
  api_options.allowed_origins = std::move(fixed);
  api_options.hostname = options_.hostname;
  api_options.version = options_.version;
  api_options.device_id = options_.device_id;
  api_options.worktrace_info = [this] {
    return info_ ? info_() : boost::json::object{{"tracking", "unavailable"}};
  };
  api_options.pair = [this](std::string_view origin, std::string_view code) {
    return pairing_->redeem(origin, code);
  };
  api_ = std::make_unique<AwApi>(clock_, std::move(api_options),
                                 [this](const std::string& bucket_id, const AwEvent& event, bool) {
                                   deliver(bucket_id, event);
                                 });
  pairing_ = std::make_unique<BrowserPairing>(clock_, options_.config_dir, api_->origins());

  auto paired = load_paired_origins(options_.config_dir);
  if (paired) {
    std::vector<std::string> names;
    for (auto& item : *paired) names.push_back(std::move(item.origin));
    api_->origins().set_paired(std::move(names));
  } else {
    spdlog::warn("local API: ignoring the paired browser origins: {}", paired.error().message);
  }

  asio::co_spawn(*io_, accept_loop(), LogEnd{"listener"});
  thread_ = std::thread([this] { io_->run(); });
  spdlog::debug("local API (ActivityWatch /api/0) listening on http://127.0.0.1:{}", port_);
  return {};
}

void LocalApiServerImpl::stop() {
  std::lock_guard lock(stop_mutex_);
  if (stopped_) return;
  stopped_ = true;
  io_->stop();
  if (thread_.joinable()) thread_.join();
  acceptor_.reset();
  io_.reset();
}

void LocalApiServerImpl::deliver(const std::string& bucket_id, const AwEvent& event) const {
  if (!on_event_) return;
  // The hook runs after the store's mutex is released, so the store may be asked again.
  const auto bucket = api_->store().bucket(bucket_id);
  if (bucket) on_event_(bucket->info.type, event);
}

asio::awaitable<void> LocalApiServerImpl::accept_loop() {
  asio::steady_timer retry_timer(*io_);
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      // Out of file descriptors, most likely: wait rather than spin.
      spdlog::warn("local API: accept failed: {}", ec.message());
      retry_timer.expires_after(kAcceptRetryDelay);
      co_await retry_timer.async_wait(kNoThrow);
      continue;
    }
    if (connections_ >= kMaxConnections) {
      spdlog::debug("local API: refused a connection: {} are open", connections_);
      continue;  // the socket closes as it goes out of scope
    }
    asio::co_spawn(*io_, serve(beast::tcp_stream(std::move(socket))), LogEnd{"connection"});
  }
}

// Serves one connection until the client closes it, a read or write times out, or a request
// asks to close.
asio::awaitable<void> LocalApiServerImpl::serve(beast::tcp_stream stream) {
  ConnectionCount count(connections_);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(kMaxBodyBytes);
    stream.expires_after(kIoTimeout);
    auto [header_ec, header_bytes] =
        co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    // Beast checks a Content-Length against the body limit as soon as the header is complete.
    bool too_large = header_ec == http::error::body_limit;
    if (header_ec && !too_large) {
      if (header_ec == http::error::header_limit) {
        auto response = to_beast_response(
            LocalResponse{
                431,
                R"({"error":{"code":"invalid_argument","message":"request header too large"}})",
                {}},
            11, false);
        co_await http::async_write(stream, response, kNoThrow);
        co_await linger(stream);
      }
      co_return;  // the client went away, timed out, or sent no HTTP
    }
    if (!too_large && !parser.is_done()) {
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> proceed{http::status::continue_, parser.get().version()};
        auto [continue_ec, continue_bytes] = co_await http::async_write(stream, proceed, kNoThrow);
        if (continue_ec) co_return;
      }
      auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      too_large = body_ec == http::error::body_limit;
      if (body_ec && !too_large) co_return;
    }
    LocalRequest request = to_local_request(parser);
    request.body_too_large = too_large;
    if (!too_large) request.body = std::move(parser.get().body());
    const bool keep_alive = !too_large && parser.get().keep_alive();
    Response response =
        to_beast_response(api_->handle(request), parser.get().version(), keep_alive);
    stream.expires_after(kIoTimeout);
    auto [write_ec, written] = co_await http::async_write(stream, response, kNoThrow);
    if (write_ec) co_return;
    if (!keep_alive) {
      co_await linger(stream);
      co_return;
    }
  }
}

}  // namespace

Result<std::unique_ptr<LocalApiServer>> LocalApiServer::start(const Clock& clock,
                                                              LocalApiServerOptions options,
                                                              LocalEventHook on_event,
                                                              LocalInfo info) {
  auto server = std::make_unique<LocalApiServerImpl>(clock, std::move(options), std::move(on_event),
                                                     std::move(info));
  if (auto started = server->start(); !started) return started.error();
  return std::unique_ptr<LocalApiServer>(std::move(server));
}

}  // namespace worktrace::agent::local_api
