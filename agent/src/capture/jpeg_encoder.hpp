#pragma once

#include "capture/frame.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <memory>
#include <vector>

// TurboJPEG's handle type, without including turbojpeg.h here.
using tjhandle = void*;

namespace worktrace::agent::capture {

struct EncodeOptions {
  int quality = 80;   // 1..100
  int downscale = 1;  // 1: full size; n (2..8): each side divided by n, box-averaged first
};

// Encodes BGRX frames as baseline JPEG (4:2:0) with libjpeg-turbo's TurboJPEG API. Keeps its
// compressor and scratch buffers between calls. Not thread-safe: one encoder per thread.
class JpegEncoder {
 public:
  // Errc::internal when TurboJPEG cannot make a compressor.
  [[nodiscard]] static Result<JpegEncoder> create();

  // The JPEG bytes of `frame`, downscaled first when asked (the output is floor(width / n) by
  // floor(height / n)). Errc::invalid_argument for a quality outside 1..100, a downscale
  // outside 1..8, a frame that is not valid or smaller than the downscale; Errc::internal when
  // TurboJPEG fails.
  [[nodiscard]] Result<std::vector<std::uint8_t>> encode(const FrameView& frame,
                                                         const EncodeOptions& options);

 private:
  struct CompressorCloser {
    void operator()(tjhandle handle) const;
  };
  using CompressorPtr = std::unique_ptr<void, CompressorCloser>;
  struct BufferFree {
    void operator()(unsigned char* buffer) const;
  };

  explicit JpegEncoder(CompressorPtr compressor) : compressor_(std::move(compressor)) {}

  CompressorPtr compressor_;
  Frame scaled_;  // the downscaled frame of the last call
  std::unique_ptr<unsigned char, BufferFree> jpeg_;
  unsigned long jpeg_capacity_bytes_ = 0;
};

// Writes the box average of each `factor` x `factor` block of `from` into `to`, which must be
// floor(from.width / factor) by floor(from.height / factor).
void downscale_box(const FrameView& from, const FrameView& to, int factor);

}  // namespace worktrace::agent::capture
