#pragma once

// Test support for the control channel: a small synchronous Beast WebSocket server on
// 127.0.0.1 that plays a script per connection on its own thread, and a ControlClient running
// on another thread that records its events. Only for *_test.cpp files.

#include "protocol/json_reader.hpp"
#include "uplink/control_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace worktrace::agent::uplink::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// Aborts the test binary when a test hangs, instead of blocking forever on a socket.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit)
      : thread_([this, limit] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "test hung for %lld s\n", static_cast<long long>(limit.count()));
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;  // guarded by mutex_
  std::thread thread_;
};

// Accepts `connections` connections one after another and hands each to `handler`; gives up
// when one does not arrive within 10 s. The handler's exceptions are recorded as failures.
class ScriptedServer {
 public:
  using Handler = std::function<void(tcp::socket socket, int connection_idx)>;

  ScriptedServer(int connections, Handler handler)
      : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        port_(acceptor_.local_endpoint().port()),
        thread_(
            [this, connections, handler = std::move(handler)] { serve(connections, handler); }) {}
  ~ScriptedServer() {
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }

  // Waits until every scripted connection is done; returns the failures ("" for none).
  [[nodiscard]] std::string join() {
    thread_.join();
    return failure_;
  }

 private:
  void serve(int connections, const Handler& handler) {
    acceptor_.non_blocking(true);
    for (int connection_idx = 0; connection_idx < connections; ++connection_idx) {
      tcp::socket socket(io_);
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      beast::error_code ec;
      while (acceptor_.accept(socket, ec), ec == net::error::would_block) {
        if (std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(2ms);
      }
      try {
        if (ec) throw beast::system_error(ec, "accept");
        handler(std::move(socket), connection_idx);
      } catch (const std::exception& error) {
        failure_ += "connection " + std::to_string(connection_idx) + ": " + error.what() + "\n";
      }
    }
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  const std::uint16_t port_;
  std::string failure_;  // written by thread_, read after join()
  std::thread thread_;
};

struct UpgradeSeen {
  std::string target;
  std::string authorization;
};

// Reads the upgrade request from the channel's next layer (connected, and past its TLS
// handshake if any) and accepts it.
template <class Channel>
void accept_upgrade(Channel& channel, UpgradeSeen& seen) {
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::read(channel.next_layer(), buffer, request);
  seen.target = std::string(request.target());
  seen.authorization = std::string(request[http::field::authorization]);
  channel.accept(request);
}

// Reads the upgrade request and answers it with `status` and a v1 error body.
inline void refuse_upgrade(tcp::socket socket, http::status status) {
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::read(socket, buffer, request);
  http::response<http::string_body> response(status, 11);
  response.set(http::field::content_type, "application/json");
  response.body() = R"({"error":{"code":"unauthenticated","message":"device revoked"}})";
  response.prepare_payload();
  http::write(socket, response);
}

template <class Channel>
boost::json::value read_json(Channel& channel) {
  beast::flat_buffer buffer;
  channel.read(buffer);
  auto parsed = protocol::parse_json(beast::buffers_to_string(buffer.data()));
  if (!parsed) throw std::runtime_error("agent sent bad JSON: " + parsed.error().message);
  return *parsed;
}

template <class Channel>
void send_text(Channel& channel, std::string_view text) {
  channel.text(true);
  channel.write(net::buffer(text));
}

// Reads until the agent's close frame arrives; returns its close code.
template <class Channel>
std::uint16_t read_until_close(Channel& channel) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    channel.read(buffer, ec);
    if (ec == websocket::error::closed) return channel.reason().code;
    if (ec) throw beast::system_error(ec, "waiting for the close");
    buffer.clear();
  }
}

inline constexpr std::string_view kWelcome =
    R"({"type":"welcome","device_id":9,"org_id":4,"server_version":"0.1.0"})";

inline protocol::DeviceInfo device_named(std::string hostname) {
  protocol::DeviceInfo device;
  device.hostname = std::move(hostname);
  device.agent_version = "0.1.0";
  device.cpu_cores = 2;
  return device;
}

inline protocol::DeviceInfo device_in(const boost::json::value& message) {
  auto root = protocol::ObjectReader::open(message);
  auto device = root->required_object("device");
  if (!device) throw std::runtime_error(device.error().message);
  auto info = protocol::read_device_info(*device);
  if (!info) throw std::runtime_error(info.error().message);
  return *info;
}

// Options for a client of 127.0.0.1:`port` under the path prefix "/wt", with short delays.
inline ControlOptions local_options(std::uint16_t port, std::string_view scheme = "http") {
  auto url = parse_server_url(std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + "/wt");
  if (!url) throw std::runtime_error(url.error().message);
  return ControlOptions{.url = *url,
                        .credential = "wtd_test",
                        .backoff = {.base = 50ms, .cap = 200ms, .reset_after = 30s},
                        .connect_timeout = 5s};
}

// Runs a ControlClient on its own thread and records its events.
class ClientRun {
 public:
  // `setup` runs on the client before run() starts (on_message, a first state message).
  ClientRun(ControlOptions options, ControlClient::CollectFn collect,
            const std::function<void(ControlClient&)>& setup = {})
      : client_(
            std::move(options), std::move(collect),
            [this](const ChannelEvent& event) {
              std::lock_guard lock(mutex_);
              events_.push_back(event);
              changed_.notify_all();
            },
            clock_),
        thread_([this, &setup] {
          if (setup) setup(client_);
          {
            std::lock_guard lock(mutex_);
            set_up_ = true;
          }
          changed_.notify_all();
          outcome_ = client_.run();
        }) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return set_up_; });
  }

  ControlClient& client() { return client_; }
  ~ClientRun() {
    client_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Waits until `count` events of `state` have been reported.
  bool wait_for(state::AgentState state, std::size_t count = 1,
                std::chrono::milliseconds limit = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      const auto seen =
          std::count_if(events_.begin(), events_.end(),
                        [&](const ChannelEvent& event) { return event.state == state; });
      return static_cast<std::size_t>(seen) >= count;
    });
  }

  // Stops the client (unless it already returned) and waits for run() to return.
  Result<RunOutcome> finish() {
    client_.stop();
    thread_.join();
    return outcome_;
  }

  std::vector<ChannelEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  SystemClock clock_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ChannelEvent> events_;  // guarded by mutex_
  bool set_up_ = false;               // guarded by mutex_
  ControlClient client_;
  Result<RunOutcome> outcome_ = fail(Errc::internal, "run() did not return");  // after join
  std::thread thread_;
};

inline std::vector<state::AgentState> states_of(const std::vector<ChannelEvent>& events) {
  std::vector<state::AgentState> states;
  for (const auto& event : events) states.push_back(event.state);
  return states;
}

}  // namespace worktrace::agent::uplink::testing
