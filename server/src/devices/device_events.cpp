#include "devices/device_events.hpp"

#include "auth/policy.hpp"

#include <boost/json/serialize.hpp>

namespace worktrace::devices {

void publish_device_event(realtime::Hub& hub, OrgId org_id, const boost::json::object& event,
                          const DeviceListing& device, const DeviceListing* previous) {
  hub.publish_to_org(
      org_id, realtime::Frame::text(boost::json::serialize(event)), [&](const Actor& viewer) {
        if (auth::may_view_device(viewer, org_id, device.device.user_id, device.owner_teams)) {
          return true;
        }
        return previous != nullptr &&
               auth::may_view_device(viewer, org_id, previous->device.user_id,
                                     previous->owner_teams);
      });
}

}  // namespace worktrace::devices
