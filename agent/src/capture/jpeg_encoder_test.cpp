#include "capture/jpeg_encoder.hpp"

#include "capture/testing/jpeg_decode.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace worktrace::agent::capture {
namespace {

using testing::decode_jpeg;
using testing::distance;
using testing::fill;
using testing::Rgb;
using testing::rgb_at;

constexpr Rgb kRed{220, 30, 30};
constexpr Rgb kGreen{30, 200, 60};
constexpr Rgb kBlue{40, 60, 220};
constexpr Rgb kYellow{240, 220, 40};
// JPEG at quality 90 (4:2:0) stays within this of a flat area's colour.
constexpr int kTolerance = 12;

// Four quadrants of distinct colours.
Frame quadrants(int width, int height) {
  Frame frame(width, height);
  fill(frame.view(), 0, 0, width / 2, height / 2, kRed);
  fill(frame.view(), width / 2, 0, width - width / 2, height / 2, kGreen);
  fill(frame.view(), 0, height / 2, width / 2, height - height / 2, kBlue);
  fill(frame.view(), width / 2, height / 2, width - width / 2, height - height / 2, kYellow);
  return frame;
}

void expect_quadrants(const FrameView& frame) {
  const int w = frame.width;
  const int h = frame.height;
  EXPECT_LE(distance(rgb_at(frame, w / 4, h / 4), kRed), kTolerance);
  EXPECT_LE(distance(rgb_at(frame, 3 * w / 4, h / 4), kGreen), kTolerance);
  EXPECT_LE(distance(rgb_at(frame, w / 4, 3 * h / 4), kBlue), kTolerance);
  EXPECT_LE(distance(rgb_at(frame, 3 * w / 4, 3 * h / 4), kYellow), kTolerance);
}

TEST(JpegEncoderTest, EncodesAFrameThatDecodesToItsColours) {
  Result<JpegEncoder> encoder = JpegEncoder::create();
  ASSERT_TRUE(encoder);
  Frame frame = quadrants(320, 240);
  Result<std::vector<std::uint8_t>> jpeg = encoder->encode(frame.view(), {.quality = 90});
  ASSERT_TRUE(jpeg) << jpeg.error().message;
  ASSERT_GE(jpeg->size(), 4U);
  EXPECT_EQ((*jpeg)[0], 0xFF);  // SOI
  EXPECT_EQ((*jpeg)[1], 0xD8);
  std::optional<Frame> decoded = decode_jpeg(*jpeg);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->width(), 320);
  EXPECT_EQ(decoded->height(), 240);
  expect_quadrants(decoded->view());
}

TEST(JpegEncoderTest, DownscaleDividesEachSideAndAveragesBlocks) {
  Result<JpegEncoder> encoder = JpegEncoder::create();
  ASSERT_TRUE(encoder);
  Frame frame = quadrants(321, 241);  // odd sides: the last row and column are dropped
  for (const int factor : {2, 4}) {
    Result<std::vector<std::uint8_t>> jpeg =
        encoder->encode(frame.view(), {.quality = 90, .downscale = factor});
    ASSERT_TRUE(jpeg) << jpeg.error().message;
    std::optional<Frame> decoded = decode_jpeg(*jpeg);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->width(), 321 / factor);
    EXPECT_EQ(decoded->height(), 241 / factor);
    expect_quadrants(decoded->view());
  }
}

TEST(JpegEncoderTest, BoxDownscaleAveragesEachBlock) {
  Frame from(4, 2);
  fill(from.view(), 0, 0, 1, 2, {0, 0, 0});
  fill(from.view(), 1, 0, 1, 2, {200, 100, 50});
  fill(from.view(), 2, 0, 2, 2, {9, 9, 9});
  Frame to(2, 1);
  downscale_box(from.view(), to.view(), 2);
  EXPECT_EQ(distance(rgb_at(to.view(), 0, 0), {100, 50, 25}), 0);
  EXPECT_EQ(distance(rgb_at(to.view(), 1, 0), {9, 9, 9}), 0);
}

TEST(JpegEncoderTest, LowerQualityMakesFewerBytes) {
  Result<JpegEncoder> encoder = JpegEncoder::create();
  ASSERT_TRUE(encoder);
  Frame frame(256, 256);
  for (int y = 0; y < 256; ++y) {  // a gradient: something for the quantiser to drop
    for (int x = 0; x < 256; ++x) fill(frame.view(), x, y, 1, 1, {x, y, (x * y) % 256});
  }
  Result<std::vector<std::uint8_t>> high = encoder->encode(frame.view(), {.quality = 95});
  Result<std::vector<std::uint8_t>> low = encoder->encode(frame.view(), {.quality = 10});
  ASSERT_TRUE(high);
  ASSERT_TRUE(low);
  EXPECT_LT(low->size(), high->size());
}

TEST(JpegEncoderTest, RefusesBadOptionsAndFrames) {
  Result<JpegEncoder> encoder = JpegEncoder::create();
  ASSERT_TRUE(encoder);
  Frame frame = quadrants(16, 16);
  const auto refused = [&](const FrameView& view, EncodeOptions options) {
    Result<std::vector<std::uint8_t>> jpeg = encoder->encode(view, options);
    return !jpeg && jpeg.error().is(Errc::invalid_argument);
  };
  EXPECT_TRUE(refused(frame.view(), {.quality = 0}));
  EXPECT_TRUE(refused(frame.view(), {.quality = 101}));
  EXPECT_TRUE(refused(frame.view(), {.quality = 80, .downscale = 0}));
  EXPECT_TRUE(refused(frame.view(), {.quality = 80, .downscale = 9}));
  EXPECT_TRUE(refused(FrameView{}, {}));
  FrameView too_wide = frame.view();
  too_wide.width = kMaxFrameSide + 1;
  too_wide.stride_bytes = too_wide.width * kBytesPerPixel;
  EXPECT_TRUE(refused(too_wide, {}));
  Frame tiny(3, 3);
  EXPECT_TRUE(refused(tiny.view(), {.quality = 80, .downscale = 4}));
  EXPECT_TRUE(encoder->encode(tiny.view(), {.quality = 80, .downscale = 3}));
}

}  // namespace
}  // namespace worktrace::agent::capture
