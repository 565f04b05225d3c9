#include "tracking/tracking_service.hpp"

#include "audit/audit_log.hpp"
#include "auth/person.hpp"
#include "auth/policy.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/array.hpp>

#include <algorithm>

namespace worktrace::tracking {

TrackingService::TrackingService(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth,
                                 const Clock& clock)
    : db_(db), hub_(hub), auth_(auth), clock_(clock), redaction_cache_(db) {}

namespace {

// The top-level keys of the policy wire form whose values differ between `a` and `b`.
std::vector<std::string> changed_redaction_keys(const protocol::RedactionPolicy& a,
                                                const protocol::RedactionPolicy& b) {
  std::vector<std::string> changed;
  if (a.url_mode != b.url_mode) changed.emplace_back("url_mode");
  if (a.title_rules != b.title_rules) changed.emplace_back("title_rules");
  if (a.excluded_domains != b.excluded_domains) changed.emplace_back("excluded_domains");
  if (a.excluded_apps != b.excluded_apps) changed.emplace_back("excluded_apps");
  return changed;
}

// Settings of an organization after an update, and whether the update changed them.
template <class Settings>
struct SettingsUpdate {
  Settings settings;
  bool changed = false;
};

// In one write transaction: `load`s the organization's settings, lets `change` modify them
// and name the keys it changed, and when it named any, `store`s them and appends `action`
// {changed:[keys]} on the organization to the audit log.
template <class Settings, class Change>
Result<SettingsUpdate<Settings>> update_org_settings(
    storage::Db& db, const Actor& actor, std::string_view action, std::string_view remote_ip,
    EpochMs now, Result<Settings> (*load)(storage::Connection&, OrgId),
    Result<void> (*store)(storage::Connection&, OrgId, const Settings&, EpochMs), Change change) {
  return db.write([&](storage::Connection& connection) -> Result<SettingsUpdate<Settings>> {
    auto current = load(connection, actor.org_id);
    if (!current) return current.error();
    SettingsUpdate<Settings> update{std::move(*current)};
    const std::vector<std::string> changed = change(update.settings);
    if (changed.empty()) return update;
    if (auto stored = store(connection, actor.org_id, update.settings, now); !stored) {
      return stored.error();
    }
    auto entry = audit::entry_for(actor, action, remote_ip);
    entry.target_type = "org";
    entry.target_id = std::to_string(actor.org_id);
    boost::json::array fields;
    for (const auto& field : changed) fields.emplace_back(field);
    entry.details["changed"] = std::move(fields);
    if (auto appended = audit::append(connection, std::move(entry), now); !appended) {
      return appended.error();
    }
    update.changed = true;
    return update;
  });
}

}  // namespace

Result<void> TrackingService::authorize_settings_read(const Actor& actor) {
  return auth::authorize(actor, {Role::owner, Role::admin, Role::manager, Role::employee},
                         Scope::org_read);
}

Result<void> TrackingService::authorize_settings_write(const Actor& actor) {
  return auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write);
}

Result<protocol::RedactionPolicy> TrackingService::redaction(const Actor& actor) {
  if (auto allowed = authorize_settings_read(actor); !allowed) return allowed.error();
  return db_.read(
      [&](storage::Connection& connection) { return load_redaction(connection, actor.org_id); });
}

Result<protocol::RedactionPolicy> TrackingService::update_redaction(
    const Actor& actor, std::string_view remote_ip, protocol::RedactionPolicy policy) {
  if (auto allowed = authorize_settings_write(actor); !allowed) return allowed.error();
  auto updated = update_org_settings(
      db_, actor, "org.redaction_changed", remote_ip, clock_.now_ms(), &load_redaction,
      &store_redaction, [&](protocol::RedactionPolicy& current) {
        std::vector<std::string> changed = changed_redaction_keys(current, policy);
        current = policy;
        return changed;
      });
  if (!updated) return updated.error();
  if (updated->changed) {
    redaction_cache_.invalidate(actor.org_id);
    push(actor.org_id, {});
  }
  return policy;
}

Result<TrackingPolicy> TrackingService::policy(const Actor& actor) {
  if (auto allowed = authorize_settings_read(actor); !allowed) return allowed.error();
  return db_.read(
      [&](storage::Connection& connection) { return load_policy(connection, actor.org_id); });
}

Result<TrackingPolicy> TrackingService::update_policy(const Actor& actor,
                                                      std::string_view remote_ip,
                                                      const PolicyPatch& patch) {
  if (auto allowed = authorize_settings_write(actor); !allowed) return allowed.error();
  auto updated = update_org_settings(
      db_, actor, "tracking.updated", remote_ip, clock_.now_ms(), &load_policy, &store_policy,
      [&](TrackingPolicy& current) { return apply_patch(current, patch); });
  if (!updated) return updated.error();
  if (updated->changed) push(actor.org_id, {});
  return std::move(updated->settings);
}

