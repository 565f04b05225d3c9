#pragma once

#include "collect/sources.hpp"
#include "core/clock.hpp"

#include <mutex>
#include <optional>
#include <unordered_map>

// The arithmetic of input counting, apart from X so it can be tested alone. Nothing here ever
// receives which key was pressed: a key press is a call without arguments.
namespace worktrace::agent::collect::x11 {

// How one pointer device's valuators 0 (x) and 1 (y) report motion.
struct PointerAxes {
  enum class Kind {
    relative,  // deltas (mice, touchpads): already in screen pixels, after acceleration
    absolute,  // positions in [min, max] mapped onto the screen (tablets, VM pointers)
    // The XTEST pointer: a position in screen pixels (XTestFakeMotionEvent: remote desktops)
    // or a delta (XTestFakeRelativeMotionEvent); the event does not say which.
    xtest,
  };
  Kind kind = Kind::relative;
  // For `absolute`: the valuators' ranges. min >= max (no range) means screen pixels.
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
};

// The x and y valuators of one raw motion event, when present in it.
struct RawMotion {
  std::optional<double> x, y;
};

struct ScreenPoint {
  double x = 0, y = 0;
};

// Input counts since the last take. Thread-safe: the event loop adds, any thread takes.
class InputTally {
 public:
  // The size of the whole screen, onto which absolute devices map. Until set: 1x1.
  void set_screen_size(int width, int height);
  // A key press. Deliberately takes nothing: which key it was never reaches the tally.
  void add_key();
  // A press of X button `button`: 4..7 are scroll steps (wheel up, down, left, right), the
  // others clicks.
  void add_button(int button);
  // One raw motion event of the (slave) device `device_id`. Relative motion adds the length
  // of the delta. Absolute motion adds the distance from the device's previous position (the
  // first event of a device only sets it). XTEST motion is told apart by `pointer`, the
  // pointer's position right after the event: values equal to it are a position, others a
  // delta. Without `pointer` (unknown) it is read as the device's last XTEST motion was, at
  // first as a position.
  void add_motion(int device_id, const PointerAxes& axes, RawMotion motion,
                  std::optional<ScreenPoint> pointer = std::nullopt);
  // Forgets what it knows of the devices (the device list changed).
  void forget_devices();
  // The counts since the previous take, then zero. The distance is rounded to whole pixels;
  // the fractions carry over to the next take.
  [[nodiscard]] InputCounts take();

 private:
  struct Device {
    // The last position in screen pixels; an axis is unknown until it was reported.
    std::optional<double> x, y;
    bool xtest_deltas = false;  // its last XTEST motion was a delta
  };
  void add_absolute(Device& device, std::optional<double> x, std::optional<double> y);

  std::mutex mutex_;
  // Guarded by mutex_:
  InputCounts counts_;
  double distance_px_ = 0;  // not yet taken, with fractions
  int screen_width_ = 1;
  int screen_height_ = 1;
  std::unordered_map<int, Device> devices_;
};

// Paces CollectorSink::on_input: at most once a second while input goes on, the first input
// after a quiet second at once. Not thread-safe (the event loop's own).
class InputPacer {
 public:
  static constexpr EpochMs kIntervalMs = 1000;

  // Input happened at `now`. True: report it now. False: it is held until due().
  [[nodiscard]] bool input(EpochMs now);
  // When the held input is to be reported; nullopt when none is held.
  [[nodiscard]] std::optional<EpochMs> due() const;
  // At or after due(): the time of the latest held input, which counts as reported now.
  // nullopt when nothing is held or it is not due yet.
  [[nodiscard]] std::optional<EpochMs> take_due(EpochMs now);

 private:
  std::optional<EpochMs> last_report_;
  std::optional<EpochMs> held_;
};

}  // namespace worktrace::agent::collect::x11
