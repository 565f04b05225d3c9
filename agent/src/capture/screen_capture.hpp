#pragma once

#include "capture/frame.hpp"
#include "collect/x11/x11_connection.hpp"
#include "core/result.hpp"

#include <X11/Xlib.h>
#include <X11/extensions/XShm.h>

#include <memory>

// Takes pictures of an X11 screen. Includes Xlib.h: keep this header out of headers that
// others include.
namespace worktrace::agent::capture {

// Copies the root window, or a rectangle of it (one monitor), into memory as BGRX. Uses
// MIT-SHM when the server offers it and shares memory with this process (a segment made once
// per size and reused); otherwise, or when a shared-memory read fails, plain XGetImage.
// Only 24/32-bit TrueColor screens with BGRX byte layout are supported, which is what Xorg
// and Xvfb use on little-endian machines. Not thread-safe; `connection` must outlive it.
class ScreenCapture {
 public:
  explicit ScreenCapture(collect::x11::Connection& connection);
  ~ScreenCapture();
  ScreenCapture(const ScreenCapture&) = delete;
  ScreenCapture& operator=(const ScreenCapture&) = delete;

  // The whole root window. The view stays valid until the next capture or this object's end.
  [[nodiscard]] Result<FrameView> capture();
  // `area` of the root window, clipped to it. Errc::invalid_argument when the clipped area is
  // empty or a side exceeds kMaxFrameSide; Errc::unavailable when the connection is lost, the
  // server refuses the read or the screen's pixel format is not BGRX.
  [[nodiscard]] Result<FrameView> capture(const Rect& area);

  // True while captures go through MIT-SHM.
  [[nodiscard]] bool uses_shared_memory() const { return shm_available_; }

 private:
  struct ImageDestroyer {
    void operator()(XImage* image) const;
  };
  using ImagePtr = std::unique_ptr<XImage, ImageDestroyer>;

  [[nodiscard]] Result<Rect> root_bounds() const;
  [[nodiscard]] bool ensure_shm_image(int width, int height);
  void release_shm_image();
  [[nodiscard]] Result<FrameView> view_of(const XImage& image) const;

  collect::x11::Connection& connection_;
  Visual* visual_ = nullptr;
  int depth_ = 0;
  bool shm_available_ = false;
  // The shared-memory image and its segment, made for one size.
  ImagePtr shm_image_;
  XShmSegmentInfo shm_info_{};
  bool shm_attached_ = false;
  // The last XGetImage result (fallback path).
  ImagePtr plain_image_;
};

}  // namespace worktrace::agent::capture
