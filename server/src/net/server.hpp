#pragma once

#include "api/router.hpp"
#include "core/result.hpp"
#include "realtime/channels.hpp"
#include "realtime/hub.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace worktrace::net {

struct TlsFiles {
  std::filesystem::path cert;  // PEM certificate chain, leaf first
  std::filesystem::path key;   // PEM private key of the leaf
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // IPv4 or IPv6 literal ("::1"), or a name resolving to one
  std::uint16_t port = 8080;       // 0 = pick a free port
  std::optional<TlsFiles> tls;     // set: HTTPS and WSS only
  std::filesystem::path web_root;  // built dashboard; empty = no static files
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  std::size_t agent_max_message_bytes = 1 << 20;
  std::size_t viewer_max_message_bytes = 64 << 10;
  std::size_t ws_send_queue_frames = 64;
  // Binary messages from agents (screen frames; protocol::kMaxScreenFrameBytes): a larger one
  // is read to its end, discarded and answered with a payload_too_large error; the channel
  // stays open. Dashboards may not send binary at all.
  std::size_t agent_max_binary_bytes = 4 << 20;
  // Per agent connection, for binary messages: a token bucket of `ws_binary_per_s` with bursts
  // of `ws_binary_burst`; over it the message is dropped with a rate_limited error (at most
  // one such error a second).
  double ws_binary_per_s = 4;
  double ws_binary_burst = 8;
  // Droppable bytes (screen frames) one connection may have queued; beyond it the oldest
  // droppable frames are dropped (and counted).
  std::size_t ws_screen_queue_bytes = 8 << 20;
  int io_threads = 1;
  int blocking_threads = 4;
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::chrono::milliseconds ws_ping_interval{20'000};
  std::chrono::milliseconds request_timeout{30'000};  // read of one request (slowloris guard)
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_ip = 256;  // one client cannot take every slot
  bool handle_signals = true;                // SIGINT/SIGTERM -> graceful stop
  // Plain HTTP on a non-loopback address, for a TLS-terminating proxy in front. Off: such an
  // address needs `tls`.
  bool allow_insecure_http = false;
  // Per client IP, for API requests and WebSocket upgrades (not static files or /healthz):
  // a token bucket of `api_rate_per_s` with bursts of `api_burst`; over it -> 429.
  double api_rate_per_s = 50;
  double api_burst = 200;
  // Per WebSocket connection, for messages from the client; over it the message is refused
  // with an `error` reply (code rate_limited) and the channel stays open.
  double ws_messages_per_s = 20;
  double ws_message_burst = 100;
};

// The HTTP/1.1 and WebSocket server: REST through the router, /ws/agent and /ws/dashboard
// through the channel handlers and the hub, /healthz, /metrics and the dashboard's static
// files. Plain HTTP is allowed on loopback addresses only; anything else needs `tls` (or
// `allow_insecure_http`, set only by an explicit operator choice).
//
// Lifetime: construct, start(), run() on one thread (it returns after stop()), destroy.
// stop() is the only member that other threads may call. Handlers run on a pool of
// `blocking_threads` threads, never on the `io_threads` network threads.
class Server {
 public:
  // All references must outlive the server. `router` is read-only from now on.
  Server(ServerOptions options, const api::Router& router, realtime::Hub& hub,
         realtime::AgentChannelHandler& agents, realtime::ViewerChannelHandler& viewers);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port. Errors: invalid options, a host that does not
  // resolve, plain HTTP on a non-loopback address, the address in use, unreadable or invalid
  // TLS files (the message names the file). Call once.
  [[nodiscard]] Result<std::uint16_t> start();

  // Serves until stop() or a signal, then drains and returns: no new connections, /healthz
  // answers 503, requests in flight finish (their responses say Connection: close), idle
  // connections are closed, WebSockets get 1001, and after at most `shutdown_timeout` the
  // rest is abandoned. Blocks the calling thread, which is one of the io threads. Returns at
  // once if start() did not succeed.
  void run();

  // Starts the graceful stop. Thread-safe; may be called from any thread, any number of
  // times, also before run().
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace worktrace::net
