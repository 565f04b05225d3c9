#pragma once

// Test fixtures for the activity domain: the devices fixture (a migrated database, two
// organizations with people, enrolment) plus the ingest, timeline and websites services wired
// as the server wires them; and the people and devices the report tests share. Not linked into
// the server.

#include "activity/activity_store.hpp"
#include "activity/ingest_service.hpp"
#include "activity/timeline_service.hpp"
#include "activity/websites_service.hpp"
#include "devices/test_support.hpp"
#include "protocol/activity_batch.hpp"
#include "protocol/gzip.hpp"
#include "tracking/redaction_settings.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace worktrace::activity::testing {

using auth::testing::make_request;

using protocol::gzip;

// The spans and rollups as stored, for assertions.
struct StoredSpan {
  EpochMs start = 0;
  EpochMs end = 0;
  std::string app;
  std::string title;
  bool idle = false;
  std::optional<UserId> user_id;
  bool operator==(const StoredSpan&) const = default;
};

class ActivityTest : public devices::testing::DevicesTest {
 protected:
  ActivityTest() {
    ingest_.register_routes(router_);
    timeline_.register_routes(router_);
    websites_.register_routes(router_);
  }

  // Stores `policy` as `org_id`'s redaction policy, as PUT /api/v1/org/redaction does.
  void set_redaction(OrgId org_id, const protocol::RedactionPolicy& policy) {
    auto stored = db().write([&](storage::Connection& connection) {
      return tracking::store_redaction(connection, org_id, policy, clock_.now_ms());
    });
    if (!stored) throw std::runtime_error("set_redaction: " + stored.error().message);
    redaction_.invalidate(org_id);
  }

  // A span record (exe "/usr/bin/<app>").
  static protocol::SpanRecord span(std::int64_t seq, EpochMs start, EpochMs end,
                                   std::string app = "xterm", std::string title = "build",
                                   bool idle = false) {
    return protocol::SpanRecord{.seq = seq,
                                .start = start,
                                .end = end,
                                .app = app,
                                .exe = "/usr/bin/" + app,
                                .title = std::move(title),
                                .idle = idle};
  }
  static protocol::InputRecord input(std::int64_t seq, EpochMs minute, std::int64_t keys,
                                     std::int64_t clicks = 0) {
    return protocol::InputRecord{.seq = seq,
                                 .minute = minute,
                                 .keys = keys,
                                 .clicks = clicks,
                                 .scrolls = 1,
                                 .distance_px = 10};
  }

  // The body of a batch of `spans` and `inputs`, records ordered by seq.
  static std::string batch_body(const std::vector<protocol::SpanRecord>& spans,
                                const std::vector<protocol::InputRecord>& inputs = {},
                                std::int64_t dropped_total = 0) {
    std::vector<std::pair<std::int64_t, std::string>> records;
    for (const auto& record : spans) records.emplace_back(record.seq, span_record_json(record));
    for (const auto& record : inputs) records.emplace_back(record.seq, input_record_json(record));
    std::sort(records.begin(), records.end());
    std::vector<std::string> texts;
    for (auto& [seq, text] : records) texts.push_back(std::move(text));
    return protocol::activity_batch_body(texts, dropped_total);
  }

  // A parsed, validated batch (throws when invalid).
  protocol::ActivityBatch batch(const std::vector<protocol::SpanRecord>& spans,
                                const std::vector<protocol::InputRecord>& inputs = {},
                                std::int64_t dropped_total = 0) {
    auto parsed =
        protocol::parse_activity_batch(batch_body(spans, inputs, dropped_total), clock_.now_ms());
    if (!parsed) throw std::runtime_error("batch: " + parsed.error().message);
    return std::move(*parsed);
  }

  // store::apply_batch in its own write transaction.
  IngestReceipt apply(const IngestTarget& target, const protocol::ActivityBatch& batch) {
    auto receipt = db().write([&](storage::Connection& connection) {
      return store::apply_batch(connection, target, batch, clock_.now_ms());
    });
    if (!receipt) throw std::runtime_error("apply: " + receipt.error().message);
    return *receipt;
  }

  // POST /api/v1/agent/activity with `credential` and `body`.
  api::Response post(const std::string& credential, std::string body,
                     std::string_view encoding = {}) {
    auto request = make_request("POST", "/api/v1/agent/activity", std::move(body));
    if (!credential.empty()) request.headers.emplace_back("authorization", "Bearer " + credential);
    if (!encoding.empty()) request.headers.emplace_back("content-encoding", std::string(encoding));
    return call(std::move(request));
  }

  // GET `path` of person `user` with ?from=&to= as the session `cookie`.
  api::Response get(std::string_view what, UserId user, const std::string& cookie,
                    std::optional<EpochMs> from = std::nullopt,
                    std::optional<EpochMs> to = std::nullopt) {
    auto request = make_request(
        "GET", "/api/v1/people/" + std::to_string(user) + "/" + std::string(what), "", cookie);
    if (from) request.query["from"] = std::to_string(*from);
    if (to) request.query["to"] = std::to_string(*to);
    return call(std::move(request));
  }

