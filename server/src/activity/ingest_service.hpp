#pragma once

#include "activity/activity_store.hpp"
#include "activity/group_commit.hpp"
#include "activity/span_redaction.hpp"
#include "api/router.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <cstddef>
#include <functional>
#include <string_view>

namespace worktrace::activity {

struct IngestOptions {
  std::size_t max_inflated_bytes = 8 << 20;  // a gzip body may inflate to this much
  GroupCommitLimits group;
};

// Checks an agent's device credential: the device, or Errc::unauthenticated.
using DeviceAuthenticator = std::function<Result<DevicePrincipal>(const api::Request&)>;

// The agents' activity upload, `POST /api/v1/agent/activity` (docs/api/v1.md, "Activity"):
// authenticates the device, decodes the body (optional gzip), validates the whole batch
// against the server clock, applies the organization's url_mode and excluded domains to its
// spans (enforce_redaction) and stores it through the group commit. All or nothing: a bad
// batch changes nothing; the reply acknowledges only what is committed. Thread-safe.
class IngestService {
 public:
  // `db` and `clock` must outlive the service. `redaction` gives an organization's policy; it
  // is asked only for batches with a url or domain (empty: the default policy for all).
  IngestService(storage::Db& db, const Clock& clock, DeviceAuthenticator authenticate_device,
                IngestOptions options = {}, RedactionSource redaction = {});

  // Validates `json` (protocol::parse_activity_batch at the clock's now) and commits it for
  // `device`. Errc::invalid_argument naming the bad path; Errc::unavailable when it could
  // not be stored or the policy could not be read (retry later).
  [[nodiscard]] Result<IngestReceipt> ingest(const DevicePrincipal& device, std::string_view json);

  // The route's handler: 401 bad credential, 415 other Content-Type or Content-Encoding than
  // JSON / gzip, 413 beyond the inflate limit, 400 bad gzip or batch, 503 not stored, else
  // 200 {"acked_seq","accepted","duplicates"}.
  [[nodiscard]] Result<api::Response> post_activity(const api::Request& request);

  // POST /api/v1/agent/activity.
  void register_routes(api::Router& router);

  // The device's ingest cursor (0 when it never sent a batch): the `last_seq` of its config.
  [[nodiscard]] Result<std::int64_t> last_seq(DeviceId device_id);

  [[nodiscard]] const GroupCommit& group_commit() const { return commit_; }

 private:
  storage::Db& db_;
  const Clock& clock_;
  const DeviceAuthenticator authenticate_device_;
  const IngestOptions options_;
  const RedactionSource redaction_;
  GroupCommit commit_;
};

}  // namespace worktrace::activity
