#pragma once

#include "net/metrics.hpp"
#include "realtime/peer.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace worktrace::net {

// The Peer of one WebSocket connection: a bounded outgoing queue that any thread fills and
// one writer coroutine on the connection's strand drains. When the queue is full the oldest
// droppable frame is dropped (and counted); with none to drop, the connection is closed with
// 1013 so its client reconnects and reloads. Either way a slow client never blocks a sender.
// Droppable frames (screenshots) also obey two more rules: one with a non-zero replace_key
// takes the place of a queued droppable frame with the same key (newest wins, counted as
// replaced), and the droppable bytes queued stay within `max_droppable_bytes` by dropping
// the oldest droppable frames (counted as dropped; the newest is always kept).
// A close request discards the queue; the writer then performs the close handshake.
//
// Thread safety: send() and close() from any thread; the writer-side methods (next,
// set_wake_timer, finish) on the connection's strand only. `metrics` must outlive the peer.
class WsPeer final : public realtime::Peer, public std::enable_shared_from_this<WsPeer> {
 public:
  static constexpr std::size_t kDefaultMaxDroppableBytes = 8 << 20;

  WsPeer(boost::asio::any_io_executor strand, std::size_t max_queued_frames, Metrics& metrics,
         std::size_t max_droppable_bytes = kDefaultMaxDroppableBytes);

  bool send(realtime::Frame frame) override;
  // Removes the queued droppable frames `match` accepts (not counted as dropped: nobody is
  // slow, the frames are no longer wanted). The frame being written is not recalled.
  std::size_t drop_queued(const std::function<bool(const realtime::Frame&)>& match) override;
  void close(std::uint16_t code, std::string reason) override;

  // True once a close was requested (or the connection ended): the channel's messages from
  // now on are ignored (a revoked device's frames are never relayed).
  [[nodiscard]] bool closing();

  // The writer's next job, taken off the queue.
  struct Job {
    enum class Kind { write, close, wait, stop };
    Kind kind = Kind::stop;
    realtime::Frame frame;         // for write
    std::uint16_t close_code = 0;  // for close
    std::string close_reason;      // for close
  };
  // Strand only. `wait`: nothing to do, wait on the wake timer (a send or close cancels it);
  // `stop`: the connection is over, end the writer.
  [[nodiscard]] Job next();

  // Strand only: the timer the writer waits on. Must stay valid until finish().
  void set_wake_timer(boost::asio::steady_timer* timer) noexcept { wake_timer_ = timer; }

  // Strand only: the connection has ended. Later sends are dropped, the writer is told to
  // stop, and the peer lets go of the strand (it may outlive the server in a hub's hands).
  void finish();

 private:
  // Posts a wake-up of the writer to the strand. Call without holding mutex_.
  void wake(boost::asio::any_io_executor strand);
  // Queues droppable `frame` by its replace_key, the frame limit and the byte cap; false when
  // a frame (it or an older one) was dropped. Requires mutex_.
  bool queue_droppable(realtime::Frame&& frame);
  // Removes queue_[index], keeping queued_droppable_bytes_. Requires mutex_.
  void erase_at(std::size_t index);

  Metrics& metrics_;
  const std::size_t max_queued_frames_;
  const std::size_t max_droppable_bytes_;
  boost::asio::steady_timer* wake_timer_ = nullptr;  // strand only

  std::mutex mutex_;
  // Guarded by mutex_:
  std::optional<boost::asio::any_io_executor> strand_;  // reset by finish()
  std::deque<realtime::Frame> queue_;
  std::size_t queued_droppable_bytes_ = 0;  // payload bytes of the droppable frames in queue_
  bool writer_waiting_ = false;
  bool close_requested_ = false;
  bool close_taken_ = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
};

}  // namespace worktrace::net
