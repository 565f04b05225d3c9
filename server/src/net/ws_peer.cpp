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

std::size_t payload_bytes(const realtime::Frame& frame) {
  return frame.payload ? frame.payload->size() : 0;
}
}  // namespace

WsPeer::WsPeer(boost::asio::any_io_executor strand, std::size_t max_queued_frames, Metrics& metrics,
               std::size_t max_droppable_bytes)
    : metrics_(metrics),
      max_queued_frames_(max_queued_frames == 0 ? 1 : max_queued_frames),
      max_droppable_bytes_(max_droppable_bytes),
      strand_(std::move(strand)) {}

bool WsPeer::send(realtime::Frame frame) {
  std::optional<boost::asio::any_io_executor> wake_on;
  bool accepted = true;
  {
    const std::lock_guard lock(mutex_);
    if (!strand_ || close_requested_) return false;
    if (frame.droppable) {
      accepted = queue_droppable(std::move(frame));
    } else {
      if (queue_.size() >= max_queued_frames_) {
        metrics_.frame_dropped();
        accepted = false;
        const auto oldest_droppable =
            std::find_if(queue_.begin(), queue_.end(),
                         [](const realtime::Frame& queued) { return queued.droppable; });
        if (oldest_droppable != queue_.end()) {
          erase_at(static_cast<std::size_t>(oldest_droppable - queue_.begin()));
        } else {
          // State the client must not miss would be lost: make it reconnect and reload.
          close_requested_ = true;
          close_code_ = kTryAgainLater;
          close_reason_ = "too slow: reconnect";
          queue_.clear();
          queued_droppable_bytes_ = 0;
        }
      }
      if (!close_requested_) queue_.push_back(std::move(frame));
    }
    if (writer_waiting_ && (close_requested_ || !queue_.empty())) {
      writer_waiting_ = false;
      wake_on = strand_;
    }
  }
  if (wake_on) wake(std::move(*wake_on));
  return accepted;
}

bool WsPeer::queue_droppable(realtime::Frame&& frame) {
  bool nothing_dropped = true;
  std::size_t keep = 0;  // the index of `frame` once queued: the byte cap never drops it
  const auto same_stream = std::find_if(queue_.begin(), queue_.end(), [&](const auto& queued) {
    return frame.replace_key != 0 && queued.droppable && queued.replace_key == frame.replace_key;
  });
  if (same_stream != queue_.end()) {
    queued_droppable_bytes_ =
        queued_droppable_bytes_ - payload_bytes(*same_stream) + payload_bytes(frame);
    *same_stream = std::move(frame);
    metrics_.frame_replaced();
    keep = static_cast<std::size_t>(same_stream - queue_.begin());
  } else {
    if (queue_.size() >= max_queued_frames_) {
      metrics_.frame_dropped();
      nothing_dropped = false;
      const auto oldest_droppable =
          std::find_if(queue_.begin(), queue_.end(),
                       [](const realtime::Frame& queued) { return queued.droppable; });
      // Everything queued matters more than this frame.
      if (oldest_droppable == queue_.end()) return false;
      erase_at(static_cast<std::size_t>(oldest_droppable - queue_.begin()));
    }
    queued_droppable_bytes_ += payload_bytes(frame);
    queue_.push_back(std::move(frame));
    keep = queue_.size() - 1;
  }
  while (queued_droppable_bytes_ > max_droppable_bytes_) {
    std::size_t oldest = 0;
    while (oldest < queue_.size() && (oldest == keep || !queue_[oldest].droppable)) ++oldest;
    if (oldest == queue_.size()) break;
    erase_at(oldest);
    if (oldest < keep) --keep;
    metrics_.frame_dropped();
    nothing_dropped = false;
  }
  return nothing_dropped;
}

std::size_t WsPeer::drop_queued(const std::function<bool(const realtime::Frame&)>& match) {
  const std::lock_guard lock(mutex_);
  std::size_t dropped = 0;
  for (std::size_t index = 0; index < queue_.size();) {
    if (queue_[index].droppable && match(queue_[index])) {
      erase_at(index);
      ++dropped;
    } else {
      ++index;
    }
  }
  return dropped;
}

void WsPeer::erase_at(std::size_t index) {
  if (queue_[index].droppable) queued_droppable_bytes_ -= payload_bytes(queue_[index]);
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(index));
}

bool WsPeer::closing() {
  const std::lock_guard lock(mutex_);
  return !strand_ || close_requested_;
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
    queued_droppable_bytes_ = 0;
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
    if (job.frame.droppable) queued_droppable_bytes_ -= payload_bytes(job.frame);
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
    queued_droppable_bytes_ = 0;
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
