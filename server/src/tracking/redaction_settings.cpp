#include "tracking/redaction_settings.hpp"

#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <utility>

namespace worktrace::tracking {

Result<protocol::RedactionPolicy> load_redaction(storage::Connection& connection, OrgId org_id) {
  auto statement =
      connection.prepare("SELECT redaction FROM tracking_policies WHERE org_id = ?");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, org_id);
  auto row = s.step();
  if (!row) return row.error();
  if (!*row || s.column_is_null(0)) return protocol::RedactionPolicy{};
  auto json = protocol::parse_json(s.column_text(0));
  auto policy = json ? protocol::parse_redaction_policy(*json, "$.redaction")
                     : Result<protocol::RedactionPolicy>(json.error());
  if (!policy) {
    spdlog::error("tracking: the stored redaction policy of organization {} is invalid: {}",
                  org_id, policy.error().message);
    return fail(Errc::internal, "the stored redaction policy is invalid");
  }
  return policy;
}

Result<void> store_redaction(storage::Connection& connection, OrgId org_id,
                             const protocol::RedactionPolicy& policy, EpochMs now) {
  auto statement = connection.prepare(
      "INSERT INTO tracking_policies (org_id, redaction, updated_ms) VALUES (?, ?, ?) "
      "ON CONFLICT (org_id) DO UPDATE SET redaction = excluded.redaction, "
      "updated_ms = excluded.updated_ms");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, org_id);
  s.bind_text(2, boost::json::serialize(protocol::redaction_policy_json(policy)));
  s.bind_int(3, now);
  if (auto done = s.step(); !done) return done.error();
  return {};
}

Result<std::shared_ptr<const protocol::RedactionPolicy>> RedactionCache::get(OrgId org_id) {
  const std::lock_guard lock(mutex_);
  if (auto found = policies_.find(org_id); found != policies_.end()) return found->second;
  auto loaded = db_.read([&](storage::Connection& connection) {
    return load_redaction(connection, org_id);
  });
  if (!loaded) return loaded.error();
  auto policy = std::make_shared<const protocol::RedactionPolicy>(std::move(*loaded));
  policies_.emplace(org_id, policy);
  return policy;
}

void RedactionCache::invalidate(OrgId org_id) {
  const std::lock_guard lock(mutex_);
  policies_.erase(org_id);
}

}  // namespace worktrace::tracking