  std::vector<StoredSpan> stored_spans(DeviceId device) {
    auto rows = db().read([&](storage::Connection& connection) -> Result<std::vector<StoredSpan>> {
      auto statement = connection.prepare(
          "SELECT start_ms, end_ms, app, title, idle, user_id FROM activity_spans "
          "WHERE device_id = ? ORDER BY start_ms, id");
      if (!statement) return statement.error();
      (*statement)->bind_int(1, device);
      std::vector<StoredSpan> spans;
      for (;;) {
        auto row = (*statement)->step();
        if (!row) return row.error();
        if (!*row) break;
        auto& s = **statement;
        StoredSpan span{s.column_int(0),  s.column_int(1),      s.column_text(2),
                        s.column_text(3), s.column_int(4) != 0, std::nullopt};
        if (!s.column_is_null(5)) span.user_id = s.column_int(5);
        spans.push_back(std::move(span));
      }
      return spans;
    });
    if (!rows) throw std::runtime_error("stored_spans: " + rows.error().message);
    return *rows;
  }

  // One integer from `sql` with one integer parameter (0 when there is no row).
  std::int64_t scalar(std::string_view sql, std::int64_t param = 0) {
    auto value = db().read([&](storage::Connection& connection) -> Result<std::int64_t> {
      auto statement = connection.prepare(sql);
      if (!statement) return statement.error();
      if (sql.find('?') != std::string_view::npos) (*statement)->bind_int(1, param);
      auto row = (*statement)->step();
      if (!row) return row.error();
      return *row && !(*statement)->column_is_null(0) ? (*statement)->column_int(0) : 0;
    });
    if (!value) throw std::runtime_error("scalar: " + value.error().message);
    return *value;
  }

  // Everything the activity tables hold, as one comparable text (for "nothing changed").
  std::string snapshot() {
    std::string text;
    for (std::string_view sql :
         {"SELECT count(*), coalesce(sum(end_ms - start_ms), 0) FROM activity_spans",
          "SELECT count(*), coalesce(sum(keys + clicks + scrolls + distance_px), 0) FROM "
          "input_minutes",
          "SELECT count(*), coalesce(sum(active_ms + idle_ms + keys), 0) FROM rollup_slots",
          "SELECT count(*), coalesce(sum(active_ms + idle_ms), 0) FROM rollup_apps",
          "SELECT count(*), coalesce(sum(last_seq + dropped_total), 0) FROM ingest_cursors"}) {
      auto row = db().read([&](storage::Connection& connection) -> Result<std::string> {
        auto statement = connection.prepare(sql);
        if (!statement) return statement.error();
        if (auto stepped = (*statement)->step(); !stepped) return stepped.error();
        return std::to_string((*statement)->column_int(0)) + "/" +
               std::to_string((*statement)->column_int(1)) + " ";
      });
      if (!row) throw std::runtime_error("snapshot: " + row.error().message);
      text += *row;
    }
    return text;
  }

  tracking::RedactionCache redaction_{db()};
  IngestService ingest_{db(),
                        clock_,
                        [this](const api::Request& request) {
                          return devices_.agent_channel().authenticate(request);
                        },
                        {},
                        [this](OrgId org_id) { return redaction_.get(org_id); }};
  TimelineService timeline_{db(), auth_, clock_};
  WebsitesService websites_{db(), auth_, clock_,
                            [this](OrgId org_id) { return redaction_.get(org_id); }};
};

// An enrolled laptop assigned to acme's employee, and its agent credential.
class LaptopTest : public ActivityTest {
 protected:
  LaptopTest() {
    auto [device, credential] = enroll_into(acme_, "laptop");
    device_ = device;
    credential_ = credential;
    assign(device_, acme_employee_);
  }

  DeviceId device_ = 0;
  std::string credential_;
};

// The fixture of the report tests (timeline, websites): the laptop, a team of acme's employee
// managed by acme's manager, another team's manager and a second employee in no team.
class ReportTest : public LaptopTest {
 protected:
  ReportTest() {
    team_ = add_to_team(acme_employee_, 0, false);
    add_to_team(acme_manager_, team_, true);
    other_manager_ = auth::testing::create_user(db(), acme_, "max@acme.test", Role::manager,
                                                devices::testing::kPassword);
    add_to_team(other_manager_, 0, true);
    other_employee_ = auth::testing::create_user(db(), acme_, "bob@acme.test", Role::employee,
                                                 devices::testing::kPassword);
  }

  static boost::json::value json_of(const api::Response& response) {
    return boost::json::parse(response.body);
  }

  TeamId team_ = 0;  // acme_employee_'s, managed by acme_manager_
  UserId other_manager_ = 0;
  UserId other_employee_ = 0;
};

}  // namespace worktrace::activity::testing
