#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

// Screen images as the capture code passes them around: BGRX, 4 bytes a pixel (blue first in
// memory, the fourth byte unused), rows `stride_bytes` apart.
namespace worktrace::agent::capture {

// The largest image accepted in either dimension, captured or encoded.
inline constexpr int kMaxFrameSide = 8192;
inline constexpr int kBytesPerPixel = 4;

// A rectangle of the screen, in pixels from the root window's top left corner.
struct Rect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// A view of BGRX pixels owned by someone else (a ScreenCapture, a Frame). Mutable so that
// box_blur can work in place.
struct FrameView {
  std::uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int stride_bytes = 0;

  [[nodiscard]] std::uint8_t* row(int row_idx) const {
    return data + static_cast<std::size_t>(row_idx) * static_cast<std::size_t>(stride_bytes);
  }
  [[nodiscard]] std::uint8_t* pixel(int x, int y) const { return row(y) + x * kBytesPerPixel; }
};

// True when `frame` has pixels, sides within 1..kMaxFrameSide and rows at least width*4 apart.
[[nodiscard]] bool is_valid(const FrameView& frame);

// An owned BGRX image with tightly packed rows.
class Frame {
 public:
  Frame() = default;
  // Zero-filled. Precondition: 0 <= width, height <= kMaxFrameSide.
  Frame(int width, int height);

  [[nodiscard]] FrameView view() {
    return {pixels_.data(), width_, height_, width_ * kBytesPerPixel};
  }
  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] int height() const { return height_; }

 private:
  std::vector<std::uint8_t> pixels_;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace worktrace::agent::capture
