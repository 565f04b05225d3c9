// gtest before Xlib: Xlib's None macro breaks gtest's own headers.
#include <gtest/gtest.h>

#include "capture/screen_capture.hpp"

#include "capture/box_blur.hpp"
#include "capture/jpeg_encoder.hpp"
#include "capture/testing/jpeg_decode.hpp"
#include "collect/x11/testing/xvfb_session.hpp"

#include <optional>

namespace worktrace::agent::capture {
namespace {

using collect::x11::Connection;
using collect::x11::testing::XvfbSession;
using testing::distance;
using testing::Rgb;
using testing::rgb_at;

constexpr int kScreenWidth = 1280;  // XvfbSession's screen
constexpr int kScreenHeight = 1024;
constexpr Rgb kRed{220, 30, 30};
constexpr Rgb kGreen{30, 200, 60};
constexpr Rgb kBlue{40, 60, 220};
constexpr Rgb kYellow{240, 220, 40};
constexpr int kJpegTolerance = 12;  // quality 90, flat areas

unsigned long pixel_of(const Rgb& colour) {  // TrueColor, 24 bits
  return (static_cast<unsigned long>(colour.red) << 16) |
         (static_cast<unsigned long>(colour.green) << 8) | static_cast<unsigned long>(colour.blue);
}

class ScreenCaptureTest : public ::testing::Test {
 protected:
  void start(XvfbSession::Options options) {
    session_.emplace(options);
    connection_ = Connection::open(session_->display());
    ASSERT_NE(connection_, nullptr);
  }

  void SetUp() override {
    WORKTRACE_REQUIRE_XVFB();
    start({.window_manager = false});
  }

  // Paints the root window in four quadrants, red green / blue yellow, and waits until the
  // server has drawn them.
  void draw_quadrants() {
    Display* display = connection_->display();
    GC gc = XCreateGC(display, connection_->root(), 0, nullptr);
    const int half_w = kScreenWidth / 2;
    const int half_h = kScreenHeight / 2;
    const struct {
      Rgb colour;
      int x, y;
    } quadrants[] = {
        {kRed, 0, 0}, {kGreen, half_w, 0}, {kBlue, 0, half_h}, {kYellow, half_w, half_h}};
    for (const auto& quadrant : quadrants) {
      XSetForeground(display, gc, pixel_of(quadrant.colour));
      XFillRectangle(display, connection_->root(), gc, quadrant.x, quadrant.y, half_w, half_h);
    }
    XFreeGC(display, gc);
    XSync(display, False);
  }

  static void expect_screen_quadrants(const FrameView& frame, int tolerance) {
    const int w = frame.width;
    const int h = frame.height;
    EXPECT_LE(distance(rgb_at(frame, w / 4, h / 4), kRed), tolerance);
    EXPECT_LE(distance(rgb_at(frame, 3 * w / 4, h / 4), kGreen), tolerance);
    EXPECT_LE(distance(rgb_at(frame, w / 4, 3 * h / 4), kBlue), tolerance);
    EXPECT_LE(distance(rgb_at(frame, 3 * w / 4, 3 * h / 4), kYellow), tolerance);
  }

  std::optional<XvfbSession> session_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(ScreenCaptureTest, CapturesTheRootWindowThroughSharedMemory) {
  draw_quadrants();
  ScreenCapture capture(*connection_);
  EXPECT_TRUE(capture.uses_shared_memory());
  Result<FrameView> frame = capture.capture();
  ASSERT_TRUE(frame) << frame.error().message;
  EXPECT_TRUE(capture.uses_shared_memory());
  ASSERT_EQ(frame->width, kScreenWidth);
  ASSERT_EQ(frame->height, kScreenHeight);
  // Exact, right up to the quadrant borders.
  EXPECT_EQ(distance(rgb_at(*frame, 0, 0), kRed), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 639, 511), kRed), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 640, 0), kGreen), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 1279, 511), kGreen), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 0, 512), kBlue), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 639, 1023), kBlue), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 640, 512), kYellow), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 1279, 1023), kYellow), 0);
}

TEST_F(ScreenCaptureTest, SeesWhatChangedSinceTheLastCaptureOfTheSameSize) {
  ScreenCapture capture(*connection_);
  ASSERT_TRUE(capture.capture());
  draw_quadrants();
  Result<FrameView> frame = capture.capture();
  ASSERT_TRUE(frame);
  expect_screen_quadrants(*frame, 0);
}

