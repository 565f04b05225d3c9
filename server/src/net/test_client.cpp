#include "net/test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <stdexcept>
#include <variant>

namespace worktrace::net::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Runs asynchronous operations one at a time with a deadline: the tests' clients are
// synchronous, but a server that never answers must fail the test, not hang it.
template <class Operation>
void run_with_timeout(asio::io_context& io, Operation&& start) {
  boost::system::error_code result = asio::error::would_block;
  std::forward<Operation>(start)(
      [&result](const boost::system::error_code& ec, auto&&...) { result = ec; });
  io.restart();
  io.run_for(kClientTimeout + std::chrono::seconds(1));
  if (result == asio::error::would_block) throw std::runtime_error("client timed out");
  if (result) throw boost::system::system_error(result);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return text;
}

template <class Fields>
std::map<std::string, std::string> header_map(const Fields& fields) {
  std::map<std::string, std::string> headers;
  for (const auto& field : fields) {
    headers.emplace(lower(std::string(field.name_string())), std::string(field.value()));
  }
  return headers;
}

HttpReply reply_of(http::response<http::string_body>& response) {
  HttpReply reply;
  reply.status = static_cast<int>(response.result_int());
  reply.headers = header_map(response);
  reply.body = std::move(response.body());
  reply.keep_alive = response.keep_alive();
  return reply;
}

beast::tcp_stream connect_tcp(asio::io_context& io, std::uint16_t port) {
  beast::tcp_stream stream(io);
  stream.expires_after(kClientTimeout);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  return stream;
}

asio::ssl::context client_context(const ClientTls& tls) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(tls.ca_file.string());
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

// A plain or TLS stream with the operations the clients need, run with a deadline.
class Connection {
 public:
  Connection(std::uint16_t port, const std::optional<ClientTls>& tls) {
    if (!tls) {
      stream_.emplace<beast::tcp_stream>(connect_tcp(io_, port));
      return;
    }
    context_.emplace(client_context(*tls));
    auto& stream = stream_.emplace<TlsStream>(connect_tcp(io_, port), *context_);
    run_with_timeout(io_, [&](auto handler) {
      stream.async_handshake(asio::ssl::stream_base::client, handler);
    });
  }

  template <class Fn>
  void with_stream(Fn&& fn) {
    std::visit(
        [&](auto& stream) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(stream)>, std::monostate>) fn(stream);
        },
        stream_);
  }

  asio::io_context& io() { return io_; }

  template <class Fn>
  void run(Fn&& fn) {
    with_stream([&](auto& stream) {
      beast::get_lowest_layer(stream).expires_after(kClientTimeout);
      run_with_timeout(io_, [&](auto handler) { fn(stream, handler); });
    });
  }

  // Moves the stream out into a websocket stream (for WsClient).
  std::variant<std::monostate, beast::tcp_stream, TlsStream>& variant() { return stream_; }

 private:
  asio::io_context io_;
  std::optional<asio::ssl::context> context_;
  std::variant<std::monostate, beast::tcp_stream, TlsStream> stream_;
};

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const Headers& headers, const std::string& body) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") request.prepare_payload();
  return request;
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
  const auto found = headers.find(lower(name));
  return found == headers.end() ? std::string() : found->second;
}

struct HttpClient::Impl {
  Impl(std::uint16_t port, const std::optional<ClientTls>& tls) : connection(port, tls) {}
  Connection connection;
  beast::flat_buffer buffer;
  std::deque<bool> heads_in_flight;  // per request sent and not yet answered: was it HEAD
};

HttpClient::HttpClient(std::uint16_t port, std::optional<ClientTls> tls)
    : impl_(std::make_unique<Impl>(port, tls)) {}
HttpClient::~HttpClient() = default;

HttpReply HttpClient::request(const std::string& method, const std::string& target,
                              const Headers& headers, const std::string& body) {
  send(method, target, headers, body);
  return receive();
}

void HttpClient::send(const std::string& method, const std::string& target, const Headers& headers,
                      const std::string& body) {
  auto request = make_request(method, target, headers, body);
  impl_->heads_in_flight.push_back(method == "HEAD");
  impl_->connection.run(
      [&](auto& stream, auto handler) { http::async_write(stream, request, handler); });
}

HttpReply HttpClient::receive() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  if (!impl_->heads_in_flight.empty()) {
    parser.skip(impl_->heads_in_flight.front());
    impl_->heads_in_flight.pop_front();
  }
  impl_->connection.run([&](auto& stream, auto handler) {
    http::async_read(stream, impl_->buffer, parser, handler);
  });
  auto response = parser.release();
  return reply_of(response);
}

bool HttpClient::closed_by_server() {
  try {
    http::response_parser<http::string_body> parser;
    impl_->connection.run([&](auto& stream, auto handler) {
      http::async_read(stream, impl_->buffer, parser, handler);
    });
  } catch (const boost::system::system_error& error) {
    const auto ec = error.code();
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated;
  }
  return false;
}

struct RawConnection::Impl {
  explicit Impl(std::uint16_t port) : stream(connect_tcp(io, port)) {}
  asio::io_context io;
  beast::tcp_stream stream;
};

RawConnection::RawConnection(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) {}
RawConnection::~RawConnection() = default;

