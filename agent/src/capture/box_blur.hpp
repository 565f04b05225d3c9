#pragma once

#include "capture/frame.hpp"
#include "core/result.hpp"

namespace worktrace::agent::capture {

// The strongest blur accepted, in pixels.
inline constexpr int kMaxBlurRadius = 64;

// Blurs `frame` in place with a box filter of side 2*radius+1 (horizontal, then vertical;
// edges repeat the border pixel), so areas of one colour stay exactly that colour. Radius 0
// leaves the frame as it is. Errc::invalid_argument when the radius is outside
// 0..kMaxBlurRadius or the frame is not valid. Allocates a copy of the frame.
[[nodiscard]] Result<void> box_blur(const FrameView& frame, int radius);

}  // namespace worktrace::agent::capture
