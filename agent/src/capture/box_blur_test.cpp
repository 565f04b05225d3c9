#include "capture/box_blur.hpp"

#include "capture/testing/jpeg_decode.hpp"

#include <gtest/gtest.h>

namespace worktrace::agent::capture {
namespace {

using testing::distance;
using testing::fill;
using testing::Rgb;
using testing::rgb_at;

constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kTeal{10, 140, 200};

// Left half black, right half white: a sharp vertical edge at x = 32.
Frame edge_frame() {
  Frame frame(64, 48);
  fill(frame.view(), 0, 0, 32, 48, kBlack);
  fill(frame.view(), 32, 0, 32, 48, kWhite);
  return frame;
}

TEST(BoxBlurTest, SoftensASharpEdgeAndKeepsFlatAreas) {
  Frame frame = edge_frame();
  ASSERT_TRUE(box_blur(frame.view(), 4));
  const FrameView view = frame.view();
  // Next to the edge, grey in between.
  EXPECT_GT(rgb_at(view, 31, 20).red, 40);
  EXPECT_LT(rgb_at(view, 32, 20).red, 215);
  EXPECT_LT(rgb_at(view, 31, 20).red, rgb_at(view, 32, 20).red);
  // More than the radius away from the edge, including at the frame's border: unchanged.
  for (const int y : {0, 20, 47}) {
    EXPECT_EQ(distance(rgb_at(view, 0, y), kBlack), 0) << y;
    EXPECT_EQ(distance(rgb_at(view, 27, y), kBlack), 0) << y;
    EXPECT_EQ(distance(rgb_at(view, 36, y), kWhite), 0) << y;
    EXPECT_EQ(distance(rgb_at(view, 63, y), kWhite), 0) << y;
  }
}

TEST(BoxBlurTest, AFlatFrameStaysExactlyItsColour) {
  Frame frame(40, 30);
  fill(frame.view(), 0, 0, 40, 30, kTeal);
  ASSERT_TRUE(box_blur(frame.view(), kMaxBlurRadius));  // the radius exceeds the frame
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 40; ++x) ASSERT_EQ(distance(rgb_at(frame.view(), x, y), kTeal), 0);
  }
}

TEST(BoxBlurTest, RadiusZeroLeavesTheFrameAlone) {
  Frame frame = edge_frame();
  ASSERT_TRUE(box_blur(frame.view(), 0));
  EXPECT_EQ(distance(rgb_at(frame.view(), 31, 0), kBlack), 0);
  EXPECT_EQ(distance(rgb_at(frame.view(), 32, 0), kWhite), 0);
}

TEST(BoxBlurTest, RefusesABadRadiusOrFrame) {
  Frame frame = edge_frame();
  EXPECT_TRUE(box_blur(frame.view(), -1).error().is(Errc::invalid_argument));
  EXPECT_TRUE(box_blur(frame.view(), kMaxBlurRadius + 1).error().is(Errc::invalid_argument));
  EXPECT_TRUE(box_blur(FrameView{}, 2).error().is(Errc::invalid_argument));
  FrameView short_rows = frame.view();
  short_rows.stride_bytes = short_rows.width * kBytesPerPixel - 1;
  EXPECT_TRUE(box_blur(short_rows, 2).error().is(Errc::invalid_argument));
}

}  // namespace
}  // namespace worktrace::agent::capture
