#include "devices/device.hpp"

namespace worktrace::devices {

boost::json::object device_json(const Device& device, bool online) {
  boost::json::object json = protocol::to_json(device.info);
  json["id"] = device.id;
  json["name"] = device.name;
  json["user_id"] = device.user_id ? boost::json::value(*device.user_id) : nullptr;
  json["remote_ip"] = device.remote_ip;
  json["enrolled_at"] = device.enrolled_at;
  json["last_seen_at"] = device.last_seen_at;
  json["online"] = online;
  json["revoked"] = device.revoked_at.has_value();
  return json;
}

boost::json::object listing_json(const DeviceListing& listing, bool online) {
  boost::json::object json = device_json(listing.device, online);
  json["user_name"] =
      listing.user_name ? boost::json::value(boost::json::string(*listing.user_name)) : nullptr;
  return json;
}

}  // namespace worktrace::devices
