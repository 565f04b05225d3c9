#include "capture/screenshot_service.hpp"

#include "capture/box_blur.hpp"
#include "capture/jpeg_encoder.hpp"
#include "capture/monitors.hpp"
#include "capture/screen_capture.hpp"
#include "capture/screenshot_schedule.hpp"
#include "collect/x11/x11_connection.hpp"
#include "protocol/screen_frame.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

namespace worktrace::agent::capture {
namespace {

std::optional<Refusal> refusal_for(const protocol::ScreenshotPolicy& policy, DeskState desk) {
  if (!policy.enabled) return Refusal::disabled;
  switch (desk) {
    case DeskState::active:
      return std::nullopt;
    case DeskState::idle:
      return Refusal::idle;
    case DeskState::paused:
      return Refusal::paused;
    case DeskState::off_hours:
      return Refusal::off_hours;
    case DeskState::no_display:
      return Refusal::no_display;
  }
  return Refusal::no_display;
}

}  // namespace

std::string_view refusal_name(Refusal refusal) noexcept {
  switch (refusal) {
    case Refusal::idle:
      return "idle";
    case Refusal::paused:
      return "paused";
    case Refusal::off_hours:
      return "off_hours";
    case Refusal::disabled:
      return "disabled";
    case Refusal::no_display:
      return "no_display";
    case Refusal::capture_failed:
      return "capture_failed";
    case Refusal::busy:
      return "busy";
  }
  return "capture_failed";
}

// Everything the thread uses to take a picture. Lives on the service's thread only.
struct ScreenshotService::Worker {
  explicit Worker(std::string display_name) : display(std::move(display_name)) {}

  // Captures every monitor and hands one frame per monitor to `sink`. nullopt when at least
  // one frame was sent, else why none was.
  std::optional<Refusal> shoot(const protocol::ScreenshotPolicy& policy,
                               protocol::CaptureReason reason, const std::string& request_id,
                               EpochMs taken_at, ScreenshotSink& sink);

  // The JPEG of `view` under `policy`. The blur runs after the downscale, on a quarter (or
  // less) of the pixels, with the radius divided by the scale: the result is blurred by about
  // blur_px pixels of the screen either way, at a fraction of the cost.
  Result<std::vector<std::uint8_t>> encode(const FrameView& view,
                                           const protocol::ScreenshotPolicy& policy);

