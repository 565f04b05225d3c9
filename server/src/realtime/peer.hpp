#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace worktrace::realtime {

// A dashboard connection on this node, as numbered by the Hub (never 0).
using ViewerId = std::uint64_t;

// One WebSocket message to send. The payload is shared: a frame broadcast to many viewers
// is built once and never copied.
struct Frame {
  std::shared_ptr<const std::string> payload;
  bool binary = false;
  // A frame a newer one supersedes (a screenshot): a full queue may drop it. Other frames
  // (state changes) are never dropped: a peer that cannot keep up with them is closed, so
  // its client reconnects and reloads rather than showing a wrong state.
  bool droppable = false;
  // For a droppable frame: a non-zero key makes it replace a queued, not yet written droppable
  // frame with the same key (the newest of one stream wins, e.g. one monitor of one device).
  std::uint64_t replace_key = 0;

  [[nodiscard]] static Frame text(std::string body) {
    return {std::make_shared<const std::string>(std::move(body)), false};
  }
  // A droppable binary frame sharing `payload` (built once for every viewer).
  [[nodiscard]] static Frame shared_binary(std::shared_ptr<const std::string> payload,
                                           std::uint64_t replace_key) {
    return {std::move(payload), true, true, replace_key};
  }
};

// The sending side of one open WebSocket, implemented by net/. Thread-safe: any thread may
// call it. A peer whose connection has ended ignores calls.
class Peer {
 public:
  virtual ~Peer() = default;
  // Queues `frame` without blocking. The queue is bounded: when it is full the oldest
  // droppable frame makes room; with none, the peer is closed with 1013 (try again later).
  // A droppable frame with a replace_key takes the place of a queued one with the same key,
  // and the droppable bytes queued are capped (the oldest droppable frames go first).
  // Returns false when a frame was dropped, the peer was closed, or it has gone.
  virtual bool send(Frame frame) = 0;
  // Removes the queued, not yet written droppable frames that `match` accepts (e.g. the
  // screenshots of a viewing that ended) and returns how many. Frames already being written
  // are not recalled. `match` runs under the peer's lock: it must be quick and must not call
  // the peer. A peer without a queue of its own has nothing to drop (the default).
  virtual std::size_t drop_queued(const std::function<bool(const Frame&)>& /*match*/) {
    return 0;
  }
  // Starts a clean close with a WebSocket close code (RFC 6455, e.g. 1000, 1001, 1008) and a
  // reason of at most 123 bytes.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

}  // namespace worktrace::realtime
