#include "capture/jpeg_encoder.hpp"
#include "test_pattern.hpp"

#include <CLI/CLI.hpp>

// After CLI11: Xlib's macros (Status, Bool, ...) would break its declarations.
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <thread>

// worktrace-test-pattern: the known picture of the screenshot tests (tests/README.md).
//   window --geometry WxH+X+Y [--variant N]   maps an override-redirect window filled with the
//       pattern on $DISPLAY, checks that the screen shows it, prints one JSON line (the pattern,
//       "window" and its "x","y" on the screen) and keeps it drawn until killed.
//   jpeg --width W --height H [--quality Q] [--variant N]   writes the pattern as a JPEG to
//       stdout, encoded by the agent's JpegEncoder.
//   describe --width W --height H [--variant N]   prints the pattern's JSON.
// Exit status 1 with a message on stderr when something fails.
namespace {

using worktrace::test_tools::Pattern;

struct DisplayCloser {
  void operator()(Display* display) const { XCloseDisplay(display); }
};

int die(const std::string& message) {
  std::fprintf(stderr, "worktrace-test-pattern: %s\n", message.c_str());
  return 1;
}

void draw(Display* display, Window window, GC gc, const Pattern& pattern) {
  for (const auto* list : {&pattern.blocks, &pattern.strip}) {
    for (const auto& block : *list) {
      XSetForeground(display, gc, block.rgb);
      XFillRectangle(display, window, gc, block.x, block.y, static_cast<unsigned>(block.width),
                     static_cast<unsigned>(block.height));
    }
  }
  XSync(display, False);
}

// True when the root window shows every block's colour at its centre.
bool screen_shows(Display* display, const Pattern& pattern, int origin_x, int origin_y) {
  for (const auto& block : pattern.blocks) {
    XImage* image =
        XGetImage(display, DefaultRootWindow(display), origin_x + block.x + block.width / 2,
                  origin_y + block.y + block.height / 2, 1, 1, AllPlanes, ZPixmap);
    if (image == nullptr) return false;
    const unsigned long pixel = XGetPixel(image, 0, 0) & 0xFFFFFF;
    XDestroyImage(image);
    if (pixel != block.rgb) return false;
  }
  return true;
}

int run_window(const std::string& geometry, std::uint32_t variant) {
  std::smatch parts;
  static const std::regex kGeometry(R"((\d{1,4})x(\d{1,4})\+(\d{1,4})\+(\d{1,4}))");
  if (!std::regex_match(geometry, parts, kGeometry)) return die("--geometry: expected WxH+X+Y");
  const int width = std::stoi(parts[1]);
  const int height = std::stoi(parts[2]);
  const int x = std::stoi(parts[3]);
  const int y = std::stoi(parts[4]);
  if (width < worktrace::test_tools::kMinPatternWidth ||
      height < worktrace::test_tools::kMinPatternHeight) {
    return die("--geometry: the window is too small for the pattern");
  }
  std::unique_ptr<Display, DisplayCloser> display(XOpenDisplay(nullptr));
  if (!display) return die("cannot open the display $DISPLAY");
  Display* dpy = display.get();
  const int screen = DefaultScreen(dpy);
  if (DefaultDepth(dpy, screen) < 24) return die("the screen is not 24-bit TrueColor");

  const Pattern pattern = worktrace::test_tools::make_pattern(width, height, variant);
  XSetWindowAttributes attributes{};
  attributes.override_redirect = True;
  attributes.background_pixel = BlackPixel(dpy, screen);
  const Window window =
      XCreateWindow(dpy, DefaultRootWindow(dpy), x, y, static_cast<unsigned>(width),
                    static_cast<unsigned>(height), 0, CopyFromParent, InputOutput, CopyFromParent,
                    CWOverrideRedirect | CWBackPixel, &attributes);
  XStoreName(dpy, window, "worktrace-test-pattern");
  XSelectInput(dpy, window, ExposureMask | StructureNotifyMask);
  XMapRaised(dpy, window);
  GC gc = XCreateGC(dpy, window, 0, nullptr);

  for (XEvent event;;) {
    XNextEvent(dpy, &event);
    if (event.type == MapNotify) break;
  }
  // Drawn and visible: the root window shows it (bounded: 5 s).
  bool shown = false;
  for (int attempt = 0; attempt < 100 && !shown; ++attempt) {
    draw(dpy, window, gc, pattern);
    shown = screen_shows(dpy, pattern, x, y);
    if (!shown) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!shown) return die("the screen does not show the pattern (covered, or not TrueColor BGRX)");
  const std::string described = worktrace::test_tools::describe(pattern);
  std::printf("{\"window\":%lu,\"x\":%d,\"y\":%d,%s\n", static_cast<unsigned long>(window), x, y,
              described.c_str() + 1);
  std::fflush(stdout);

  for (XEvent event;;) {
    XNextEvent(dpy, &event);
    if (event.type == Expose && event.xexpose.count == 0) draw(dpy, window, gc, pattern);
  }
}

int run_jpeg(int width, int height, int quality, std::uint32_t variant) {
  if (width < worktrace::test_tools::kMinPatternWidth ||
      height < worktrace::test_tools::kMinPatternHeight ||
      width > worktrace::agent::capture::kMaxFrameSide ||
      height > worktrace::agent::capture::kMaxFrameSide) {
    return die("--width/--height: out of range for the pattern");
  }
  worktrace::agent::capture::Frame frame(width, height);
  worktrace::test_tools::paint(worktrace::test_tools::make_pattern(width, height, variant),
                               frame.view());
  auto encoder = worktrace::agent::capture::JpegEncoder::create();
  if (!encoder) return die(encoder.error().message);
  auto jpeg = encoder->encode(frame.view(), {.quality = quality, .downscale = 1});
  if (!jpeg) return die(jpeg.error().message);
  if (std::fwrite(jpeg->data(), 1, jpeg->size(), stdout) != jpeg->size() ||
      std::fflush(stdout) != 0) {
    return die("cannot write the JPEG to stdout");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("The known picture of the screenshot tests.", "worktrace-test-pattern");
  app.require_subcommand(1);
  std::string geometry;
  int width = 0;
  int height = 0;
  int quality = 70;
  std::uint32_t variant = 0;

  auto* window_cmd =
      app.add_subcommand("window", "Show the pattern in an override-redirect window.");
  window_cmd->add_option("--geometry", geometry, "WxH+X+Y")->required();
  window_cmd->add_option("--variant", variant, "Seed of the signature strip");

  auto* jpeg_cmd = app.add_subcommand("jpeg", "Write the pattern as a JPEG to stdout.");
  auto* describe_cmd = app.add_subcommand("describe", "Print the pattern's JSON.");
  for (auto* command : {jpeg_cmd, describe_cmd}) {
    command->add_option("--width", width, "Pixels")->required();
    command->add_option("--height", height, "Pixels")->required();
    command->add_option("--variant", variant, "Seed of the signature strip");
  }
  jpeg_cmd->add_option("--quality", quality, "JPEG quality 1..100")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (*window_cmd) return run_window(geometry, variant);
  if (*jpeg_cmd) return run_jpeg(width, height, quality, variant);
  if (width < worktrace::test_tools::kMinPatternWidth ||
      height < worktrace::test_tools::kMinPatternHeight ||
      width > worktrace::agent::capture::kMaxFrameSide ||
      height > worktrace::agent::capture::kMaxFrameSide) {
    return die("--width/--height: out of range for the pattern");
  }
  std::printf("%s\n", worktrace::test_tools::describe(
                          worktrace::test_tools::make_pattern(width, height, variant))
                          .c_str());
  return 0;
}
