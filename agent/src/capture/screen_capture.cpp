#include "capture/screen_capture.hpp"

#include <X11/Xutil.h>
#include <spdlog/spdlog.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>

namespace worktrace::agent::capture {

void ScreenCapture::ImageDestroyer::operator()(XImage* image) const { XDestroyImage(image); }

ScreenCapture::ScreenCapture(collect::x11::Connection& connection) : connection_(connection) {
  Display* display = connection_.display();
  const int screen = DefaultScreen(display);
  visual_ = DefaultVisual(display, screen);
  depth_ = DefaultDepth(display, screen);
  // XShmQueryExtension says nothing about whether the server can reach our memory (a remote
  // display cannot): the first XShmGetImage tells, and a failure switches to XGetImage.
  shm_available_ = !connection_.lost() && XShmQueryExtension(display) == True;
}

ScreenCapture::~ScreenCapture() { release_shm_image(); }

void ScreenCapture::release_shm_image() {
  if (!shm_image_) return;
  if (shm_attached_ && !connection_.lost()) {
    XShmDetach(connection_.display(), &shm_info_);
    XSync(connection_.display(), False);  // the server lets go before the memory goes
  }
  shm_attached_ = false;
  shm_image_->data = nullptr;  // shared memory, not Xlib's to free
  shm_image_.reset();
  if (shm_info_.shmaddr != nullptr) ::shmdt(shm_info_.shmaddr);
  shm_info_ = {};
}

bool ScreenCapture::ensure_shm_image(int width, int height) {
  if (shm_image_ && shm_image_->width == width && shm_image_->height == height) return true;
  release_shm_image();
  Display* display = connection_.display();
  shm_image_.reset(XShmCreateImage(display, visual_, static_cast<unsigned>(depth_), ZPixmap,
                                   nullptr, &shm_info_, static_cast<unsigned>(width),
                                   static_cast<unsigned>(height)));
  if (!shm_image_) return false;
  const auto size_bytes =
      static_cast<std::size_t>(shm_image_->bytes_per_line) * static_cast<std::size_t>(height);
  shm_info_.shmid = ::shmget(IPC_PRIVATE, size_bytes, IPC_CREAT | 0600);
  if (shm_info_.shmid < 0) {
    shm_image_.reset();
    return false;
  }
  void* address = ::shmat(shm_info_.shmid, nullptr, 0);
  if (address == reinterpret_cast<void*>(-1)) {
    ::shmctl(shm_info_.shmid, IPC_RMID, nullptr);
    shm_image_.reset();
    shm_info_ = {};
    return false;
  }
  shm_info_.shmaddr = static_cast<char*>(address);
  shm_image_->data = shm_info_.shmaddr;
  shm_info_.readOnly = False;
  shm_attached_ = XShmAttach(display, &shm_info_) != 0;
  XSync(display, False);
  // Marked for removal now: the segment goes when both sides have detached, even if we crash.
  ::shmctl(shm_info_.shmid, IPC_RMID, nullptr);
  if (!shm_attached_) {
    release_shm_image();
    return false;
  }
  return true;
}

Result<Rect> ScreenCapture::root_bounds() const {
  Window root_return = None;
  int x = 0;
  int y = 0;
  unsigned int width = 0;
  unsigned int height = 0;
  unsigned int border = 0;
  unsigned int depth = 0;
  if (XGetGeometry(connection_.display(), connection_.root(), &root_return, &x, &y, &width, &height,
                   &border, &depth) == 0) {
    return fail(Errc::unavailable, "cannot read the screen size");
  }
  return Rect{0, 0, static_cast<int>(width), static_cast<int>(height)};
}

Result<FrameView> ScreenCapture::view_of(const XImage& image) const {
  // BGRX in memory: 32 bits a pixel, least significant byte first, blue in the low byte.
  if (image.bits_per_pixel != 32 || image.byte_order != LSBFirst || image.red_mask != 0xff0000 ||
      image.green_mask != 0x00ff00 || image.blue_mask != 0x0000ff) {
    return fail(Errc::unavailable, "the screen's pixel format is not BGRX");
  }
  return FrameView{reinterpret_cast<std::uint8_t*>(image.data), image.width, image.height,
                   image.bytes_per_line};
}

Result<FrameView> ScreenCapture::capture() {
  if (connection_.lost()) return fail(Errc::unavailable, "the X connection is lost");
  Result<Rect> bounds = root_bounds();
  if (!bounds) return bounds.error();
  return capture(*bounds);
}

Result<FrameView> ScreenCapture::capture(const Rect& area) {
  if (connection_.lost()) return fail(Errc::unavailable, "the X connection is lost");
  Result<Rect> bounds = root_bounds();
  if (!bounds) return bounds.error();
  const int left = std::max(area.x, 0);
  const int top = std::max(area.y, 0);
  const int right = std::min(area.x + area.width, bounds->width);
  const int bottom = std::min(area.y + area.height, bounds->height);
  if (area.width <= 0 || area.height <= 0 || right <= left || bottom <= top) {
    return fail(Errc::invalid_argument, "the capture area is outside the screen");
  }
  const int width = right - left;
  const int height = bottom - top;
  if (width > kMaxFrameSide || height > kMaxFrameSide) {
    return fail(Errc::invalid_argument, "the capture area is larger than 8192x8192");
  }

  Display* display = connection_.display();
  if (shm_available_) {
    if (ensure_shm_image(width, height) &&
        XShmGetImage(display, connection_.root(), shm_image_.get(), left, top, AllPlanes) != 0) {
      return view_of(*shm_image_);
    }
    if (connection_.lost()) return fail(Errc::unavailable, "the X connection is lost");
    spdlog::info("screen capture: MIT-SHM failed, using XGetImage from now on");
    release_shm_image();
    shm_available_ = false;
  }
  plain_image_.reset(XGetImage(display, connection_.root(), left, top, static_cast<unsigned>(width),
                               static_cast<unsigned>(height), AllPlanes, ZPixmap));
  if (!plain_image_) return fail(Errc::unavailable, "the X server refused to read the screen");
  return view_of(*plain_image_);
}

}  // namespace worktrace::agent::capture
