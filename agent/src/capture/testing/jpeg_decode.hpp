#pragma once

#include "capture/frame.hpp"

#include <cstdint>
#include <optional>
#include <vector>

// Test support for capture: decoding what JpegEncoder made, and comparing colours.
namespace worktrace::agent::capture::testing {

// The BGRX pixels of `jpeg` (tjDecompress2); nullopt when it does not decode.
[[nodiscard]] std::optional<Frame> decode_jpeg(const std::vector<std::uint8_t>& jpeg);

// An RGB colour as X11 writes it into a TrueColor pixel (0xRRGGBB).
struct Rgb {
  int red = 0;
  int green = 0;
  int blue = 0;
};
[[nodiscard]] Rgb rgb_at(const FrameView& frame, int x, int y);
// The largest difference in any channel.
[[nodiscard]] int distance(const Rgb& a, const Rgb& b);
// Paints `colour` over [x, x + width) x [y, y + height) of `frame`.
void fill(const FrameView& frame, int x, int y, int width, int height, const Rgb& colour);

}  // namespace worktrace::agent::capture::testing