  const std::string display;
  std::unique_ptr<collect::x11::Connection> connection;  // before `capture`, which uses it
  std::unique_ptr<ScreenCapture> capture;
  std::optional<JpegEncoder> encoder;
  Frame scaled;  // the downscaled frame when blurring
};

std::optional<Refusal> ScreenshotService::Worker::shoot(const protocol::ScreenshotPolicy& policy,
                                                        protocol::CaptureReason reason,
                                                        const std::string& request_id,
                                                        EpochMs taken_at, ScreenshotSink& sink) {
  if (!connection || connection->lost()) {
    capture.reset();
    connection = collect::x11::Connection::open(display);
    if (!connection) {
      spdlog::warn("screenshots: cannot open the X display \"{}\"", display);
      return Refusal::no_display;
    }
    capture = std::make_unique<ScreenCapture>(*connection);
  }
  if (!encoder) {
    auto made = JpegEncoder::create();
    if (!made) {
      spdlog::error("screenshots: {}", made.error().message);
      return Refusal::capture_failed;
    }
    encoder.emplace(std::move(*made));
  }
  const std::vector<Rect> monitors = list_monitors(*connection);
  const std::size_t count = std::max<std::size_t>(monitors.size(), 1);
  std::size_t sent = 0;
  for (std::size_t monitor_idx = 0; monitor_idx < count; ++monitor_idx) {
    Result<FrameView> view =
        monitors.empty() ? capture->capture() : capture->capture(monitors[monitor_idx]);
    if (!view) {
      spdlog::warn("screenshots: capture of monitor {} failed: {}", monitor_idx,
                   view.error().message);
      continue;
    }
    auto jpeg = encode(*view, policy);
    if (!jpeg) {
      spdlog::warn("screenshots: encoding monitor {} failed: {}", monitor_idx,
                   jpeg.error().message);
      continue;
    }
    const auto factor = static_cast<int>(policy.downscale);
    const protocol::ScreenFrameHeader header{.monitor = static_cast<int>(monitor_idx),
                                             .width = view->width / factor,
                                             .height = view->height / factor,
                                             .taken_at = taken_at,
                                             .reason = reason,
                                             .request_id = request_id};
    std::string message = protocol::encode_agent_frame(
        header, std::string_view(reinterpret_cast<const char*>(jpeg->data()), jpeg->size()));
    if (message.size() > protocol::kMaxScreenFrameBytes) {
      spdlog::warn("screenshots: monitor {} gives {} bytes, more than the server takes; skipped",
                   monitor_idx, message.size());
      continue;
    }
    spdlog::debug("screenshots: monitor {} {}x{}, {} bytes ({})", monitor_idx, header.width,
                  header.height, message.size(), protocol::capture_reason_name(reason));
    sink.send_frame(std::move(message));
    ++sent;
  }
  if (sent == 0) return connection->lost() ? Refusal::no_display : Refusal::capture_failed;
  return std::nullopt;
}

Result<std::vector<std::uint8_t>> ScreenshotService::Worker::encode(
    const FrameView& view, const protocol::ScreenshotPolicy& policy) {
  const auto quality = static_cast<int>(policy.quality);
  const auto factor = static_cast<int>(policy.downscale);
  if (policy.blur_px == 0) return encoder->encode(view, {.quality = quality, .downscale = factor});
  FrameView small = view;
  if (factor > 1) {
    const int width = view.width / factor;
    const int height = view.height / factor;
    if (width == 0 || height == 0) {
      return fail(Errc::invalid_argument, "the screen is smaller than the downscale");
    }
    if (scaled.width() != width || scaled.height() != height) scaled = Frame(width, height);
    downscale_box(view, scaled.view(), factor);
    small = scaled.view();
  }
  const int radius = std::max(1, static_cast<int>((policy.blur_px + factor / 2) / factor));
  if (auto blurred = box_blur(small, radius); !blurred) return blurred.error();
  return encoder->encode(small, {.quality = quality, .downscale = 1});
}

ScreenshotService::ScreenshotService(const Clock& clock, ScreenshotSink& sink,
                                     ScreenshotServiceOptions options)
    : clock_(clock), sink_(sink), options_(std::move(options)), thread_([this] { run(); }) {}

ScreenshotService::~ScreenshotService() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ScreenshotService::set_policy(const protocol::ScreenshotPolicy& policy) {
  {
    const std::lock_guard lock(mutex_);
    if (policy_ == policy) return;
    policy_ = policy;
    ++generation_;
  }
  changed_.notify_all();
}

void ScreenshotService::set_watching(bool watching) {
  {
    const std::lock_guard lock(mutex_);
    if (watching_ == watching) return;
    watching_ = watching;
    ++generation_;
  }
  changed_.notify_all();
}

void ScreenshotService::set_desk_state(DeskState state) {
  {
    const std::lock_guard lock(mutex_);
    if (desk_ == state) return;
    desk_ = state;
    ++generation_;
  }
  changed_.notify_all();
}

void ScreenshotService::capture_now(std::string request_id) {
  {
    std::unique_lock lock(mutex_);
    if (demands_.size() < kMaxPendingDemands) {
      demands_.push_back(std::move(request_id));
      ++generation_;
      lock.unlock();
      changed_.notify_all();
      return;
    }
  }
  sink_.send_refusal(request_id, Refusal::busy);
}

void ScreenshotService::recheck_clock() {
  {
    const std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

void ScreenshotService::run() {
  Worker worker(options_.display);
  std::mt19937_64 seeds(options_.seed);
  std::optional<ScreenshotSchedule> schedule;
  std::optional<EpochMs> due_at;          // the next scheduled moment, while shots are allowed
  std::optional<EpochMs> last_demand_at;  // the last demand served
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const protocol::ScreenshotPolicy policy = policy_;
    if (!schedule || schedule->interval_s() != policy.interval_s ||
        schedule->per_interval() != policy.per_interval) {
      schedule.emplace(policy.interval_s, policy.per_interval, seeds());
      due_at.reset();
    }
    const EpochMs now = clock_.now_ms();
    const bool scheduled = policy.enabled && watching_ && desk_ == DeskState::active;
    if (!scheduled) {
      due_at.reset();
    } else if (!due_at) {
      due_at = schedule->next_after(now);
    }
    // The schedule before demands: a demand queued after a change (of the clock, the state)
    // is answered after the schedule has seen that change.
    if (scheduled && now >= *due_at) {
      due_at = schedule->next_after(now);
      lock.unlock();
      if (const auto failed =
              worker.shoot(policy, protocol::CaptureReason::schedule, {}, now, sink_)) {
        spdlog::warn("screenshots: the scheduled capture failed ({})", refusal_name(*failed));
      }
      lock.lock();
      continue;
    }
    if (!demands_.empty()) {
      const std::string request_id = std::move(demands_.front());
      demands_.pop_front();
      std::optional<Refusal> refusal = refusal_for(policy, desk_);
      if (!refusal && last_demand_at && now >= *last_demand_at &&
          now - *last_demand_at < kMinDemandGapMs) {
        refusal = Refusal::busy;
      }
      lock.unlock();
      if (!refusal) {
        last_demand_at = now;
        refusal = worker.shoot(policy, protocol::CaptureReason::demand, request_id, now, sink_);
      }
      if (refusal) sink_.send_refusal(request_id, *refusal);
      lock.lock();
      continue;
    }
    const std::uint64_t seen = generation_;
    const auto changed = [&] { return stopping_ || generation_ != seen; };
    if (scheduled) {
      changed_.wait_for(lock, std::chrono::milliseconds(*due_at - now), changed);
    } else {
      changed_.wait(lock, changed);
    }
  }
}

}  // namespace worktrace::agent::capture
