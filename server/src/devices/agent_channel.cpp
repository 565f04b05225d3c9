#include "devices/agent_channel.hpp"

#include "auth/tokens.hpp"
#include "core/version.hpp"
#include "devices/device_events.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

namespace worktrace::devices {
namespace {

// The audience of an event about a device whose row could not be read: an unassigned device,
// which only owners and admins hear of.
DeviceListing unassigned(const DevicePrincipal& device) {
  DeviceListing listing;
  listing.device.id = device.device_id;
  listing.device.org_id = device.org_id;
  return listing;
}

}  // namespace

AgentChannel::AgentChannel(DeviceStore& store, realtime::Hub& hub, const Clock& clock)
    : store_(store), hub_(hub), clock_(clock) {}

Result<DevicePrincipal> AgentChannel::authenticate(const api::Request& upgrade) {
  const std::string credential = upgrade.bearer_token();
  if (credential.empty()) return fail(Errc::unauthenticated, "a device credential is required");
  if (credential.size() > auth::kMaxTokenBytes ||
      !credential.starts_with(auth::kDeviceCredentialPrefix)) {
    return fail(Errc::unauthenticated, "the device credential is not valid");
  }
  auto match = store_.find_by_credential(auth::hash_token(credential));
  if (!match) return match.error();
  if (!*match) return fail(Errc::unauthenticated, "the device credential is not valid");
  if ((*match)->revoked) return fail(Errc::unauthenticated, "the device has been revoked");
  return (*match)->principal;
}

void AgentChannel::add_handler(realtime::AgentMessageHandler& handler) {
  handlers_.push_back(&handler);
  if (binary_handler_ == nullptr && handler.takes_binary()) binary_handler_ = &handler;
}

Result<void> AgentChannel::on_binary(const DevicePrincipal& device, std::string_view message) {
  if (binary_handler_ == nullptr) {
    return fail(Errc::invalid_argument, "binary messages are not accepted");
  }
  return binary_handler_->on_binary(device, message);
}

std::vector<std::string> AgentChannel::on_connected(const DevicePrincipal& device,
                                                    const std::string& remote_ip) {
  bool revoked = false;
  auto updated = store_.mark_connected(device.org_id, device.device_id, remote_ip, clock_.now_ms());
  if (!updated) {
    spdlog::error("devices: cannot record the connection of device {}: {}", device.device_id,
                  updated.error().message);
  } else if (*updated && (*updated)->device.revoked_at) {
    // Revoked between authentication and registration: the revoke's disconnect_agent may
    // have run before the hub knew this connection, so close it here (it is registered now).
    hub_.disconnect_agent(device.device_id, kRevokedReason);
    revoked = true;
  } else if (*updated) {
    publish_device_event(
        hub_, device.org_id,
        {{"type", "device.online"}, {"device", device_json((*updated)->device, /*online=*/true)}},
        **updated);
  }
  const boost::json::object welcome = {{"type", "welcome"},
                                       {"device_id", device.device_id},
                                       {"org_id", device.org_id},
                                       {"server_version", kVersion}};
  std::vector<std::string> messages{boost::json::serialize(welcome)};
  if (revoked) return messages;
  for (auto* handler : handlers_) {
    for (auto& message : handler->on_connected(device)) messages.push_back(std::move(message));
  }
  return messages;
}

void AgentChannel::after_registered(const DevicePrincipal& device) {
  for (auto* handler : handlers_) handler->after_registered(device);
}

Result<std::optional<std::string>> AgentChannel::on_text(const DevicePrincipal& device,
                                                         std::string_view message) {
  auto parsed = protocol::read_typed_message(message, kMaxAgentMessageBytes);
  if (!parsed) return parsed.error();
  if (parsed->type != "hello" && parsed->type != "device_info") {
    for (auto* handler : handlers_) {
      if (handler->handles(parsed->type)) {
        return handler->on_message(device, parsed->type, parsed->json);
      }
    }
    return fail(Errc::invalid_argument, "unknown message type '" + parsed->type + "'");
  }
  auto reader = protocol::ObjectReader::open(parsed->json);
  if (!reader) return reader.error();

  auto device_reader = reader->required_object("device");
  if (!device_reader) return device_reader.error();
  auto info = protocol::read_device_info(*device_reader);
  if (!info) return info.error();
  auto changed = store_.update_info(device.org_id, device.device_id, *info, clock_.now_ms());
  if (!changed) return changed.error();
  if (*changed) {
    publish_device_event(
        hub_, device.org_id,
        {{"type", "device.updated"},
         {"device", device_json((*changed)->device, hub_.is_online(device.device_id))}},
        **changed);
  }
  return std::optional<std::string>();
}

void AgentChannel::on_disconnected(const DevicePrincipal& device) {
  const EpochMs now = clock_.now_ms();
  auto seen = store_.mark_seen(device.org_id, device.device_id, now);
  if (!seen) {
    spdlog::error("devices: cannot record the disconnection of device {}: {}", device.device_id,
                  seen.error().message);
  }
  // The owner and teams as stored now (a device can be reassigned while connected).
  publish_device_event(
      hub_, device.org_id,
      {{"type", "device.offline"}, {"device_id", device.device_id}, {"last_seen_at", now}},
      seen && *seen ? **seen : unassigned(device));
  for (auto* handler : handlers_) handler->on_disconnected(device);
}

}  // namespace worktrace::devices
