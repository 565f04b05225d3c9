#include "collect/x11/raw_input.hpp"

#include <X11/extensions/Xrandr.h>

#include <string_view>

namespace worktrace::agent::collect::x11 {

Result<std::unique_ptr<RawInput>> RawInput::start(Display* display, InputTally& tally) {
  int xi_opcode = 0;
  int event_base = 0;
  int error_base = 0;
  if (!XQueryExtension(display, "XInputExtension", &xi_opcode, &event_base, &error_base)) {
    return fail(Errc::unavailable, "the X server lacks the XInputExtension");
  }
  // 2.1: raw events reach every client that selects them on the root, not only a grabbing one.
  int major = 2;
  int minor = 2;
  if (XIQueryVersion(display, &major, &minor) != Success || major * 100 + minor < 201) {
    return fail(Errc::unavailable, "the X server's XInputExtension is older than 2.1");
  }
  std::optional<int> randr_event;
  if (XRRQueryExtension(display, &event_base, &error_base)) randr_event = event_base;
  auto raw_input = std::make_unique<RawInput>(display, tally, xi_opcode, randr_event);

  const Window root = DefaultRootWindow(display);
  unsigned char raw_mask[XIMaskLen(XI_LASTEVENT)] = {};
  XISetMask(raw_mask, XI_RawKeyPress);
  XISetMask(raw_mask, XI_RawButtonPress);
  XISetMask(raw_mask, XI_RawMotion);
  unsigned char device_mask[XIMaskLen(XI_LASTEVENT)] = {};
  XISetMask(device_mask, XI_HierarchyChanged);
  XISetMask(device_mask, XI_DeviceChanged);
  XIEventMask masks[] = {{XIAllMasterDevices, sizeof raw_mask, raw_mask},
                         {XIAllDevices, sizeof device_mask, device_mask}};
  XISelectEvents(display, root, masks, 2);
  if (randr_event) XRRSelectInput(display, root, RRScreenChangeNotifyMask);
  raw_input->refresh_devices();
  raw_input->refresh_screen_size();
  return raw_input;
}

RawInput::RawInput(Display* display, InputTally& tally, int xi_opcode,
                   std::optional<int> randr_event)
    : display_(display),
      root_(DefaultRootWindow(display)),
      tally_(tally),
      xi_opcode_(xi_opcode),
      randr_event_(randr_event) {}

bool RawInput::handle(XEvent& event) {
  if (randr_event_ && event.type == *randr_event_ + RRScreenChangeNotify) {
    XRRUpdateConfiguration(&event);
    refresh_screen_size();
    return false;
  }
  if (event.type != GenericEvent || event.xcookie.extension != xi_opcode_) return false;
  XGenericEventCookie& cookie = event.xcookie;
  if (cookie.evtype == XI_RawKeyPress) {
    // Counted from the type alone: the event's data (the key) is never fetched.
    tally_.add_key();
    return true;
  }
  if (!XGetEventData(display_, &cookie)) return false;
  bool was_input = false;
  switch (cookie.evtype) {
    case XI_RawButtonPress:
      tally_.add_button(static_cast<const XIRawEvent*>(cookie.data)->detail);
      was_input = true;
      break;
    case XI_RawMotion:
      add_motion(*static_cast<const XIRawEvent*>(cookie.data));
      was_input = true;
      break;
    case XI_HierarchyChanged:
      refresh_devices();
      break;
    case XI_DeviceChanged:
      // XISlaveSwitch (another slave moved the master) changes nothing of ours.
      if (static_cast<const XIDeviceChangedEvent*>(cookie.data)->reason == XIDeviceChange) {
        refresh_devices();
      }
      break;
    default:
      break;
  }
  XFreeEventData(display_, &cookie);
  return was_input;
}

void RawInput::add_motion(const XIRawEvent& raw) {
  // Valuators 0 and 1 are x and y; `values` holds the present valuators in order. These are
  // the values after acceleration: what the pointer moved on the screen.
  RawMotion motion;
  int value_idx = 0;
  for (int axis = 0; axis < 2 && axis < raw.valuators.mask_len * 8; ++axis) {
    if (!XIMaskIsSet(raw.valuators.mask, axis)) continue;
    (axis == 0 ? motion.x : motion.y) = raw.valuators.values[value_idx++];
  }
  const PointerAxes axes = axes_of(raw.sourceid);
  std::optional<ScreenPoint> pointer;
  if (axes.kind == PointerAxes::Kind::xtest) {
    pointer = pointer_position(raw.deviceid);
    // Motion the server made after this event arrives before its answer: then the pointer
    // may have moved on, and its position says nothing about this event.
    if (motion_queued()) pointer.reset();
  }
  tally_.add_motion(raw.sourceid, axes, motion, pointer);
}

bool RawInput::motion_queued() const {
  struct Search {
    int xi_opcode;
    bool found = false;
  } search{xi_opcode_};
  const auto inspect = [](Display* /*display*/, XEvent* event, XPointer arg) -> Bool {
    auto* search = reinterpret_cast<Search*>(arg);
    if (event->type == GenericEvent && event->xcookie.extension == search->xi_opcode &&
        event->xcookie.evtype == XI_RawMotion) {
      search->found = true;
    }
    return False;  // take nothing out of the queue
  };
  XEvent ignored;
  XCheckIfEvent(display_, &ignored, inspect, reinterpret_cast<XPointer>(&search));
  return search.found;
}

PointerAxes RawInput::axes_of(int device_id) {
  if (!devices_.contains(device_id)) {
    refresh_devices();                // a device that just appeared
    devices_.try_emplace(device_id);  // still unknown: relative, without asking again
  }
  return devices_.at(device_id);
}

std::optional<ScreenPoint> RawInput::pointer_position(int master_id) const {
  Window root_return = None;
  Window child = None;
  double root_x = 0;
  double root_y = 0;
  double window_x = 0;
  double window_y = 0;
  XIButtonState buttons{};
  XIModifierState modifiers{};
  XIGroupState group{};
  const bool found = XIQueryPointer(display_, master_id, root_, &root_return, &child, &root_x,
                                    &root_y, &window_x, &window_y, &buttons, &modifiers, &group);
  if (buttons.mask != nullptr) XFree(buttons.mask);
  if (!found) return std::nullopt;
  return ScreenPoint{root_x, root_y};
}

void RawInput::refresh_devices() {
  devices_.clear();
  tally_.forget_devices();
  int count = 0;
  XIDeviceInfo* devices = XIQueryDevice(display_, XIAllDevices, &count);
  if (devices == nullptr) return;
  for (int device_idx = 0; device_idx < count; ++device_idx) {
    const XIDeviceInfo& device = devices[device_idx];
    if (device.use != XISlavePointer) continue;
    PointerAxes axes;
    // The server names each master's XTEST slave "<master> XTEST pointer".
    if (std::string_view(device.name).ends_with(" XTEST pointer")) {
      axes.kind = PointerAxes::Kind::xtest;
    }
    for (int class_idx = 0; class_idx < device.num_classes; ++class_idx) {
      if (device.classes[class_idx]->type != XIValuatorClass) continue;
      const auto* valuator =
          reinterpret_cast<const XIValuatorClassInfo*>(device.classes[class_idx]);
      if (valuator->number == 0) {
        axes.x_min = valuator->min;
        axes.x_max = valuator->max;
        if (valuator->mode == XIModeAbsolute && axes.kind != PointerAxes::Kind::xtest) {
          axes.kind = PointerAxes::Kind::absolute;
        }
      } else if (valuator->number == 1) {
        axes.y_min = valuator->min;
        axes.y_max = valuator->max;
      }
    }
    devices_[device.deviceid] = axes;
  }
  XIFreeDeviceInfo(devices);
}

void RawInput::refresh_screen_size() {
  const int screen = DefaultScreen(display_);
  tally_.set_screen_size(DisplayWidth(display_, screen), DisplayHeight(display_, screen));
}

}  // namespace worktrace::agent::collect::x11
