// gtest before Xlib: Xlib's None macro breaks gtest's own headers.
#include <gtest/gtest.h>

#include "capture/screenshot_service.hpp"

#include "capture/monitors.hpp"
#include "capture/testing/jpeg_decode.hpp"
#include "collect/x11/testing/xvfb_session.hpp"
#include "collect/x11/x11_connection.hpp"
#include "protocol/screen_frame.hpp"

#include <X11/extensions/Xrandr.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

// The service against a real Xvfb, with a ManualClock for the schedule. Nothing here measures
// time: each step ends with a demand whose answer proves the service has seen everything
// before it (the service looks at the schedule before it answers a demand).
namespace worktrace::agent::capture {
namespace {

using collect::x11::Connection;
using collect::x11::testing::XvfbSession;
using protocol::CaptureReason;
using testing::distance;
using testing::Rgb;
using testing::rgb_at;

constexpr int kScreenWidth = 1280;  // XvfbSession's screen
constexpr int kScreenHeight = 1024;
constexpr Rgb kTeal{20, 160, 170};
constexpr Rgb kOrange{240, 140, 20};
constexpr int kJpegTolerance = 16;  // flat areas at quality 70
// A multiple of 60 s (2023-11-14 22:20:00 UTC).
constexpr EpochMs kStart = 1'699'999'200'000;

unsigned long pixel_of(const Rgb& colour) {  // TrueColor, 24 bits
  return (static_cast<unsigned long>(colour.red) << 16) |
         (static_cast<unsigned long>(colour.green) << 8) | static_cast<unsigned long>(colour.blue);
}

struct Output {
  std::optional<protocol::ScreenFrameHeader> frame{};  // set for frames
  std::string jpeg{};
  std::string refused_id;  // set for refusals
  Refusal reason = Refusal::busy;
};

// Records what the service sends. Thread-safe.
class RecordingSink final : public ScreenshotSink {
 public:
  void send_frame(std::string message) override {
    auto parsed = protocol::parse_agent_frame(message);
    Output output;
    if (parsed) {
      output.frame = parsed->header;
      output.jpeg = std::string(parsed->jpeg);
    } else {
      output.refused_id = "bad frame: " + parsed.error().message;
    }
    record(std::move(output));
  }
  void send_refusal(const std::string& request_id, Refusal reason) override {
    record(Output{.refused_id = request_id, .reason = reason});
  }

  // Waits until something answers `request_id` (a frame or a refusal); returns all outputs.
  std::vector<Output> wait_for(const std::string& request_id) {
    std::unique_lock lock(mutex_);
    const bool answered = changed_.wait_for(lock, std::chrono::seconds(30), [&] {
      return std::any_of(outputs_.begin(), outputs_.end(), [&](const Output& output) {
        return output.refused_id == request_id ||
               (output.frame && output.frame->request_id == request_id);
      });
    });
    EXPECT_TRUE(answered) << "no answer to " << request_id;
    return outputs_;
  }

 private:
  void record(Output output) {
    {
      const std::lock_guard lock(mutex_);
      outputs_.push_back(std::move(output));
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Output> outputs_;  // guarded by mutex_
};

std::size_t count_scheduled(const std::vector<Output>& outputs) {
  return static_cast<std::size_t>(
      std::count_if(outputs.begin(), outputs.end(), [](const Output& output) {
        return output.frame && output.frame->reason == CaptureReason::schedule;
      }));
}

std::optional<Refusal> refusal_of(const std::vector<Output>& outputs, const std::string& id) {
  for (const auto& output : outputs) {
    if (output.refused_id == id) return output.reason;
  }
  return std::nullopt;
}

std::vector<Output> frames_of(const std::vector<Output>& outputs, const std::string& id) {
  std::vector<Output> frames;
  for (const auto& output : outputs) {
    if (output.frame && output.frame->request_id == id) frames.push_back(output);
  }
  return frames;
}

class ScreenshotServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WORKTRACE_REQUIRE_XVFB();
    session_.emplace(XvfbSession::Options{.window_manager = false});
    drawing_ = Connection::open(session_->display());
    ASSERT_NE(drawing_, nullptr);
    service_.emplace(clock_, sink_,
                     ScreenshotServiceOptions{.display = session_->display(), .seed = 1234});
  }

  void TearDown() override { service_.reset(); }

  // Fills [x, x + width) x [y, y + height) of the root window and waits until it is drawn.
  void fill(int x, int y, int width, int height, const Rgb& colour) {
    Display* display = drawing_->display();
    GC gc = XCreateGC(display, drawing_->root(), 0, nullptr);
    XSetForeground(display, gc, pixel_of(colour));
    XFillRectangle(display, drawing_->root(), gc, x, y, static_cast<unsigned>(width),
                   static_cast<unsigned>(height));
    XFreeGC(display, gc);
    XSync(display, False);
  }

