#pragma once

// A real Server for the net tests: test routes, a real hub, small channel handlers, a web
// root with one file of each served type, all on 127.0.0.1 and a free port.

#include "api/router.hpp"
#include "net/server.hpp"
#include "net/test_client.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace worktrace::net::testing {

// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `contents` to `file`, creating its directories.
void write_file(const std::filesystem::path& file, const std::string& contents);

// Accepts `Authorization: Bearer good-device` as device 7 of org 1. Replies to text with
// {"type":"echo","text":...}; "bad..." gives an invalid_argument error and "boom" throws.
// Counts binary messages (and their bytes); a binary "bad..." gives an invalid_argument error.
class FakeAgents final : public realtime::AgentChannelHandler {
 public:
  static constexpr DeviceId kDeviceId = 7;
  Result<DevicePrincipal> authenticate(const api::Request& upgrade) override;
  std::vector<std::string> on_connected(const DevicePrincipal& device,
                                        const std::string& remote_ip) override;
  Result<std::optional<std::string>> on_text(const DevicePrincipal& device,
                                             std::string_view message) override;
  Result<void> on_binary(const DevicePrincipal& device, std::string_view message) override;
  void on_disconnected(const DevicePrincipal& device) override;

  std::atomic<int> connects{0};
  std::atomic<int> binary_messages{0};
  std::atomic<std::size_t> binary_bytes{0};
  std::atomic<int> disconnects{0};
  [[nodiscard]] std::string last_remote_ip() const;

 private:
  mutable std::mutex mutex_;
  std::string last_remote_ip_;  // guarded by mutex_
};

// Accepts the cookie wt_session=good as user 1 of org 1; answers {"type":"ping"} with pong
// and {"type":"whoami"} with {"type":"you","viewer_id":N}; counts disconnections.
class FakeViewers final : public realtime::ViewerChannelHandler {
 public:
  Result<Actor> authenticate(const api::Request& upgrade) override;
  std::string on_connected(const Actor& viewer) override;
  Result<std::optional<std::string>> on_text(const Actor& viewer, realtime::ViewerId viewer_id,
                                             std::string_view message) override;
  void on_disconnected(const Actor& viewer, realtime::ViewerId viewer_id) override;

  std::atomic<int> disconnects{0};
  std::atomic<realtime::ViewerId> last_disconnected{0};
};

// A Server running on its own thread. Routes:
//   GET|POST /api/v1/echo     -> what the handler saw (method, path, query, headers, body...)
//   GET /api/v1/items/{id}    -> {"id":...}
//   GET /api/v1/throw         -> throws
//   GET /api/v1/slow          -> sleeps kSlowDuration, then {"slow":true}
class TestServer {
 public:
  static constexpr std::chrono::milliseconds kSlowDuration{400};

  // Test defaults: port 0, no signal handling, the fixture's web root, short timeouts.
  [[nodiscard]] ServerOptions default_options() const;

  TestServer();
  // Stops the server (if running) and joins its thread.
  ~TestServer();

  // Starts with `options`; the test fails if start() fails.
  void start(ServerOptions options);
  void start() { start(default_options()); }
  // Calls Server::stop() and waits until run() returned; false if it did not within `limit`.
  bool stop_and_wait(std::chrono::milliseconds limit = std::chrono::seconds(10));
  // True once run() has returned.
  [[nodiscard]] bool stopped() const { return stopped_.load(); }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] Server& server() { return *server_; }
  [[nodiscard]] const std::filesystem::path& web_root() const { return web_root_; }
  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_.path(); }

  std::atomic<int> slow_started{0};
  api::Router router;
  realtime::Hub hub;
  FakeAgents agents;
  FakeViewers viewers;

 private:
  TempDir temp_;
  std::filesystem::path web_root_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

// Expects Server, the security headers, and Strict-Transport-Security exactly when `tls`.
void expect_standard_headers(const HttpReply& reply, bool tls = false);

// Expects a JSON error body {"error":{"code","message"}} with `status` and `code`.
void expect_error(const HttpReply& reply, int status, std::string_view code);

// Polls `condition` every few milliseconds; true as soon as it holds, false after `limit`.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace worktrace::net::testing
