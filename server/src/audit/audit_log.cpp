#include "audit/audit_log.hpp"

#include <sodium.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace worktrace::audit {
namespace {

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string cut(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

void put_int(crypto_hash_sha256_state& state, std::int64_t value) {
  unsigned char bytes[8];
  for (int byte_idx = 0; byte_idx < 8; ++byte_idx) {
    bytes[byte_idx] =
        static_cast<unsigned char>(static_cast<std::uint64_t>(value) >> (56 - 8 * byte_idx));
  }
  crypto_hash_sha256_update(&state, bytes, sizeof bytes);
}

void put_text(crypto_hash_sha256_state& state, std::string_view text) {
  put_int(state, static_cast<std::int64_t>(text.size()));
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(text.data()),
                            text.size());
}

void put_optional(crypto_hash_sha256_state& state, std::optional<std::int64_t> value) {
  put_int(state, value ? 1 : 0);
  put_int(state, value.value_or(0));
}

// Copies a stored hash; false (leaving `hash` as it was) when it has another length.
bool read_hash(const std::vector<unsigned char>& bytes, Hash& hash) {
  if (bytes.size() != hash.size()) return false;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return true;
}

}  // namespace

Entry entry_for(const Actor& actor, std::string_view action, std::string_view remote_ip) {
  Entry entry;
  entry.org_id = actor.org_id;
  entry.actor_user_id = actor.user_id;
  entry.actor = actor.api_token_id != 0 ? "api_token:" + std::to_string(actor.api_token_id)
                                        : "user:" + std::to_string(actor.user_id);
  entry.action = std::string(action);
  entry.remote_ip = std::string(remote_ip);
  return entry;
}

Hash chain_hash(const Record& record) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, record.prev_hash.data(), record.prev_hash.size());
  const Entry& entry = record.entry;
  put_int(state, entry.org_id);
  put_int(state, record.seq);
  put_int(state, record.at);
  put_optional(state, entry.actor_user_id);
  put_text(state, entry.actor);
  put_text(state, entry.action);
  put_text(state, entry.target_type);
  put_text(state, entry.target_id);
  put_optional(state, entry.subject_user_id);
  put_text(state, entry.remote_ip);
  put_text(state, record.details_text);
  Hash hash{};
  crypto_hash_sha256_final(&state, hash.data());
  return hash;
}

bool read_record(const storage::Statement& row, OrgId org_id, Record& record) {
  record.entry.org_id = org_id;
  record.seq = row.column_int(0);
  record.at = row.column_int(1);
  if (!row.column_is_null(2)) record.entry.actor_user_id = row.column_int(2);
  record.entry.actor = row.column_text(3);
  record.entry.action = row.column_text(4);
  record.entry.target_type = row.column_text(5);
  record.entry.target_id = row.column_text(6);
  if (!row.column_is_null(7)) record.entry.subject_user_id = row.column_int(7);
  record.entry.remote_ip = row.column_text(8);
  record.details_text = row.column_text(9);
  const bool prev_hash_intact = read_hash(row.column_blob(10), record.prev_hash);
  const bool hash_intact = read_hash(row.column_blob(11), record.hash);
  return prev_hash_intact && hash_intact;
}

Result<std::int64_t> append(storage::Connection& connection, Entry entry, EpochMs at) {
  Record record;
  record.at = at;
  record.details_text = boost::json::serialize(entry.details);
  if (record.details_text.size() > kMaxDetailsBytes) {
    record.details_text = boost::json::serialize(
        boost::json::object{{"truncated", true}, {"bytes", record.details_text.size()}});
  }
  entry.actor = cut(entry.actor, kMaxFieldBytes);
  entry.action = cut(entry.action, kMaxFieldBytes);
  entry.target_type = cut(entry.target_type, kMaxFieldBytes);
  entry.target_id = cut(entry.target_id, kMaxFieldBytes);
  entry.remote_ip = cut(entry.remote_ip, kMaxFieldBytes);
  record.entry = std::move(entry);

  auto last = connection.prepare(
      "SELECT seq, hash FROM audit_log WHERE org_id = ? ORDER BY seq DESC LIMIT 1");
  if (!last) return last.error();
  (*last)->bind_int(1, record.entry.org_id);
  auto row = (*last)->step();
  if (!row) return row.error();
  record.seq = 1;
  if (*row) {
    record.seq = (*last)->column_int(0) + 1;
    if (!read_hash((*last)->column_blob(1), record.prev_hash)) {
      return fail(Errc::internal, "audit_log: a stored hash has the wrong length");
    }
  }
  last->reset();
  record.hash = chain_hash(record);

  auto insert = connection.prepare(
      "INSERT INTO audit_log (org_id, seq, at, actor_user_id, actor, action, target_type, "
      "target_id, subject_user_id, remote_ip, details, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return insert.error();
  auto& s = **insert;
  const Entry& stored = record.entry;
  s.bind_int(1, stored.org_id);
  s.bind_int(2, record.seq);
  s.bind_int(3, record.at);
  s.bind_optional_int(4, stored.actor_user_id);
  s.bind_text(5, stored.actor);
  s.bind_text(6, stored.action);
  s.bind_text(7, stored.target_type);
  s.bind_text(8, stored.target_id);
  s.bind_optional_int(9, stored.subject_user_id);
  s.bind_text(10, stored.remote_ip);
  s.bind_text(11, record.details_text);
  s.bind_blob(12, record.prev_hash);
  s.bind_blob(13, record.hash);
  auto done = s.step();
  if (!done) return done.error();
  return record.seq;
}

}  // namespace worktrace::audit
