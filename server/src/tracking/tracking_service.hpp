#pragma once

#include "api/router.hpp"
#include "auth/auth_service.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "realtime/hub.hpp"
#include "storage/db.hpp"
#include "tracking/redaction_settings.hpp"
#include "tracking/tracking_policy.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::tracking {

// The organization's tracking policy and the per-person pause (restriction of processing), and
// the `config` each agent gets after its welcome and again whenever what it says changes.
// Every change is audit-logged in its own transaction, then pushed to the online agents it
// concerns. Thread-safe: no mutable state of its own.
class TrackingService {
 public:
  // All references must outlive the service.
  TrackingService(storage::Db& db, realtime::Hub& hub, auth::AuthService& auth, const Clock& clock);
  TrackingService(const TrackingService&) = delete;
  TrackingService& operator=(const TrackingService&) = delete;

  // The caller's organization's policy: every role (scope org:read).
  [[nodiscard]] Result<TrackingPolicy> policy(const Actor& actor);

  // Applies `patch` (owner/admin, scope org:write). When something changed: stores it, appends
  // tracking.updated {changed:[fields]} in the same transaction, then pushes the new config
  // to every online agent of the organization. Returns the policy as it is now.
  [[nodiscard]] Result<TrackingPolicy> update_policy(const Actor& actor, std::string_view remote_ip,
                                                     const PolicyPatch& patch);

  // The caller's organization's redaction policy: every role (scope org:read), so employees
  // can read what is kept about them.
  [[nodiscard]] Result<protocol::RedactionPolicy> redaction(const Actor& actor);

  // Replaces the redaction policy (owner/admin, scope org:write). When it changed: stores it,
  // appends org.redaction_changed {changed:[keys]} in the same transaction, updates the cache,
  // then pushes the new config to every online agent of the organization.
  [[nodiscard]] Result<protocol::RedactionPolicy> update_redaction(
      const Actor& actor, std::string_view remote_ip, protocol::RedactionPolicy policy);

  // The parsed redaction policies, for ingest and reports.
  [[nodiscard]] RedactionCache& redaction_cache() { return redaction_cache_; }

  // Pauses or resumes the tracking of person `user_id` (owner/admin, scope people:write;
  // Errc::not_found for a person of another organization or none). When it changed: stores
  // it, appends tracking.paused / tracking.resumed in the same transaction, then pushes the new
  // config to the person's online agents.
  [[nodiscard]] Result<void> set_paused(const Actor& actor, std::string_view remote_ip,
                                        UserId user_id, bool paused);

  // Whether `user_id`'s tracking is paused, for whoever may view that person (the person,
  // owners and admins, managers of their teams; scope people:read). Another organization's
  // person: Errc::not_found; a person the actor may not view: Errc::permission_denied.
  [[nodiscard]] Result<bool> is_paused(const Actor& actor, UserId user_id);

  // The `config` message for `device` as things are now: its organization's policy, the
  // assigned person's pause (an unassigned device: not paused) and its ingest cursor.
  // Errc::not_found when the device is not (or no longer) an unrevoked device of its org.
  [[nodiscard]] Result<std::string> config_message(const DevicePrincipal& device);

  // Sends the current config to device `device_id` if it is online here (after its
  // assignment changed). Best effort: a failure is logged, never returned.
  void push_config(DeviceId device_id);

  // Sends `device` its config now, through the hub (it must be registered there): for a new
  // connection, before the welcome. Reading and sending happen under the same lock as every
  // push, so a change committed while the agent connects reaches it after, never before, the
  // config read before that change. Best effort: a failure is logged.
  void send_config(const DevicePrincipal& device);

  // GET and PUT /api/v1/org/tracking and /api/v1/org/redaction, GET and PUT
  // /api/v1/people/{id}/tracking.
  void register_routes(api::Router& router);

 private:
  // Sends the current config to the online agents of `org_id` that match `filter`.
  void push(OrgId org_id, const DeviceFilter& filter);

  [[nodiscard]] Result<api::Response> get_policy(const api::Request& request);
  [[nodiscard]] Result<api::Response> put_policy(const api::Request& request);
  [[nodiscard]] Result<api::Response> put_person_tracking(const api::Request& request);
  [[nodiscard]] Result<api::Response> get_person_tracking(const api::Request& request);
  [[nodiscard]] Result<api::Response> get_redaction(const api::Request& request);
  [[nodiscard]] Result<api::Response> put_redaction(const api::Request& request);

  // Who may read the organization's settings (tracking policy, redaction): every role, scope
  // org:read. Who may change them: owner/admin, scope org:write.
  [[nodiscard]] static Result<void> authorize_settings_read(const Actor& actor);
  [[nodiscard]] static Result<void> authorize_settings_write(const Actor& actor);
  // The caller of a PUT of the organization's settings, authenticated and allowed to change
  // them. Checked before the body is read: a lower role learns nothing about what it sent.
  [[nodiscard]] Result<Actor> authenticate_settings_writer(const api::Request& request);

  storage::Db& db_;
  realtime::Hub& hub_;
  auth::AuthService& auth_;
  const Clock& clock_;
  RedactionCache redaction_cache_;
  // Held while a config is read and sent, so configs reach each agent in the order of the
  // changes they show.
  std::mutex send_mutex_;
};

}  // namespace worktrace::tracking