  // A demand with a fresh id, and everything the service sent until it was answered.
  std::vector<Output> demand(std::string* id_out = nullptr) {
    const std::string id = "request-" + std::to_string(1'000'000'000 + ++demands_);
    if (id_out != nullptr) *id_out = id;
    service_->capture_now(id);
    return sink_.wait_for(id);
  }

  ManualClock clock_{kStart};
  RecordingSink sink_;
  std::optional<XvfbSession> session_;
  std::unique_ptr<Connection> drawing_;
  std::optional<ScreenshotService> service_;
  int demands_ = 0;
};

TEST_F(ScreenshotServiceTest, ADemandIsAnsweredWithWhatIsOnTheScreen) {
  fill(0, 0, kScreenWidth, kScreenHeight, kTeal);
  fill(0, 0, 200, 100, kOrange);
  service_->set_desk_state(DeskState::active);  // nobody watching: demands are still served
  std::string id;
  const auto outputs = demand(&id);
  const auto frames = frames_of(outputs, id);
  ASSERT_EQ(frames.size(), 1U) << (outputs.empty() ? "" : outputs.front().refused_id);
  const auto& header = *frames[0].frame;
  EXPECT_EQ(header.monitor, 0);
  EXPECT_EQ(header.width, kScreenWidth);
  EXPECT_EQ(header.height, kScreenHeight);
  EXPECT_EQ(header.taken_at, kStart);
  EXPECT_EQ(header.reason, CaptureReason::demand);
  auto picture = testing::decode_jpeg({frames[0].jpeg.begin(), frames[0].jpeg.end()});
  ASSERT_TRUE(picture.has_value());
  ASSERT_EQ(picture->width(), kScreenWidth);
  const FrameView view = picture->view();
  EXPECT_LE(distance(rgb_at(view, 100, 50), kOrange), kJpegTolerance);
  EXPECT_LE(distance(rgb_at(view, 640, 512), kTeal), kJpegTolerance);
  EXPECT_LE(distance(rgb_at(view, 300, 50), kTeal), kJpegTolerance);
  EXPECT_EQ(count_scheduled(outputs), 0U);
}

TEST_F(ScreenshotServiceTest, DownscalesBlursAndEncodesAsThePolicySays) {
  fill(0, 0, kScreenWidth / 2, kScreenHeight, kTeal);
  fill(kScreenWidth / 2, 0, kScreenWidth / 2, kScreenHeight, kOrange);
  service_->set_policy({.quality = 90, .downscale = 2, .blur_px = 32});
  service_->set_desk_state(DeskState::active);
  std::string id;
  const auto frames = frames_of(demand(&id), id);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].frame->width, kScreenWidth / 2);
  EXPECT_EQ(frames[0].frame->height, kScreenHeight / 2);
  auto picture = testing::decode_jpeg({frames[0].jpeg.begin(), frames[0].jpeg.end()});
  ASSERT_TRUE(picture.has_value());
  const FrameView view = picture->view();
  ASSERT_EQ(view.width, kScreenWidth / 2);
  // Far from the edge the colours stay; at the edge (x = 320 of 640) they are mixed.
  EXPECT_LE(distance(rgb_at(view, 100, 256), kTeal), kJpegTolerance);
  EXPECT_LE(distance(rgb_at(view, 540, 256), kOrange), kJpegTolerance);
  const Rgb edge = rgb_at(view, 320, 256);
  EXPECT_GT(distance(edge, kTeal), 40);
  EXPECT_GT(distance(edge, kOrange), 40);
}

TEST_F(ScreenshotServiceTest, DemandsAreRefusedWithTheReason) {
  const struct {
    DeskState desk;
    Refusal reason;
  } cases[] = {{DeskState::no_display, Refusal::no_display},
               {DeskState::idle, Refusal::idle},
               {DeskState::paused, Refusal::paused},
               {DeskState::off_hours, Refusal::off_hours}};
  for (const auto& refusal_case : cases) {
    service_->set_desk_state(refusal_case.desk);
    clock_.advance(5'000);
    std::string id;
    const auto outputs = demand(&id);
    EXPECT_EQ(refusal_of(outputs, id), refusal_case.reason) << refusal_name(refusal_case.reason);
    EXPECT_TRUE(frames_of(outputs, id).empty());
  }
  service_->set_desk_state(DeskState::active);
  service_->set_policy({.enabled = false});
  clock_.advance(5'000);
  std::string id;
  const auto outputs = demand(&id);
  EXPECT_EQ(refusal_of(outputs, id), Refusal::disabled);
  for (const auto& output : outputs) EXPECT_FALSE(output.frame.has_value());
}

TEST_F(ScreenshotServiceTest, ASecondDemandWithinASecondIsBusy) {
  service_->set_desk_state(DeskState::active);
  std::string first;
  EXPECT_EQ(frames_of(demand(&first), first).size(), 1U);
  clock_.advance(999);
  std::string second;
  const auto outputs = demand(&second);
  EXPECT_EQ(refusal_of(outputs, second), Refusal::busy);
  EXPECT_TRUE(frames_of(outputs, second).empty());
  clock_.advance(1);
  std::string third;
  EXPECT_EQ(frames_of(demand(&third), third).size(), 1U);
}

TEST_F(ScreenshotServiceTest, ScheduledShotsOnlyWhileWatchingAndActive) {
  // Two shots per minute: parts [0, 30 s) and [30 s, 60 s) of each minute.
  service_->set_policy({.interval_s = 60, .per_interval = 2});
  service_->set_desk_state(DeskState::active);
  service_->set_watching(true);
  EXPECT_EQ(count_scheduled(demand()), 0U);  // the first moment lies after kStart

  clock_.set(kStart + 29'999);  // the end of the first part: its moment has come
  service_->recheck_clock();
  auto outputs = demand();
  ASSERT_EQ(count_scheduled(outputs), 1U);
  for (const auto& output : outputs) {
    if (output.frame && output.frame->reason == CaptureReason::schedule) {
      EXPECT_EQ(output.frame->taken_at, kStart + 29'999);
      EXPECT_TRUE(output.frame->request_id.empty());
    }
  }

  // Idle through the second part, then not watching through the next minute: nothing.
  service_->set_desk_state(DeskState::idle);
  clock_.set(kStart + 59'999);
  service_->recheck_clock();
  EXPECT_EQ(count_scheduled(demand()), 1U);
  service_->set_desk_state(DeskState::active);
  service_->set_watching(false);
  clock_.set(kStart + 119'999);
  service_->recheck_clock();
  EXPECT_EQ(count_scheduled(demand()), 1U);
  // Paused and off hours while watching: nothing either.
  service_->set_watching(true);
  for (const DeskState desk : {DeskState::paused, DeskState::off_hours, DeskState::no_display}) {
    service_->set_desk_state(desk);
    clock_.advance(60'000);
    service_->recheck_clock();
    EXPECT_EQ(count_scheduled(demand()), 1U);
  }

  // Watching and active again, from the start of a minute: one shot in each part.
  const EpochMs minute = kStart + 600'000;
  clock_.set(minute);
  service_->set_desk_state(DeskState::active);
  EXPECT_EQ(count_scheduled(demand()), 1U);
  clock_.set(minute + 29'999);
  service_->recheck_clock();
  EXPECT_EQ(count_scheduled(demand()), 2U);
  clock_.set(minute + 59'999);
  service_->recheck_clock();
  EXPECT_EQ(count_scheduled(demand()), 3U);

  // Disabled: nothing scheduled, demands refused.
  service_->set_policy({.enabled = false, .interval_s = 60, .per_interval = 2});
  clock_.set(minute + 179'999);
  service_->recheck_clock();
  std::string id;
  outputs = demand(&id);
  EXPECT_EQ(count_scheduled(outputs), 3U);
  EXPECT_EQ(refusal_of(outputs, id), Refusal::disabled);
}

TEST_F(ScreenshotServiceTest, EachMonitorIsAFrameOfItsOwn) {
  Display* display = drawing_->display();
  int event_base = 0;
  int error_base = 0;
  int major = 0;
  int minor = 0;
  if (!XRRQueryExtension(display, &event_base, &error_base) ||
      !XRRQueryVersion(display, &major, &minor) || major * 100 + minor < 105) {
    GTEST_SKIP() << "this Xvfb has no RandR 1.5";
  }
  // Two monitors side by side, as `xrandr --setmonitor` makes them.
  for (const auto& [name, x] : {std::pair{"WT-LEFT", 0}, std::pair{"WT-RIGHT", 640}}) {
    XRRMonitorInfo* monitor = XRRAllocateMonitor(display, 0);
    ASSERT_NE(monitor, nullptr);
    monitor->name = XInternAtom(display, name, False);
    monitor->x = x;
    monitor->y = 0;
    monitor->width = 640;
    monitor->height = kScreenHeight;
    monitor->mwidth = 170;
    monitor->mheight = 270;
    XRRSetMonitor(display, drawing_->root(), monitor);
    XRRFreeMonitors(monitor);
  }
  XSync(display, False);
  fill(0, 0, 640, kScreenHeight, kTeal);
  fill(640, 0, 640, kScreenHeight, kOrange);
  const std::vector<Rect> monitors = list_monitors(*drawing_);
  ASSERT_GE(monitors.size(), 2U);

  service_->set_desk_state(DeskState::active);
  std::string id;
  (void)demand(&id);
  const auto outputs = demand();  // busy, but proves every frame of the first is in
  const auto frames = frames_of(outputs, id);
  ASSERT_EQ(frames.size(), monitors.size());
  for (std::size_t monitor_idx = 0; monitor_idx < frames.size(); ++monitor_idx) {
    const auto& header = *frames[monitor_idx].frame;
    const Rect& monitor = monitors[monitor_idx];
    EXPECT_EQ(header.monitor, static_cast<int>(monitor_idx));
    EXPECT_EQ(header.width, monitor.width);
    EXPECT_EQ(header.height, monitor.height);
    if (monitor.width != 640) continue;  // the output's own monitor, if RandR lists it too
    auto picture =
        testing::decode_jpeg({frames[monitor_idx].jpeg.begin(), frames[monitor_idx].jpeg.end()});
    ASSERT_TRUE(picture.has_value());
    EXPECT_LE(distance(rgb_at(picture->view(), 320, 512), monitor.x == 0 ? kTeal : kOrange),
              kJpegTolerance);
  }
}

}  // namespace
}  // namespace worktrace::agent::capture
