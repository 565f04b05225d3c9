#pragma once

#include "core/actor.hpp"
#include "devices/device.hpp"
#include "realtime/hub.hpp"

#include <boost/json/object.hpp>

#include <initializer_list>

namespace worktrace::devices {

// Sends `event` to the viewers of `org_id` who may see `device` per auth::may_view_device with
// its owner and the owner's teams (the rule of GET /api/v1/devices), or, with `previous`
// given, who could see the device as it was before (so a reassigned device's old viewers hear
// of the change too).
void publish_device_event(realtime::Hub& hub, OrgId org_id, const boost::json::object& event,
                          const DeviceListing& device, const DeviceListing* previous = nullptr);

}  // namespace worktrace::devices