TEST_F(ScreenCaptureTest, CapturesAMonitorRectangleClippedToTheScreen) {
  draw_quadrants();
  ScreenCapture capture(*connection_);
  // Around the centre: one corner of each quadrant.
  Result<FrameView> centre = capture.capture(Rect{590, 462, 100, 100});
  ASSERT_TRUE(centre) << centre.error().message;
  ASSERT_EQ(centre->width, 100);
  ASSERT_EQ(centre->height, 100);
  expect_screen_quadrants(*centre, 0);
  EXPECT_EQ(distance(rgb_at(*centre, 49, 49), kRed), 0);
  EXPECT_EQ(distance(rgb_at(*centre, 50, 50), kYellow), 0);

  // A different size: a new segment. Reaching past the screen's corner: clipped.
  Result<FrameView> corner = capture.capture(Rect{1200, 1000, 200, 200});
  ASSERT_TRUE(corner) << corner.error().message;
  EXPECT_EQ(corner->width, 80);
  EXPECT_EQ(corner->height, 24);
  EXPECT_EQ(distance(rgb_at(*corner, 79, 23), kYellow), 0);
  EXPECT_TRUE(capture.uses_shared_memory());
}

TEST_F(ScreenCaptureTest, RefusesAnAreaOffTheScreenOrEmpty) {
  ScreenCapture capture(*connection_);
  for (const Rect& area : {Rect{2000, 0, 10, 10}, Rect{0, -50, 10, 50}, Rect{10, 10, 0, 5}}) {
    Result<FrameView> frame = capture.capture(area);
    ASSERT_FALSE(frame);
    EXPECT_TRUE(frame.error().is(Errc::invalid_argument)) << frame.error().message;
  }
}

TEST_F(ScreenCaptureTest, FallsBackToXGetImageWithoutSharedMemory) {
  start({.window_manager = false, .shared_memory = false});
  draw_quadrants();
  ScreenCapture capture(*connection_);
  EXPECT_FALSE(capture.uses_shared_memory());
  Result<FrameView> frame = capture.capture();
  ASSERT_TRUE(frame) << frame.error().message;
  ASSERT_EQ(frame->width, kScreenWidth);
  ASSERT_EQ(frame->height, kScreenHeight);
  expect_screen_quadrants(*frame, 0);
  Result<FrameView> part = capture.capture(Rect{600, 500, 80, 40});
  ASSERT_TRUE(part);
  EXPECT_EQ(distance(rgb_at(*part, 0, 0), kRed), 0);
  EXPECT_EQ(distance(rgb_at(*part, 79, 39), kYellow), 0);
}

TEST_F(ScreenCaptureTest, ReportsALostConnection) {
  ScreenCapture capture(*connection_);
  ASSERT_TRUE(capture.capture());
  session_->stop_server();
  Result<FrameView> frame = capture.capture();
  ASSERT_FALSE(frame);
  EXPECT_TRUE(frame.error().is(Errc::unavailable)) << frame.error().message;
  EXPECT_TRUE(connection_->lost());
}

TEST_F(ScreenCaptureTest, EncodesACaptureThatDecodesToTheDrawnColours) {
  draw_quadrants();
  ScreenCapture capture(*connection_);
  Result<FrameView> frame = capture.capture();
  ASSERT_TRUE(frame);
  Result<JpegEncoder> encoder = JpegEncoder::create();
  ASSERT_TRUE(encoder);

  Result<std::vector<std::uint8_t>> jpeg = encoder->encode(*frame, {.quality = 90});
  ASSERT_TRUE(jpeg) << jpeg.error().message;
  std::optional<Frame> decoded = testing::decode_jpeg(*jpeg);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->width(), kScreenWidth);
  EXPECT_EQ(decoded->height(), kScreenHeight);
  expect_screen_quadrants(decoded->view(), kJpegTolerance);

  Result<std::vector<std::uint8_t>> half = encoder->encode(*frame, {.quality = 90, .downscale = 2});
  ASSERT_TRUE(half);
  std::optional<Frame> half_decoded = testing::decode_jpeg(*half);
  ASSERT_TRUE(half_decoded);
  EXPECT_EQ(half_decoded->width(), kScreenWidth / 2);
  EXPECT_EQ(half_decoded->height(), kScreenHeight / 2);
  expect_screen_quadrants(half_decoded->view(), kJpegTolerance);
  EXPECT_LT(half->size(), jpeg->size());
}

TEST_F(ScreenCaptureTest, BlurSoftensTheQuadrantEdgesOnly) {
  draw_quadrants();
  ScreenCapture capture(*connection_);
  Result<FrameView> frame = capture.capture();
  ASSERT_TRUE(frame);
  ASSERT_TRUE(box_blur(*frame, 8));
  // Across the red/green edge at x = 640: both sides now mix the two colours.
  EXPECT_GT(distance(rgb_at(*frame, 639, 100), kRed), 40);
  EXPECT_GT(distance(rgb_at(*frame, 640, 100), kGreen), 40);
  // Far from any edge: exactly as drawn.
  expect_screen_quadrants(*frame, 0);
  EXPECT_EQ(distance(rgb_at(*frame, 0, 0), kRed), 0);
  EXPECT_EQ(distance(rgb_at(*frame, 630, 100), kRed), 0);
}

}  // namespace
}  // namespace worktrace::agent::capture
