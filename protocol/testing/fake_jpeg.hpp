#pragma once

#include <string>

namespace worktrace::protocol::testing {

// The smallest structure the screen frame checks accept (protocol::jpeg_dimensions): SOI, an
// APP0 segment, a frame header `sof` (C0 baseline, C2 progressive) of `width` x `height`, SOS,
// some data, EOI. Not a picture a decoder could show: for tests of code that never decodes.
inline std::string fake_jpeg(int width, int height, unsigned char sof = 0xc0) {
  std::string jpeg = "\xff\xd8";
  jpeg += std::string("\xff\xe0\x00\x04\x4a\x46", 6);
  jpeg += std::string("\xff") + static_cast<char>(sof);
  jpeg += std::string("\x00\x0b\x08", 3);
  jpeg.push_back(static_cast<char>(height >> 8));
  jpeg.push_back(static_cast<char>(height & 0xff));
  jpeg.push_back(static_cast<char>(width >> 8));
  jpeg.push_back(static_cast<char>(width & 0xff));
  jpeg += std::string("\x01\x01\x11\x00", 4);
  jpeg += std::string("\xff\xda\x00\x02", 4);
  jpeg += "scan data";
  jpeg += "\xff\xd9";
  return jpeg;
}

}  // namespace worktrace::protocol::testing