void RawConnection::send(std::string_view bytes) {
  impl_->stream.expires_after(kClientTimeout);
  run_with_timeout(impl_->io, [&](auto handler) {
    asio::async_write(impl_->stream, asio::buffer(bytes), handler);
  });
}

std::string RawConnection::read_until_close() {
  std::string received;
  std::array<char, 4096> chunk;
  const auto deadline = std::chrono::steady_clock::now() + kClientTimeout;
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("server did not close");
    std::size_t size = 0;
    boost::system::error_code result = asio::error::would_block;
    impl_->stream.expires_after(kClientTimeout);
    impl_->stream.async_read_some(asio::buffer(chunk),
                                  [&](const boost::system::error_code& ec, std::size_t n) {
                                    result = ec;
                                    size = n;
                                  });
    impl_->io.restart();
    impl_->io.run_for(kClientTimeout + std::chrono::seconds(1));
    received.append(chunk.data(), size);
    if (result == asio::error::eof || result == asio::error::connection_reset) return received;
    if (result == beast::error::timeout || result == asio::error::would_block) {
      throw std::runtime_error("server did not close");
    }
    if (result) throw boost::system::system_error(result);
  }
}

struct WsClient::Impl {
  asio::io_context io;
  std::optional<asio::ssl::context> context;
  std::variant<std::monostate, websocket::stream<beast::tcp_stream>, websocket::stream<TlsStream>>
      ws;
  beast::flat_buffer buffer;
  HttpReply refusal;
  std::map<std::string, std::string> handshake_headers;
  bool connected = false;

  template <class Fn>
  void run(Fn&& fn) {
    std::visit(
        [&](auto& ws_stream) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(ws_stream)>, std::monostate>) {
            run_with_timeout(io, [&](auto handler) { fn(ws_stream, handler); });
          } else {
            throw std::runtime_error("not connected");
          }
        },
        ws);
  }
};

WsClient::WsClient(std::uint16_t port, const std::string& target, const Headers& headers,
                   std::optional<ClientTls> tls)
    : impl_(std::make_unique<Impl>()) {
  if (tls) {
    impl_->context.emplace(client_context(*tls));
    auto& ws = impl_->ws.emplace<websocket::stream<TlsStream>>(connect_tcp(impl_->io, port),
                                                               *impl_->context);
    run_with_timeout(impl_->io, [&](auto handler) {
      ws.next_layer().async_handshake(asio::ssl::stream_base::client, handler);
    });
  } else {
    impl_->ws.emplace<websocket::stream<beast::tcp_stream>>(connect_tcp(impl_->io, port));
  }
  std::visit(
      [&](auto& ws) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(ws)>, std::monostate>) {
          beast::get_lowest_layer(ws).expires_never();
          ws.set_option(
              websocket::stream_base::decorator([&headers](websocket::request_type& request) {
                for (const auto& [name, value] : headers) request.set(name, value);
              }));
          websocket::response_type response;
          boost::system::error_code result = asio::error::would_block;
          ws.async_handshake(response, "127.0.0.1", target,
                             [&result](const boost::system::error_code& ec) { result = ec; });
          impl_->io.restart();
          impl_->io.run_for(kClientTimeout);
          if (result == asio::error::would_block) throw std::runtime_error("upgrade timed out");
          if (!result) {
            impl_->connected = true;
            impl_->handshake_headers = header_map(response);
            return;
          }
          if (result != websocket::error::upgrade_declined)
            throw boost::system::system_error(result);
          // Beast read the refusal's header and body (up to its limit) into `response`.
          impl_->refusal.status = static_cast<int>(response.result_int());
          impl_->refusal.headers = header_map(response);
          impl_->refusal.body = response.body();
        }
      },
      impl_->ws);
}
WsClient::~WsClient() = default;

bool WsClient::connected() const { return impl_->connected; }
const HttpReply& WsClient::refusal() const { return impl_->refusal; }
const std::map<std::string, std::string>& WsClient::handshake_headers() const {
  return impl_->handshake_headers;
}

void WsClient::send_text(const std::string& text) {
  impl_->run([&](auto& ws, auto handler) {
    ws.text(true);
    ws.async_write(asio::buffer(text), handler);
  });
}

void WsClient::send_binary(const std::string& bytes) {
  impl_->run([&](auto& ws, auto handler) {
    ws.binary(true);
    ws.async_write(asio::buffer(bytes), handler);
  });
}

WsClient::Message WsClient::read() {
  Message message;
  try {
    impl_->run([&](auto& ws, auto handler) { ws.async_read(impl_->buffer, handler); });
  } catch (const boost::system::system_error&) {
    message.closed = true;
    std::visit(
        [&](auto& ws) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(ws)>, std::monostate>) {
            message.close_code = static_cast<std::uint16_t>(ws.reason().code);
          }
        },
        impl_->ws);
    return message;
  }
  std::visit(
      [&](auto& ws) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(ws)>, std::monostate>)
          message.binary = ws.got_binary();
      },
      impl_->ws);
  message.data = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(impl_->buffer.size());
  return message;
}

void WsClient::close() {
  impl_->run(
      [&](auto& ws, auto handler) { ws.async_close(websocket::close_code::normal, handler); });
}

}  // namespace worktrace::net::testing
