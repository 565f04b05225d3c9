// The agent's screenshot costs on this machine: the capture (ScreenCapture: MIT-SHM, else
// XGetImage) of the whole screen of $DISPLAY and its encoding (JpegEncoder, TurboJPEG 4:2:0)
// at the organization's default quality and scale (protocol::ScreenshotPolicy), as the agent's
// screenshot service does them. bench/screenshot_usage.sh runs it on a 1920x1080 Xvfb showing
// an ordinary desktop. After --warmup rounds, --iterations rounds are timed one by one; prints
// one JSON object: {"capture_ms","encode_ms" (medians),"capture_p90_ms","encode_p90_ms","bytes"
// (median JPEG size),"width","height","quality","shared_memory","iterations"}. With --sample,
// the last JPEG is written there (the relay benchmark sends it).
//
// Usage: worktrace-bench-screenshot [--iterations 60] [--warmup 5] [--sample FILE]
#include "capture/jpeg_encoder.hpp"
#include "capture/screen_capture.hpp"
#include "collect/x11/x11_connection.hpp"
#include "protocol/screenshot_policy.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace capture = worktrace::agent::capture;

int die(const std::string& message) {
  std::fprintf(stderr, "worktrace-bench-screenshot: %s\n", message.c_str());
  return 1;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The value at `fraction` (0..1) of the sorted samples.
double quantile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  const auto index =
      static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[index];
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 60;
  int warmup = 5;
  std::string sample_path;
  int quality = 0;  // 0: the organization's default
  for (int arg_idx = 1; arg_idx + 1 < argc; arg_idx += 2) {
    const std::string_view name = argv[arg_idx];
    const std::string value = argv[arg_idx + 1];
    if (name == "--iterations")
      iterations = std::atoi(value.c_str());
    else if (name == "--warmup")
      warmup = std::atoi(value.c_str());
    else if (name == "--sample")
      sample_path = value;
    else if (name == "--quality")
      quality = std::atoi(value.c_str());
    else
      return die("unknown argument " + std::string(name));
  }
  if (argc % 2 == 0) return die("every option takes a value");
  if (iterations < 1 || iterations > 10'000 || warmup < 0 || warmup > 1'000 ||
      (quality != 0 && (quality < 10 || quality > 95))) {
    return die("--iterations: 1..10000, --warmup: 0..1000, --quality: 10..95");
  }

  auto connection = worktrace::agent::collect::x11::Connection::open("");
  if (!connection) return die("cannot open the display $DISPLAY");
  capture::ScreenCapture screen(*connection);
  auto encoder = capture::JpegEncoder::create();
  if (!encoder) return die(encoder.error().message);
  const worktrace::protocol::ScreenshotPolicy policy;  // the organization's defaults
  const capture::EncodeOptions options{.quality = quality != 0 ? quality : static_cast<int>(policy.quality),
                                       .downscale = static_cast<int>(policy.downscale)};

  std::vector<double> capture_ms;
  std::vector<double> encode_ms;
  std::vector<double> sizes;
  std::vector<std::uint8_t> last;
  int width = 0;
  int height = 0;
  for (int round = 0; round < warmup + iterations; ++round) {
    const auto captured_start = Clock::now();
    auto frame = screen.capture();
    const double captured = ms_since(captured_start);
    if (!frame) return die("capture: " + frame.error().message);
    const auto encode_start = Clock::now();
    auto jpeg = encoder->encode(*frame, options);
    const double encoded = ms_since(encode_start);
    if (!jpeg) return die("encode: " + jpeg.error().message);
    if (round < warmup) continue;
    capture_ms.push_back(captured);
    encode_ms.push_back(encoded);
    sizes.push_back(static_cast<double>(jpeg->size()));
    width = frame->width;
    height = frame->height;
    last = std::move(*jpeg);
  }
  if (!sample_path.empty()) {
    std::ofstream out(sample_path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(last.data()),
              static_cast<std::streamsize>(last.size()));
    if (!out) return die("cannot write " + sample_path);
  }
  std::printf(
      "{\"capture_ms\":%.3f,\"encode_ms\":%.3f,\"capture_p90_ms\":%.3f,\"encode_p90_ms\":%.3f,"
      "\"bytes\":%.0f,\"width\":%d,\"height\":%d,\"quality\":%d,\"shared_memory\":%s,"
      "\"iterations\":%d}\n",
      quantile(capture_ms, 0.5), quantile(encode_ms, 0.5), quantile(capture_ms, 0.9),
      quantile(encode_ms, 0.9), quantile(sizes, 0.5), width, height, options.quality,
      screen.uses_shared_memory() ? "true" : "false", iterations);
  return 0;
}
