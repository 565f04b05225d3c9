// DeviceService's device routes: list, get, patch, revoke.
#include "devices/device_service.hpp"

#include "api/params.hpp"
#include "auth/policy.hpp"
#include "devices/device_events.hpp"
#include "protocol/json_reader.hpp"

#include <boost/json/array.hpp>

#include <limits>

namespace worktrace::devices {
namespace {

constexpr std::int64_t kMaxUserId = std::numeric_limits<std::int64_t>::max();

// Every role may ask; which devices they see is may_view_device's answer per device.
Result<void> may_read_devices(const Actor& actor) {
  return auth::authorize(actor, {Role::owner, Role::admin, Role::manager, Role::employee},
                         Scope::devices_read);
}

bool may_view(const Actor& actor, const DeviceListing& listing) {
  return auth::may_view_device(actor, listing.device.org_id, listing.device.user_id,
                               listing.owner_teams);
}

// The PATCH body: {name?, user_id?: id|null}; unknown keys are refused.
Result<DevicePatch> read_patch(const boost::json::value& body) {
  auto reader = protocol::ObjectReader::open(body);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"name", "user_id"}); !known) return known.error();
  DevicePatch patch;
  auto name = reader->optional_string("name", protocol::kMaxDeviceTextBytes);
  if (!name) return name.error();
  if (*name) {
    if ((*name)->empty() || protocol::has_control_characters(**name) ||
        !protocol::is_valid_utf8(**name)) {
      return fail(Errc::invalid_argument,
                  "name: must be 1..255 bytes of text without control characters");
    }
    patch.name = std::move(**name);
  }
  const auto user_id = reader->object().find("user_id");
  if (user_id != reader->object().end() && user_id->value().is_null()) {
    patch.user_id = std::optional<UserId>();
  } else {
    auto owner = reader->optional_int("user_id", 1, kMaxUserId);
    if (!owner) return owner.error();
    if (*owner) patch.user_id = std::optional<UserId>(**owner);
  }
  return patch;
}

}  // namespace

Result<api::Response> DeviceService::list(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = may_read_devices(*actor); !allowed) return allowed.error();
  auto listings = store_.list(actor->org_id);
  if (!listings) return listings.error();
  boost::json::array items;
  for (const DeviceListing& listing : *listings) {
    if (!may_view(*actor, listing)) continue;
    items.emplace_back(listing_json(listing, hub_.is_online(listing.device.id)));
  }
  return api::Response::json(200, {{"devices", std::move(items)}});
}

Result<api::Response> DeviceService::get(const api::Request& request) {
  auto actor = auth_.authenticate(request);
  if (!actor) return actor.error();
  if (auto allowed = may_read_devices(*actor); !allowed) return allowed.error();
  auto id = api::path_id(request, "id", "device");
  if (!id) return id.error();
  auto listing = store_.find_listing(actor->org_id, *id);
  if (!listing) return listing.error();
  if (!*listing) return fail(Errc::not_found, "device not found");
  if (!may_view(*actor, **listing)) {
    return fail(Errc::permission_denied, "you may not see this device");
  }
  return api::Response::json(200, listing_json(**listing, hub_.is_online(*id)));
}

Result<api::Response> DeviceService::patch(const api::Request& request) {
  auto actor = device_admin(request);
  if (!actor) return actor.error();
  auto id = api::path_id(request, "id", "device");
  if (!id) return id.error();
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto patch = read_patch(*body);
  if (!patch) return patch.error();

  auto updated = store_.update(actor->org_id, *id, *patch,
                               audit::entry_for(*actor, "", request.remote_ip), clock_.now_ms());
  if (!updated) return updated.error();
  if (!*updated) return fail(Errc::not_found, "device not found");
  const DeviceListing& after = (*updated)->after;
  const bool online = hub_.is_online(*id);
  publish_device_event(hub_, actor->org_id,
                       {{"type", "device.updated"}, {"device", device_json(after.device, online)}},
                       after, &(*updated)->before);
  if (after.device.user_id != (*updated)->before.device.user_id && on_assigned_) {
    on_assigned_(*id);
  }
  return api::Response::json(200, listing_json(after, online));
}

Result<api::Response> DeviceService::revoke(const api::Request& request) {
  auto actor = device_admin(request);
  if (!actor) return actor.error();
  auto id = api::path_id(request, "id", "device");
  if (!id) return id.error();
  auto revoked = store_.revoke(actor->org_id, *id, audit::entry_for(*actor, "", request.remote_ip),
                               clock_.now_ms());
  if (!revoked) return revoked.error();
  if (!*revoked) return fail(Errc::not_found, "device not found");
  // Committed first, then cut: a connection registering meanwhile sees the revocation itself
  // (AgentChannel::on_connected).
  hub_.disconnect_agent(*id, kRevokedReason);
  const DeviceListing& listing = **revoked;
  const bool online = hub_.is_online(*id);
  publish_device_event(
      hub_, actor->org_id,
      {{"type", "device.updated"}, {"device", device_json(listing.device, online)}}, listing);
  return api::Response::json(200, listing_json(listing, online));
}

}  // namespace worktrace::devices
