#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "protocol/device_info.hpp"
#include "state/agent_status.hpp"
#include "uplink/backoff.hpp"
#include "uplink/server_url.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::agent::uplink {

struct ControlOptions {
  ServerUrl url{};
  std::string credential{};  // sent as "Authorization: Bearer <credential>"
  std::string ca_file{};     // empty: the system CAs
  // Base64 SHA-256 of the server's SubjectPublicKeyInfo pinned at enrolment; empty: none.
  std::string tls_pin_sha256{};
  std::chrono::milliseconds collect_interval{60'000};
  std::chrono::milliseconds state_interval{1'000};  // the least time between state messages
  BackoffPolicy backoff{};
  std::chrono::milliseconds connect_timeout{30'000};  // TCP, TLS and the upgrade
  std::chrono::milliseconds idle_timeout{60'000};     // pings after half of it, closes after it
  // On stop, how long the close handshake may take before the socket is simply closed.
  std::chrono::milliseconds close_timeout{1'500};
  bool stop_on_signals = false;  // SIGINT and SIGTERM call stop()
};

// A change of the channel's state.
struct ChannelEvent {
  state::AgentState state = state::AgentState::connecting;
  std::optional<EpochMs> connected_since;  // set while connected
  std::string last_error;                  // the failure that caused the latest reconnect
  std::optional<EpochMs> next_retry_at;    // set in backoff
};

// The binary messages (screenshot frames) of a client's lifetime.
struct BinaryStats {
  std::uint64_t sent = 0;     // written to a connection
  std::uint64_t dropped = 0;  // displaced from a full queue, or pending when a connection ended

  bool operator==(const BinaryStats&) const = default;
};

enum class RunOutcome {
  stopped,  // stop() or a signal; the channel was closed with 1000
  revoked,  // the server answered 401 to the upgrade: the credential is no longer valid
};

// The agent's control channel: a WebSocket (ws:// or wss://) to `/ws/agent` that stays open,
// says hello with the device info, re-sends the device info when `collect` returns something
// new, and reconnects with backoff when the connection drops. All its work happens on the
// thread that calls run(), including the calls to `collect` and `on_event`; stop() may be
// called from any thread.
class ControlClient {
 public:
  using CollectFn = std::function<protocol::DeviceInfo()>;
  using EventFn = std::function<void(const ChannelEvent&)>;
  // A server message other than welcome and error (`type` is checked, `text` the whole JSON).
  using MessageFn = std::function<void(std::string_view type, std::string_view text)>;

  // `clock` must outlive this client; it stamps the events.
  ControlClient(ControlOptions options, CollectFn collect, EventFn on_event, const Clock& clock);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Receives the server's other messages (config, screens, capture_now, ...) on run()'s
  // thread. Call before run().
  void on_message(MessageFn handler);

  // Sets the agent's current state message (`activity`): sent after `hello` on every
  // connection and whenever it changes, at most once per `state_interval`; only the latest
  // is kept. Thread-safe.
  void set_state_message(std::string message);

  // Queues a binary message (a screenshot frame) for the open connection; it is written on
  // run()'s thread between the text messages. At most kMaxPendingBinary wait: a further one
  // displaces the oldest, which counts as dropped. Messages still waiting when the connection
  // ends, or queued while no connection is being made, are dropped too (never kept for a later
  // connection, never written anywhere else). Thread-safe.
  void send_binary(std::string message);
  static constexpr std::size_t kMaxPendingBinary = 4;

  // Queues a text message (e.g. screenshot_refused) for the open connection, with the same
  // rules as send_binary and at most kMaxPendingText waiting. Thread-safe.
  void send_text(std::string message);
  static constexpr std::size_t kMaxPendingText = 16;

  // Receives the binary counts on run()'s thread after each write or drop. Call before run().
  void on_binary_stats(std::function<void(const BinaryStats&)> handler);
  // The counts so far. Thread-safe.
  [[nodiscard]] BinaryStats binary_stats() const;

  // Runs until stop(), a signal (when enabled) or revocation; call it once. Fails only when
  // TLS cannot be set up (an unreadable CA file), before connecting.
  [[nodiscard]] Result<RunOutcome> run();

  // Asks run() to close the channel cleanly and return. Thread-safe; a stop() before run()
  // makes run() return at once.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace worktrace::agent::uplink