Result<bool> TrackingService::is_paused(const Actor& actor, UserId user_id) {
  if (auto allowed = auth::authorize(
          actor, {Role::owner, Role::admin, Role::manager, Role::employee}, Scope::people_read);
      !allowed) {
    return allowed.error();
  }
  return db_.read([&](storage::Connection& connection) -> Result<bool> {
    auto person = auth::load_person(connection, actor.org_id, user_id);
    if (!person) return person.error();
    if (!*person) return fail(Errc::not_found, "person not found");
    if (auto visible =
            auth::require_view_person(actor, (*person)->org_id, user_id, (*person)->team_ids);
        !visible) {
      return visible.error();
    }
    auto current = connection.prepare("SELECT tracking_paused FROM users WHERE id = ?");
    if (!current) return current.error();
    (*current)->bind_int(1, user_id);
    auto row = (*current)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::not_found, "person not found");
    return (*current)->column_int(0) != 0;
  });
}

Result<void> TrackingService::set_paused(const Actor& actor, std::string_view remote_ip,
                                         UserId user_id, bool paused) {
  if (auto allowed = auth::authorize(actor, {Role::owner, Role::admin}, Scope::people_write);
      !allowed) {
    return allowed.error();
  }
  const EpochMs now = clock_.now_ms();
  bool changed = false;
  auto done = db_.write([&](storage::Connection& connection) -> Result<void> {
    auto current =
        connection.prepare("SELECT tracking_paused FROM users WHERE id = ? AND org_id = ?");
    if (!current) return current.error();
    (*current)->bind_int(1, user_id);
    (*current)->bind_int(2, actor.org_id);
    auto row = (*current)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::not_found, "person not found");
    if (((*current)->column_int(0) != 0) == paused) return {};
    current->reset();

    auto update = connection.prepare("UPDATE users SET tracking_paused = ? WHERE id = ?");
    if (!update) return update.error();
    (*update)->bind_int(1, paused ? 1 : 0);
    (*update)->bind_int(2, user_id);
    if (auto stepped = (*update)->step(); !stepped) return stepped.error();

    auto entry =
        audit::entry_for(actor, paused ? "tracking.paused" : "tracking.resumed", remote_ip);
    entry.target_type = "user";
    entry.target_id = std::to_string(user_id);
    entry.subject_user_id = user_id;
    if (auto appended = audit::append(connection, std::move(entry), now); !appended) {
      return appended.error();
    }
    changed = true;
    return {};
  });
  if (done && changed) push(actor.org_id, DeviceFilter{std::nullopt, user_id});
  return done;
}

Result<std::string> TrackingService::config_message(const DevicePrincipal& device) {
  return db_.read([&](storage::Connection& connection) -> Result<std::string> {
    auto policy = load_policy(connection, device.org_id);
    if (!policy) return policy.error();
    auto devices =
        load_device_tracking(connection, device.org_id, DeviceFilter{device.device_id, {}});
    if (!devices) return devices.error();
    if (devices->empty()) return fail(Errc::not_found, "device not found");
    auto redaction = load_redaction(connection, device.org_id);
    if (!redaction) return redaction.error();
    const DeviceTracking& found = devices->front();
    return config_message_json(*policy, found.paused, found.last_seq, *redaction);
  });
}

void TrackingService::send_config(const DevicePrincipal& device) {
  const std::lock_guard lock(send_mutex_);
  auto config = config_message(device);
  if (!config) {
    spdlog::error("tracking: cannot build the config of device {}: {}", device.device_id,
                  config.error().message);
    return;
  }
  hub_.send_to_agent(device.device_id, realtime::Frame::text(std::move(*config)));
}

void TrackingService::push_config(DeviceId device_id) {
  if (!hub_.is_online(device_id)) return;
  auto org_id = db_.read([&](storage::Connection& connection) -> Result<std::optional<OrgId>> {
    auto statement = connection.prepare("SELECT org_id FROM devices WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, device_id);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<OrgId>();
    return std::optional<OrgId>((*statement)->column_int(0));
  });
  if (!org_id) {
    spdlog::error("tracking: cannot find the organization of device {}: {}", device_id,
                  org_id.error().message);
    return;
  }
  if (!*org_id) return;
  push(**org_id, DeviceFilter{device_id, {}});
}

void TrackingService::push(OrgId org_id, const DeviceFilter& filter) {
  const std::lock_guard lock(send_mutex_);
  const std::vector<DeviceId> online = hub_.online_devices(org_id);
  if (online.empty()) return;
  struct Message {
    DeviceId device_id = 0;
    std::string text;
  };
  auto messages = db_.read([&](storage::Connection& connection) -> Result<std::vector<Message>> {
    auto policy = load_policy(connection, org_id);
    if (!policy) return policy.error();
    auto devices = load_device_tracking(connection, org_id, filter);
    if (!devices) return devices.error();
    auto redaction = load_redaction(connection, org_id);
    if (!redaction) return redaction.error();
    std::vector<Message> built;
    for (const DeviceTracking& device : *devices) {
      if (std::find(online.begin(), online.end(), device.device_id) == online.end()) continue;
      built.push_back({device.device_id,
                       config_message_json(*policy, device.paused, device.last_seq, *redaction)});
    }
    return built;
  });
  if (!messages) {
    spdlog::error("tracking: cannot build the configs of organization {}: {}", org_id,
                  messages.error().message);
    return;
  }
  for (auto& message : *messages) {
    hub_.send_to_agent(message.device_id, realtime::Frame::text(std::move(message.text)));
  }
}

}  // namespace worktrace::tracking
