#pragma once

// Synchronous HTTP, raw TCP and WebSocket clients for the net tests. The Beast code lives in
// test_client.cpp so the test files themselves compile fast. Every read gives up after
// kClientTimeout, so a server that hangs fails a test instead of hanging it. I/O errors
// throw std::runtime_error (the test fails with the message).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace worktrace::net::testing {

inline constexpr std::chrono::seconds kClientTimeout{5};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = false;

  // The header's value, or empty.
  [[nodiscard]] std::string header(const std::string& name) const;
};

// TLS settings of a client: the server's certificate is verified against `ca_file`.
struct ClientTls {
  std::filesystem::path ca_file;
};

// An HTTP/1.1 client over one keep-alive connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::optional<ClientTls> tls = std::nullopt);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpReply request(const std::string& method, const std::string& target,
                    const Headers& headers = {}, const std::string& body = {});

  // Sends a request without reading the response (for requests in flight).
  void send(const std::string& method, const std::string& target, const Headers& headers = {},
            const std::string& body = {});
  // Reads one response.
  HttpReply receive();

  // True if the server closed the connection: the next read sees end of stream (or a reset).
  [[nodiscard]] bool closed_by_server();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A plain TCP connection to 127.0.0.1:port, for bytes that are not valid HTTP.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(std::string_view bytes);
  // Everything the server sends until it closes the connection (or kClientTimeout passes:
  // then throws).
  std::string read_until_close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A WebSocket client. Connecting performs the upgrade; a refusal is an HTTP response.
class WsClient {
 public:
  WsClient(std::uint16_t port, const std::string& target, const Headers& headers,
           std::optional<ClientTls> tls = std::nullopt);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  [[nodiscard]] bool connected() const;
  // The server's answer when the upgrade was refused (connected() is false).
  [[nodiscard]] const HttpReply& refusal() const;
  // The headers of the 101 response (lower-case names).
  [[nodiscard]] const std::map<std::string, std::string>& handshake_headers() const;

  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);

  struct Message {
    bool closed = false;           // the server closed the channel (or it broke)
    std::uint16_t close_code = 0;  // when closed cleanly
    bool binary = false;
    std::string data;
  };
  // The next message, or the close. Throws after kClientTimeout with nothing.
  Message read();
  // Starts and completes a normal close (1000).
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace worktrace::net::testing
