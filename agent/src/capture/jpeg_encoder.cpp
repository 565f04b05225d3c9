#include "capture/jpeg_encoder.hpp"

#include <turbojpeg.h>

#include <string>

namespace worktrace::agent::capture {
namespace {

constexpr int kMaxDownscale = 8;
constexpr int kSubsampling = TJSAMP_420;

}  // namespace

void JpegEncoder::CompressorCloser::operator()(tjhandle handle) const { tjDestroy(handle); }

void JpegEncoder::BufferFree::operator()(unsigned char* buffer) const { tjFree(buffer); }

Result<JpegEncoder> JpegEncoder::create() {
  tjhandle handle = tjInitCompress();
  if (handle == nullptr) {
    return fail(Errc::internal, std::string("TurboJPEG: ") + tjGetErrorStr2(nullptr));
  }
  return JpegEncoder(CompressorPtr(handle));
}

void downscale_box(const FrameView& from, const FrameView& to, int factor) {
  const int area = factor * factor;
  for (int out_y = 0; out_y < to.height; ++out_y) {
    for (int out_x = 0; out_x < to.width; ++out_x) {
      int sums[3] = {0, 0, 0};
      for (int dy = 0; dy < factor; ++dy) {
        const std::uint8_t* in = from.pixel(out_x * factor, out_y * factor + dy);
        for (int dx = 0; dx < factor; ++dx, in += kBytesPerPixel) {
          sums[0] += in[0];
          sums[1] += in[1];
          sums[2] += in[2];
        }
      }
      std::uint8_t* out = to.pixel(out_x, out_y);
      for (int channel = 0; channel < 3; ++channel) {
        out[channel] = static_cast<std::uint8_t>((sums[channel] + area / 2) / area);
      }
      out[3] = 0;
    }
  }
}

Result<std::vector<std::uint8_t>> JpegEncoder::encode(const FrameView& frame,
                                                      const EncodeOptions& options) {
  if (options.quality < 1 || options.quality > 100) {
    return fail(Errc::invalid_argument, "JPEG quality must be within 1..100");
  }
  if (options.downscale < 1 || options.downscale > kMaxDownscale) {
    return fail(Errc::invalid_argument, "downscale must be within 1..8");
  }
  if (!is_valid(frame)) return fail(Errc::invalid_argument, "not a valid frame");
  if (frame.width < options.downscale || frame.height < options.downscale) {
    return fail(Errc::invalid_argument, "frame is smaller than the downscale");
  }

  FrameView source = frame;
  if (options.downscale > 1) {
    const int width = frame.width / options.downscale;
    const int height = frame.height / options.downscale;
    if (scaled_.width() != width || scaled_.height() != height) scaled_ = Frame(width, height);
    downscale_box(frame, scaled_.view(), options.downscale);
    source = scaled_.view();
  }

  // A buffer of the worst-case size, kept between calls, so TurboJPEG never reallocates.
  const unsigned long needed_bytes = tjBufSize(source.width, source.height, kSubsampling);
  if (needed_bytes == static_cast<unsigned long>(-1)) {
    return fail(Errc::internal, "TurboJPEG cannot size the buffer");
  }
  if (jpeg_capacity_bytes_ < needed_bytes) {
    jpeg_.reset(tjAlloc(static_cast<int>(needed_bytes)));
    if (!jpeg_) return fail(Errc::internal, "out of memory for the JPEG buffer");
    jpeg_capacity_bytes_ = needed_bytes;
  }
  unsigned char* jpeg = jpeg_.get();
  unsigned long jpeg_bytes = jpeg_capacity_bytes_;
  if (tjCompress2(compressor_.get(), source.data, source.width, source.stride_bytes, source.height,
                  TJPF_BGRX, &jpeg, &jpeg_bytes, kSubsampling, options.quality,
                  TJFLAG_NOREALLOC) != 0) {
    return fail(Errc::internal, std::string("TurboJPEG: ") + tjGetErrorStr2(compressor_.get()));
  }
  return std::vector<std::uint8_t>(jpeg, jpeg + jpeg_bytes);
}

}  // namespace worktrace::agent::capture
