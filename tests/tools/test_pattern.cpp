#include "test_pattern.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace worktrace::test_tools {
namespace {

// Far apart in every channel, and away from 0 and 255 so JPEG ringing cannot clip them.
constexpr std::array<std::uint32_t, 6> kBlockColours = {
    0xE02020,  // red
    0x20C040,  // green
    0x2040E0,  // blue
    0xF0D020,  // yellow
    0xC030C0,  // magenta
    0x20C0D0,  // cyan
};
constexpr int kColumns = 3;
constexpr int kRows = 2;
constexpr int kCellSide = 16;

// splitmix64: a fixed, well-mixed sequence per seed.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

void fill(const agent::capture::FrameView& frame, const Block& block) {
  const auto blue = static_cast<std::uint8_t>(block.rgb & 0xFF);
  const auto green = static_cast<std::uint8_t>((block.rgb >> 8) & 0xFF);
  const auto red = static_cast<std::uint8_t>((block.rgb >> 16) & 0xFF);
  for (int row = block.y; row < block.y + block.height; ++row) {
    std::uint8_t* out = frame.pixel(block.x, row);
    for (int col = 0; col < block.width; ++col, out += agent::capture::kBytesPerPixel) {
      out[0] = blue;
      out[1] = green;
      out[2] = red;
      out[3] = 0;
    }
  }
}

}  // namespace

Pattern make_pattern(int width, int height, std::uint32_t variant) {
  Pattern pattern;
  pattern.width = width;
  pattern.height = height;
  // The strip: an eighth of the height in whole cells, at least one row of them.
  const int strip_height = std::max(kCellSide, height / 8 / kCellSide * kCellSide);
  const int blocks_height = height - strip_height;
  for (int row = 0; row < kRows; ++row) {
    for (int col = 0; col < kColumns; ++col) {
      const int x0 = col * width / kColumns;
      const int x1 = (col + 1) * width / kColumns;
      const int y0 = row * blocks_height / kRows;
      const int y1 = (row + 1) * blocks_height / kRows;
      pattern.blocks.push_back({x0, y0, x1 - x0, y1 - y0, kBlockColours[row * kColumns + col]});
    }
  }
  std::uint64_t state = mix(0x5754'5041'5454'0000ULL + variant);  // "WTPATT" + variant
  for (int y = blocks_height; y < height; y += kCellSide) {
    for (int x = 0; x < width; x += kCellSide) {
      state = mix(state);
      pattern.strip.push_back({x, y, std::min(kCellSide, width - x),
                               std::min(kCellSide, height - y),
                               static_cast<std::uint32_t>(state & 0xFFFFFF)});
    }
  }
  return pattern;
}

void paint(const Pattern& pattern, const agent::capture::FrameView& frame) {
  for (const Block& block : pattern.blocks) fill(frame, block);
  for (const Block& cell : pattern.strip) fill(frame, cell);
}

std::string describe(const Pattern& pattern) {
  std::string blocks;
  for (const Block& block : pattern.blocks) {
    if (!blocks.empty()) blocks += ',';
    blocks += fmt::format(R"({{"x":{},"y":{},"width":{},"height":{},"rgb":"#{:06x}"}})", block.x,
                          block.y, block.width, block.height, block.rgb);
  }
  return fmt::format(R"({{"width":{},"height":{},"blocks":[{}],"strip_cells":{}}})", pattern.width,
                     pattern.height, blocks, pattern.strip.size());
}

}  // namespace worktrace::test_tools
