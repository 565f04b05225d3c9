#include "capture/box_blur.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace worktrace::agent::capture {
namespace {

constexpr int kChannels = 3;  // B, G, R; the fourth byte is left alone

// One row: `to` gets the box average of `from` over [x - radius, x + radius], clamped.
void blur_row(const std::uint8_t* from, std::uint8_t* to, int width, int radius) {
  const int window = 2 * radius + 1;
  std::array<int, kChannels> sums{};
  for (int offset = -radius; offset <= radius; ++offset) {
    const std::uint8_t* pixel = from + std::clamp(offset, 0, width - 1) * kBytesPerPixel;
    for (int channel = 0; channel < kChannels; ++channel) sums[channel] += pixel[channel];
  }
  for (int x = 0; x < width; ++x) {
    std::uint8_t* out = to + x * kBytesPerPixel;
    for (int channel = 0; channel < kChannels; ++channel) {
      out[channel] = static_cast<std::uint8_t>((sums[channel] + window / 2) / window);
    }
    const std::uint8_t* leaving = from + std::max(x - radius, 0) * kBytesPerPixel;
    const std::uint8_t* entering = from + std::min(x + radius + 1, width - 1) * kBytesPerPixel;
    for (int channel = 0; channel < kChannels; ++channel) {
      sums[channel] += entering[channel] - leaving[channel];
    }
  }
}

}  // namespace

Result<void> box_blur(const FrameView& frame, int radius) {
  if (radius < 0 || radius > kMaxBlurRadius) {
    return fail(Errc::invalid_argument, "blur radius must be within 0..64");
  }
  if (!is_valid(frame)) return fail(Errc::invalid_argument, "not a valid frame");
  if (radius == 0) return {};

  const int width = frame.width;
  const int height = frame.height;
  const std::size_t row_bytes = static_cast<std::size_t>(width) * kBytesPerPixel;
  // Horizontal pass into a packed copy, vertical pass back into the frame.
  std::vector<std::uint8_t> rows(row_bytes * static_cast<std::size_t>(height));
  const auto copy_row = [&](int row_idx) { return rows.data() + row_bytes * row_idx; };
  for (int y = 0; y < height; ++y) {
    blur_row(frame.row(y), copy_row(y), width, radius);
  }

  const int window = 2 * radius + 1;
  std::vector<int> sums(static_cast<std::size_t>(width) * kChannels, 0);
  const auto add_row = [&](int row_idx, int sign) {
    const std::uint8_t* row = copy_row(std::clamp(row_idx, 0, height - 1));
    for (int x = 0; x < width; ++x) {
      for (int channel = 0; channel < kChannels; ++channel) {
        sums[x * kChannels + channel] += sign * row[x * kBytesPerPixel + channel];
      }
    }
  };
  for (int offset = -radius; offset <= radius; ++offset) add_row(offset, +1);
  for (int y = 0; y < height; ++y) {
    std::uint8_t* out = frame.row(y);
    for (int x = 0; x < width; ++x) {
      for (int channel = 0; channel < kChannels; ++channel) {
        out[x * kBytesPerPixel + channel] =
            static_cast<std::uint8_t>((sums[x * kChannels + channel] + window / 2) / window);
      }
    }
    add_row(y + radius + 1, +1);
    add_row(y - radius, -1);
  }
  return {};
}

}  // namespace worktrace::agent::capture
