#pragma once

#include "collect/x11/input_tally.hpp"
#include "collect/x11/x11_connection.hpp"
#include "core/result.hpp"

#include <X11/extensions/XInput2.h>

#include <memory>
#include <optional>
#include <unordered_map>

namespace worktrace::agent::collect::x11 {

// Counts input from XInput2 raw events into an InputTally: key presses, button presses and
// motion of every device, selected once on the root for all master devices (each event comes
// once, naming its slave device as the source). Raw events reach this client whatever window
// has the focus or grabs the devices. A key press is counted from the event's type alone: its
// data (which key) is never fetched, and Xlib frees it with the event. Not thread-safe: the
// event loop's thread only.
class RawInput {
 public:
  // Selects the raw events, the device hierarchy's changes and RandR's screen changes (for
  // the size absolute devices map onto). Errc::unavailable when the server lacks XInput 2.1.
  // `display` and `tally` must outlive the result.
  [[nodiscard]] static Result<std::unique_ptr<RawInput>> start(Display* display, InputTally& tally);

  RawInput(Display* display, InputTally& tally, int xi_opcode, std::optional<int> randr_event);

  // Handles `event` if it is one of ours; true when it was input.
  [[nodiscard]] bool handle(XEvent& event);

 private:
  void add_motion(const XIRawEvent& raw);
  // Whether raw motion (of any device) waits in the queue or on the connection.
  [[nodiscard]] bool motion_queued() const;
  [[nodiscard]] PointerAxes axes_of(int device_id);
  [[nodiscard]] std::optional<ScreenPoint> pointer_position(int master_id) const;
  void refresh_devices();
  void refresh_screen_size();

  Display* display_;
  Window root_;
  InputTally& tally_;
  int xi_opcode_;
  std::optional<int> randr_event_;  // RandR's first event code, when the server has RandR
  std::unordered_map<int, PointerAxes> devices_;  // slave pointers by device id
};

}  // namespace worktrace::agent::collect::x11
