#include "collect/x11/input_tally.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace worktrace::agent::collect::x11 {
namespace {

// A valuator value of an absolute axis in screen pixels, as the X server maps it: [min, max]
// onto [0, size - 1].
double to_screen(double value, double min, double max, int size) {
  if (min >= max) return value;
  return (value - min) * (size - 1) / (max - min);
}

bool near(double a, double b) { return std::abs(a - b) < 0.5; }

}  // namespace

void InputTally::set_screen_size(int width, int height) {
  const std::lock_guard lock(mutex_);
  screen_width_ = std::max(width, 1);
  screen_height_ = std::max(height, 1);
}

void InputTally::add_key() {
  const std::lock_guard lock(mutex_);
  ++counts_.keys;
}

void InputTally::add_button(int button) {
  const std::lock_guard lock(mutex_);
  if (button >= 4 && button <= 7) {
    ++counts_.scrolls;
  } else {
    ++counts_.clicks;
  }
}

void InputTally::add_motion(int device_id, const PointerAxes& axes, RawMotion motion,
                            std::optional<ScreenPoint> pointer) {
  const std::lock_guard lock(mutex_);
  Device& device = devices_[device_id];
  switch (axes.kind) {
    case PointerAxes::Kind::relative:
      distance_px_ += std::hypot(motion.x.value_or(0), motion.y.value_or(0));
      return;
    case PointerAxes::Kind::absolute:
      if (motion.x) motion.x = to_screen(*motion.x, axes.x_min, axes.x_max, screen_width_);
      if (motion.y) motion.y = to_screen(*motion.y, axes.y_min, axes.y_max, screen_height_);
      add_absolute(device, motion.x, motion.y);
      return;
    case PointerAxes::Kind::xtest:
      if (pointer) {
        device.xtest_deltas =
            !(motion.x && motion.y && near(*motion.x, pointer->x) && near(*motion.y, pointer->y));
      }
      if (!device.xtest_deltas) {
        add_absolute(device, motion.x, motion.y);
        return;
      }
      distance_px_ += std::hypot(motion.x.value_or(0), motion.y.value_or(0));
      // Where the delta left the pointer is where a next absolute move starts from.
      if (pointer) {
        device.x = pointer->x;
        device.y = pointer->y;
      } else {
        device.x.reset();
        device.y.reset();
      }
      return;
  }
}

void InputTally::add_absolute(Device& device, std::optional<double> x, std::optional<double> y) {
  const std::optional<double> next_x = x ? x : device.x;
  const std::optional<double> next_y = y ? y : device.y;
  if (device.x && device.y && next_x && next_y) {
    distance_px_ += std::hypot(*next_x - *device.x, *next_y - *device.y);
  }
  device.x = next_x;
  device.y = next_y;
}

void InputTally::forget_devices() {
  const std::lock_guard lock(mutex_);
  devices_.clear();
}

InputCounts InputTally::take() {
  const std::lock_guard lock(mutex_);
  InputCounts taken = counts_;
  taken.distance_px = std::llround(distance_px_);
  distance_px_ -= static_cast<double>(taken.distance_px);
  counts_ = {};
  return taken;
}

bool InputPacer::input(EpochMs now) {
  if (!last_report_ || now - *last_report_ >= kIntervalMs) {
    last_report_ = now;
    held_.reset();
    return true;
  }
  held_ = now;
  return false;
}

std::optional<EpochMs> InputPacer::due() const {
  if (!held_) return std::nullopt;
  return *last_report_ + kIntervalMs;
}

std::optional<EpochMs> InputPacer::take_due(EpochMs now) {
  const std::optional<EpochMs> due_at = due();
  if (!due_at || now < *due_at) return std::nullopt;
  last_report_ = now;
  return std::exchange(held_, std::nullopt);
}

}  // namespace worktrace::agent::collect::x11
