#pragma once

#include "capture/frame.hpp"

#include <cstdint>
#include <string>
#include <vector>

// The test pattern of the screenshot tests: big solid colour blocks whose colours survive JPEG
// compression (the tests check them in the received image), above a strip of 16x16 cells of
// seeded colours that makes each variant's JPEG bytes distinctive (the never-stored scans look
// for a run of them).
namespace worktrace::test_tools {

struct Block {
  int x = 0;  // from the pattern's top left corner
  int y = 0;
  int width = 0;
  int height = 0;
  std::uint32_t rgb = 0;  // 0xRRGGBB
};

struct Pattern {
  int width = 0;
  int height = 0;
  std::vector<Block> blocks;  // 3 columns x 2 rows of solid colours over the top part
  std::vector<Block> strip;   // the signature cells along the bottom
};

// The smallest side the pattern is made for (each block and the strip keep at least 16 px).
inline constexpr int kMinPatternWidth = 48;
inline constexpr int kMinPatternHeight = 64;

// The pattern of `width` x `height` (at least kMinPatternWidth x kMinPatternHeight; at most
// capture::kMaxFrameSide) for `variant` (the strip's seed).
[[nodiscard]] Pattern make_pattern(int width, int height, std::uint32_t variant);

// Paints `pattern` into `frame` (BGRX, at least the pattern's size) at its top left corner.
void paint(const Pattern& pattern, const agent::capture::FrameView& frame);

// {"width","height","blocks":[{"x","y","width","height","rgb":"#rrggbb"}],"strip_cells":N}
[[nodiscard]] std::string describe(const Pattern& pattern);

}  // namespace worktrace::test_tools
