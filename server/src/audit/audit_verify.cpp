#include "audit/audit_verify.hpp"

#include "audit/audit_log.hpp"

#include <string>

namespace worktrace::audit {
namespace {

VerifyReport broken(VerifyReport report, std::int64_t seq, std::string reason) {
  report.ok = false;
  report.first_broken_seq = seq;
  report.reason = std::move(reason);
  return report;
}

}  // namespace

Result<VerifyReport> verify(storage::Db& db, OrgId org_id) {
  return db.read([&](storage::Connection& connection) -> Result<VerifyReport> {
    VerifyReport report;
    report.org_id = org_id;
    auto count = connection.prepare("SELECT count(*) FROM audit_log WHERE org_id = ?");
    if (!count) return count.error();
    (*count)->bind_int(1, org_id);
    if (auto row = (*count)->step(); !row) return row.error();
    report.entries = (*count)->column_int(0);

    auto statement = connection.prepare("SELECT " + std::string(kRecordColumns) +
                                        " FROM audit_log l WHERE l.org_id = ? ORDER BY l.seq");
    if (!statement) return statement.error();
    auto& s = **statement;
    s.bind_int(1, org_id);
    Hash previous_hash{};
    std::int64_t previous_seq = 0;
    for (;;) {
      auto row = s.step();
      if (!row) return row.error();
      if (!*row) break;
      Record record;
      if (!read_record(s, org_id, record)) {
        return broken(std::move(report), record.seq, "a stored hash has the wrong length");
      }
      if (record.seq != previous_seq + 1) {
        return broken(std::move(report), record.seq,
                      previous_seq == 0 ? "the chain does not start at entry 1"
                                        : "it follows entry " + std::to_string(previous_seq) +
                                              ": the entries between are missing");
      }
      if (record.prev_hash != previous_hash) {
        return broken(std::move(report), record.seq,
                      record.seq == 1 ? "the first entry's prev_hash is not all zero"
                                      : "its prev_hash is not the hash of entry " +
                                            std::to_string(previous_seq));
      }
      if (chain_hash(record) != record.hash) {
        return broken(std::move(report), record.seq, "its hash does not match its contents");
      }
      previous_hash = record.hash;
      previous_seq = record.seq;
    }
    return report;
  });
}

Result<std::vector<VerifyReport>> verify_all(storage::Db& db) {
  auto org_ids = db.read([&](storage::Connection& connection) -> Result<std::vector<OrgId>> {
    auto statement = connection.prepare("SELECT DISTINCT org_id FROM audit_log ORDER BY org_id");
    if (!statement) return statement.error();
    std::vector<OrgId> ids;
    for (;;) {
      auto row = (*statement)->step();
      if (!row) return row.error();
      if (!*row) break;
      ids.push_back((*statement)->column_int(0));
    }
    return ids;
  });
  if (!org_ids) return org_ids.error();
  std::vector<VerifyReport> reports;
  reports.reserve(org_ids->size());
  for (const OrgId org_id : *org_ids) {
    auto report = verify(db, org_id);
    if (!report) return report.error();
    reports.push_back(std::move(*report));
  }
  return reports;
}

}  // namespace worktrace::audit
