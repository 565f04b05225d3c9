#include "capture/testing/jpeg_decode.hpp"

#include <turbojpeg.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace worktrace::agent::capture::testing {

std::optional<Frame> decode_jpeg(const std::vector<std::uint8_t>& jpeg) {
  const std::unique_ptr<void, int (*)(tjhandle)> decompressor(tjInitDecompress(), tjDestroy);
  if (!decompressor) return std::nullopt;
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colourspace = 0;
  if (tjDecompressHeader3(decompressor.get(), jpeg.data(), jpeg.size(), &width, &height,
                          &subsampling, &colourspace) != 0 ||
      width > kMaxFrameSide || height > kMaxFrameSide) {
    return std::nullopt;
  }
  Frame frame(width, height);
  const FrameView view = frame.view();
  if (tjDecompress2(decompressor.get(), jpeg.data(), jpeg.size(), view.data, width,
                    view.stride_bytes, height, TJPF_BGRX, 0) != 0) {
    return std::nullopt;
  }
  return frame;
}

Rgb rgb_at(const FrameView& frame, int x, int y) {
  const std::uint8_t* pixel = frame.pixel(x, y);
  return {pixel[2], pixel[1], pixel[0]};
}

int distance(const Rgb& a, const Rgb& b) {
  return std::max(
      {std::abs(a.red - b.red), std::abs(a.green - b.green), std::abs(a.blue - b.blue)});
}

void fill(const FrameView& frame, int x, int y, int width, int height, const Rgb& colour) {
  for (int row_idx = y; row_idx < y + height; ++row_idx) {
    for (int col_idx = x; col_idx < x + width; ++col_idx) {
      std::uint8_t* pixel = frame.pixel(col_idx, row_idx);
      pixel[0] = static_cast<std::uint8_t>(colour.blue);
      pixel[1] = static_cast<std::uint8_t>(colour.green);
      pixel[2] = static_cast<std::uint8_t>(colour.red);
      pixel[3] = 0;
    }
  }
}

}  // namespace worktrace::agent::capture::testing
