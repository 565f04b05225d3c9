// The signed-in person's own account: name, password, sessions (part of AuthService).
#include "api/params.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "auth/auth_store.hpp"
#include "auth/password.hpp"
#include "auth/policy.hpp"
#include "auth/tokens.hpp"
#include "protocol/json_reader.hpp"

#include <boost/json/array.hpp>

namespace worktrace::auth {
namespace {

using detail::exec;
using detail::own_account_entry;
using detail::query_int;
using detail::session_actor;

constexpr std::size_t kMaxNameBytes = 200;

}  // namespace

Result<std::string> AuthService::confirm_password(const Actor& actor, std::string_view password,
                                                  std::string_view field,
                                                  const api::Request& request) {
  struct Stored {
    std::string email;
    std::string hash;
  };
  auto stored = db_.read([&](storage::Connection& connection) -> Result<Stored> {
    auto statement = connection.prepare("SELECT email, password_hash FROM users WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, actor.user_id);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::unauthenticated, "the signed-in user no longer exists");
    return Stored{(*statement)->column_text(0), (*statement)->column_text(1)};
  });
  if (!stored) return stored.error();
  const std::string_view ip = detail::remote_ip_of(request);
  // Reserved (counted as failed) before the check, given back when the password is right.
  if (const auto wait = throttle_.reserve(stored->email, ip); wait > 0) {
    return fail(Errc::rate_limited,
                "too many wrong passwords; try again in " + std::to_string(wait) + " s");
  }
  auto slot = PasswordSlot::take(password_slots_);
  if (!slot) {
    throttle_.refund(stored->email, ip);
    return slot.error();
  }
  if (!verify_password(stored->hash, password)) {
    return fail(Errc::invalid_argument, std::string(field) + ": is wrong");
  }
  throttle_.refund(stored->email, ip);
  return std::move(stored->email);
}

Result<api::Response> AuthService::update_me(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  auto body = detail::object_body(request, {"name"});
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto name = reader->required_string("name", kMaxNameBytes);
  if (!name) return name.error();
  if (name->empty() || protocol::has_control_characters(*name)) {
    return fail(Errc::invalid_argument, "name: must be 1.." + std::to_string(kMaxNameBytes) +
                                            " characters without control characters");
  }
  const EpochMs now = clock_.now_ms();
  auto person = db_.write([&](storage::Connection& connection) -> Result<Person> {
    auto updated = exec(connection, "UPDATE users SET name = ?, updated_at = ? WHERE id = ?",
                        [&](storage::Statement& s) {
                          s.bind_text(1, *name);
                          s.bind_int(2, now);
                          s.bind_int(3, actor->user_id);
                        });
    if (!updated) return updated.error();
    auto loaded = load_person(connection, actor->org_id, actor->user_id);
    if (!loaded) return loaded.error();
    if (!*loaded) return fail(Errc::unauthenticated, "the signed-in user no longer exists");
    return std::move(**loaded);
  });
  if (!person) return person.error();
  return api::Response::json(200, {{"user", person_json(*person)}});
}

Result<api::Response> AuthService::change_password(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  auto body = detail::object_body(request, {"current_password", "new_password"});
  if (!body) return body.error();
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return reader.error();
  auto current = reader->required_string("current_password", kMaxPasswordBytes);
  if (!current) return current.error();
  auto fresh = reader->required_string("new_password", kMaxPasswordBytes);
  if (!fresh) return fresh.error();

  auto email = confirm_password(*actor, *current, "current_password", request);
  if (!email) return email.error();
  if (auto allowed = check_new_password(*fresh, *email); !allowed) {
    return fail(Errc::invalid_argument, "new_" + allowed.error().message);
  }
  auto hash = [&]() -> Result<std::string> {
    auto slot = PasswordSlot::take(password_slots_);
    if (!slot) return slot.error();
    return hash_password(*fresh);
  }();
  if (!hash) return hash.error();

  const EpochMs now = clock_.now_ms();
  auto changed = db_.write([&](storage::Connection& connection) -> Result<void> {
    auto updated = exec(connection,
                        "UPDATE users SET password_hash = ?, password_changed_at = ?, "
                        "updated_at = ? WHERE id = ?",
                        [&](storage::Statement& s) {
                          s.bind_text(1, *hash);
                          s.bind_int(2, now);
                          s.bind_int(3, now);
                          s.bind_int(4, actor->user_id);
                        });
    if (!updated) return updated;
    auto others = detail::delete_other_sessions(connection, actor->user_id, actor->session_id);
    if (!others) return others;
    auto entry = own_account_entry(*actor, "auth.password_changed", request);
    auto appended = audit::append(connection, std::move(entry), now);
    if (!appended) return appended.error();
    return {};
  });
  if (!changed) return changed.error();
  notify_sessions_ended(actor->user_id, std::nullopt, actor->session_id);
  return api::Response::no_content();
}

Result<api::Response> AuthService::list_sessions(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  const EpochMs now = clock_.now_ms();
  auto sessions = db_.read([&](storage::Connection& connection) -> Result<boost::json::array> {
    auto statement = connection.prepare(
        "SELECT id, created_at, last_seen_at, expires_at, remote_ip, user_agent FROM sessions "
        "WHERE user_id = ? AND expires_at > ? AND last_seen_at > ? "
        "ORDER BY last_seen_at DESC, id DESC LIMIT 1000");
    if (!statement) return statement.error();
    auto& s = **statement;
    s.bind_int(1, actor->user_id);
    s.bind_int(2, now);
    s.bind_int(3, now - kSessionIdleMs);
    boost::json::array list;
    for (;;) {
      auto row = s.step();
      if (!row) return row.error();
      if (!*row) break;
      list.push_back(boost::json::object{{"id", s.column_int(0)},
                                         {"created_at", s.column_int(1)},
                                         {"last_seen_at", s.column_int(2)},
                                         {"expires_at", s.column_int(3)},
                                         {"remote_ip", s.column_text(4)},
                                         {"user_agent", s.column_text(5)},
                                         {"current", s.column_int(0) == actor->session_id}});
    }
    return list;
  });
  if (!sessions) return sessions.error();
  return api::Response::json(200, {{"sessions", std::move(*sessions)}});
}

Result<api::Response> AuthService::revoke_session(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  auto id = api::path_id(request, "id", "session");
  if (!id) return id.error();
  auto revoked = db_.write([&](storage::Connection& connection) -> Result<void> {
    auto removed =
        query_int(connection, "DELETE FROM sessions WHERE id = ? AND user_id = ? RETURNING id",
                  [&](storage::Statement& s) {
                    s.bind_int(1, *id);
                    s.bind_int(2, actor->user_id);
                  });
    if (!removed) return removed.error();
    if (!*removed) return fail(Errc::not_found, "session not found");
    auto entry = audit::entry_for(*actor, "auth.sessions_revoked", detail::remote_ip_of(request));
    entry.target_type = "session";
    entry.target_id = std::to_string(*id);
    entry.subject_user_id = actor->user_id;
    auto appended = audit::append(connection, std::move(entry), clock_.now_ms());
    if (!appended) return appended.error();
    return {};
  });
  if (!revoked) return revoked.error();
  notify_sessions_ended(actor->user_id, *id, std::nullopt);
  return api::Response::no_content();
}

Result<api::Response> AuthService::revoke_other_sessions(const api::Request& request) {
  auto actor = session_actor(authenticate(request));
  if (!actor) return actor.error();
  auto revoked = db_.write([&](storage::Connection& connection) -> Result<void> {
    auto removed = detail::delete_other_sessions(connection, actor->user_id, actor->session_id);
    if (!removed) return removed;
    auto entry = own_account_entry(*actor, "auth.sessions_revoked", request);
    entry.details = {{"all_but_current", true}};
    auto appended = audit::append(connection, std::move(entry), clock_.now_ms());
    if (!appended) return appended.error();
    return {};
  });
  if (!revoked) return revoked.error();
  notify_sessions_ended(actor->user_id, std::nullopt, actor->session_id);
  return api::Response::no_content();
}

}  // namespace worktrace::auth
