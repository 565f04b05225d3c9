#include "capture/frame.hpp"

namespace worktrace::agent::capture {

bool is_valid(const FrameView& frame) {
  return frame.data != nullptr && frame.width >= 1 && frame.width <= kMaxFrameSide &&
         frame.height >= 1 && frame.height <= kMaxFrameSide &&
         frame.stride_bytes >= frame.width * kBytesPerPixel;
}

Frame::Frame(int width, int height)
    : pixels_(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * kBytesPerPixel),
      width_(width),
      height_(height) {}

}  // namespace worktrace::agent::capture
