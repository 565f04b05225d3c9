#include "audit/audit_query.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace worktrace::audit {
namespace {

// One parameter of the WHERE clause being built.
struct Binding {
  std::optional<std::int64_t> number;
  std::string text;
};

}  // namespace

Result<AuditPage> list(storage::Connection& connection, OrgId org_id, const AuditQuery& query) {
  if (query.limit < kMinListLimit || query.limit > kMaxListLimit) {
    return fail(Errc::invalid_argument, "limit: must be between 1 and 500");
  }
  std::string sql = "SELECT " + std::string(kRecordColumns) +
                    ", a.name, s.name "
                    "FROM audit_log l "
                    "LEFT JOIN users a ON a.id = l.actor_user_id AND a.org_id = l.org_id "
                    "LEFT JOIN users s ON s.id = l.subject_user_id AND s.org_id = l.org_id "
                    "WHERE l.org_id = ?";
  std::vector<Binding> bindings{{org_id, {}}};
  if (!query.action.empty()) {
    if (query.action.ends_with(".*")) {
      // A prefix compare, not LIKE: '_' in action names would be a LIKE wildcard.
      const std::string prefix = query.action.substr(0, query.action.size() - 1);
      sql += " AND substr(l.action, 1, ?) = ?";
      bindings.push_back({static_cast<std::int64_t>(prefix.size()), {}});
      bindings.push_back({std::nullopt, prefix});
    } else {
      sql += " AND l.action = ?";
      bindings.push_back({std::nullopt, query.action});
    }
  }
  if (query.actor_user_id) {
    sql += " AND l.actor_user_id = ?";
    bindings.push_back({*query.actor_user_id, {}});
  }
  if (query.subject_user_id) {
    sql += " AND l.subject_user_id = ?";
    bindings.push_back({*query.subject_user_id, {}});
  }
  if (query.from_ms) {
    sql += " AND l.at >= ?";
    bindings.push_back({*query.from_ms, {}});
  }
  if (query.to_ms) {
    sql += " AND l.at < ?";
    bindings.push_back({*query.to_ms, {}});
  }
  if (query.before_seq) {
    sql += " AND l.seq < ?";
    bindings.push_back({*query.before_seq, {}});
  }
  // One row more than asked tells whether another page follows.
  sql += " ORDER BY l.seq DESC LIMIT ?";
  bindings.push_back({query.limit + 1, {}});

  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  auto& s = **statement;
  for (std::size_t binding_idx = 0; binding_idx < bindings.size(); ++binding_idx) {
    const int index = static_cast<int>(binding_idx) + 1;
    if (bindings[binding_idx].number) {
      s.bind_int(index, *bindings[binding_idx].number);
    } else {
      s.bind_text(index, bindings[binding_idx].text);
    }
  }

  AuditPage page;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    if (page.entries.size() == static_cast<std::size_t>(query.limit)) {
      page.next_before_seq = page.entries.back().record.seq;
      break;
    }
    ListedEntry listed;
    // A hash of the wrong length is for verify() to report; the listing shows the entry.
    static_cast<void>(read_record(s, org_id, listed.record));
    if (!s.column_is_null(kRecordColumnCount))
      listed.actor_name = s.column_text(kRecordColumnCount);
    if (!s.column_is_null(kRecordColumnCount + 1)) {
      listed.subject_name = s.column_text(kRecordColumnCount + 1);
    }
    page.entries.push_back(std::move(listed));
  }
  s.reset();
  return page;
}

boost::json::object entry_json(const ListedEntry& listed) {
  const Record& record = listed.record;
  const Entry& entry = record.entry;
  auto optional_int = [](const std::optional<std::int64_t>& value) -> boost::json::value {
    if (value) return *value;
    return nullptr;
  };
  auto optional_text = [](const std::optional<std::string>& value) -> boost::json::value {
    if (value) return boost::json::string(*value);
    return nullptr;
  };
  // details_text is what append() serialized; a row that does not parse shows as {}.
  boost::system::error_code ec;
  boost::json::value details = boost::json::parse(record.details_text, ec);
  if (ec || !details.is_object()) details = boost::json::object();
  return {{"seq", record.seq},
          {"at", record.at},
          {"actor", entry.actor},
          {"actor_user_id", optional_int(entry.actor_user_id)},
          {"actor_name", optional_text(listed.actor_name)},
          {"action", entry.action},
          {"target_type", entry.target_type},
          {"target_id", entry.target_id},
          {"subject_user_id", optional_int(entry.subject_user_id)},
          {"subject_name", optional_text(listed.subject_name)},
          {"remote_ip", entry.remote_ip},
          {"details", std::move(details)}};
}

}  // namespace worktrace::audit
