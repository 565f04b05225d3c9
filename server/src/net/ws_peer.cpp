#include "net/ws_peer.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

namespace worktrace::net {

namespace {
// RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code.
constexpr std::size_t kMaxCloseReasonBytes = 123;
// RFC 6455 close code 1013: try again later.
constexpr std::uint16_t kTryAgainLater = 1013;
}  // namespace

WsPeer::WsPeer(boost::asio::any_io_executor strand, std::size_t max_queued_frames, Metrics& metrics)
    : metrics_(metrics),
      max_queued_frames_(max_queued_frames == 0 ? 1 : max_queued_frames),
      strand_(std::move(strand)) {}

bool WsPeer::send(realtime::Frame frame) {
  std::optional<boost::asio::any_io_executor> wake_on;
  bool accepted = true;
  {
    const std::lock_guard lock(mutex_);
    if (!strand_ || close_requested_) return false;
    if (queue_.size() >= max_queued_frames_) {
      metrics_.frame_dropped();
      accepted = false;
      const auto oldest_droppable =
          std::find_if(queue_.begin(), queue_.end(),
                       [](const realtime::Frame& queued) { return queued.droppable; });
      if (oldest_droppable != queue_.end()) {
        queue_.erase(oldest_droppable);
      } else if (frame.droppable) {
        return false;  // everything queued matters more than this frame
      } else {
        // State the client must not miss would be lost: make it reconnect and reload.
        close_requested_ = true;
        close_code_ = kTryAgainLater;
        close_reason_ = "too slow: reconnect";
        queue_.clear();
      }
    }
    if (!close_requested_) queue_.push_back(std::move(frame));
    if (writer_waiting_) {
      writer_waiting_ = false;
      wake_on = strand_;
    }
  }
  if (wake_on) wake(std::move(*wake_on));
  return accepted;
}

void WsPeer::close(std::uint16_t code, std::string reason) {
  std::optional<boost::asio::any_io_executor> wake_on;
  {
    const std::lock_guard lock(mutex_);
    if (!strand_ || close_requested_) return;
    close_requested_ = true;
    close_code_ = code;
    if (reason.size() > kMaxCloseReasonBytes) reason.resize(kMaxCloseReasonBytes);
    close_reason_ = std::move(reason);
    queue_.clear();
    if (writer_waiting_) {
      writer_waiting_ = false;
      wake_on = strand_;
    }
  }
  if (wake_on) wake(std::move(*wake_on));
}

WsPeer::Job WsPeer::next() {
  const std::lock_guard lock(mutex_);
  Job job;
  if (!strand_) return job;  // stop
  if (close_requested_) {
    if (close_taken_) return job;
    close_taken_ = true;
    job.kind = Job::Kind::close;
    job.close_code = close_code_;
    job.close_reason = close_reason_;
    return job;
  }
  if (!queue_.empty()) {
    job.kind = Job::Kind::write;
    job.frame = std::move(queue_.front());
    queue_.pop_front();
    return job;
  }
  writer_waiting_ = true;
  job.kind = Job::Kind::wait;
  return job;
}

void WsPeer::finish() {
  {
    const std::lock_guard lock(mutex_);
    strand_.reset();
    queue_.clear();
    writer_waiting_ = false;
  }
  if (wake_timer_ != nullptr) wake_timer_->cancel();
  wake_timer_ = nullptr;
}

void WsPeer::wake(boost::asio::any_io_executor strand) {
  // Always a post, never inline: the writer that asked to wait has then certainly started
  // its wait when this runs.
  boost::asio::post(std::move(strand), [self = shared_from_this()] {
    if (self->wake_timer_ != nullptr) self->wake_timer_->cancel();
  });
}

}  // namespace worktrace::net
