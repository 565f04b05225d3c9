#include "devices/device_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace worktrace::devices {
namespace {

constexpr std::size_t kMaxRemoteIpBytes = 64;

// The columns read_device() expects, in order.
constexpr std::string_view kDeviceColumns =
    "id, org_id, user_id, name, hostname, os_name, os_id, os_version, kernel, arch, cpu_model, "
    "cpu_cores, memory_bytes, agent_version, local_ips, remote_ip, enrolled_at, last_seen_at, "
    "revoked_at";

std::string sql(std::string_view before, std::string_view after = {}) {
  std::string text(before);
  text += kDeviceColumns;
  text += after;
  return text;
}

std::string local_ips_text(const std::vector<std::string>& addresses) {
  boost::json::array json;
  for (const auto& address : addresses) json.emplace_back(address);
  return boost::json::serialize(json);
}

// Our own column, written by local_ips_text(); anything else reads as no addresses.
std::vector<std::string> parse_local_ips(const std::string& text) {
  std::vector<std::string> addresses;
  boost::system::error_code ec;
  const auto json = boost::json::parse(text, ec);
  if (ec || !json.is_array()) return addresses;
  for (const auto& item : json.get_array()) {
    if (item.is_string()) addresses.emplace_back(item.get_string());
  }
  return addresses;
}

Device read_device(const storage::Statement& s) {
  Device device;
  device.id = s.column_int(0);
  device.org_id = s.column_int(1);
  if (!s.column_is_null(2)) device.user_id = s.column_int(2);
  device.name = s.column_text(3);
  device.info.hostname = s.column_text(4);
  device.info.os_name = s.column_text(5);
  device.info.os_id = s.column_text(6);
  device.info.os_version = s.column_text(7);
  device.info.kernel = s.column_text(8);
  device.info.arch = s.column_text(9);
  device.info.cpu_model = s.column_text(10);
  device.info.cpu_cores = s.column_int(11);
  device.info.memory_bytes = s.column_int(12);
  device.info.agent_version = s.column_text(13);
  device.info.local_ips = parse_local_ips(s.column_text(14));
  device.remote_ip = s.column_text(15);
  device.enrolled_at = s.column_int(16);
  device.last_seen_at = s.column_int(17);
  if (!s.column_is_null(18)) device.revoked_at = s.column_int(18);
  return device;
}

// Binds the DeviceInfo columns hostname .. local_ips to parameters first .. first+10.
void bind_info(storage::Statement& s, int first, const protocol::DeviceInfo& info) {
  s.bind_text(first, info.hostname);
  s.bind_text(first + 1, info.os_name);
  s.bind_text(first + 2, info.os_id);
  s.bind_text(first + 3, info.os_version);
  s.bind_text(first + 4, info.kernel);
  s.bind_text(first + 5, info.arch);
  s.bind_text(first + 6, info.cpu_model);
  s.bind_int(first + 7, info.cpu_cores);
  s.bind_int(first + 8, info.memory_bytes);
  s.bind_text(first + 9, info.agent_version);
  s.bind_text(first + 10, local_ips_text(info.local_ips));
}

// Steps `statement` once and reads the device of its row, if any.
Result<std::optional<Device>> one_device(storage::Statement& statement) {
  auto row = statement.step();
  if (!row) return row.error();
  if (!*row) return std::optional<Device>();
  return std::optional<Device>(read_device(statement));
}

Result<std::optional<Device>> find_in(storage::Connection& connection, OrgId org_id,
                                      DeviceId device_id) {
  auto statement = connection.prepare(sql("SELECT ", " FROM devices WHERE id = ? AND org_id = ?"));
  if (!statement) return statement.error();
  (*statement)->bind_int(1, device_id);
  (*statement)->bind_int(2, org_id);
  return one_device(**statement);
}

}  // namespace

Result<std::int64_t> DeviceStore::create_enrollment_token(OrgId org_id,
                                                          const auth::TokenHash& token_hash,
                                                          int uses, EpochMs expires_at,
                                                          std::optional<UserId> created_by,
                                                          EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare(
        "INSERT INTO enrollment_tokens (org_id, token_hash, uses_left, expires_at, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    if (!statement) return statement.error();
    auto& s = **statement;
    s.bind_int(1, org_id);
    s.bind_blob(2, token_hash);
    s.bind_int(3, uses);
    s.bind_int(4, expires_at);
    s.bind_optional_int(5, created_by);
    s.bind_int(6, now);
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    return s.column_int(0);
  });
}

Result<std::optional<Enrollment>> DeviceStore::enroll(const auth::TokenHash& token_hash,
                                                      const auth::TokenHash& credential_hash,
                                                      std::string_view name,
                                                      const protocol::DeviceInfo& info,
                                                      std::string_view remote_ip, EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<Enrollment>> {
    // One atomic step: a token with one use left enrolls one device, however many try. The
    // change happens in the first step(); RETURNING rows are produced after it.
    auto consume = connection.prepare(
        "UPDATE enrollment_tokens SET uses_left = uses_left - 1 "
        "WHERE token_hash = ? AND uses_left > 0 AND expires_at > ? RETURNING org_id");
    if (!consume) return consume.error();
    (*consume)->bind_blob(1, token_hash);
    (*consume)->bind_int(2, now);
    auto consumed = (*consume)->step();
    if (!consumed) return consumed.error();
    if (!*consumed) return std::optional<Enrollment>();
    Enrollment enrollment;
    enrollment.org_id = (*consume)->column_int(0);

    auto insert = connection.prepare(
        "INSERT INTO devices (org_id, credential_hash, name, hostname, os_name, os_id, "
        "os_version, kernel, arch, cpu_model, cpu_cores, memory_bytes, agent_version, local_ips, "
        "remote_ip, enrolled_at, last_seen_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!insert) return insert.error();
    auto& s = **insert;
    s.bind_int(1, enrollment.org_id);
    s.bind_blob(2, credential_hash);
    s.bind_text(3, name);
    bind_info(s, 4, info);
    s.bind_text(15, remote_ip.substr(0, kMaxRemoteIpBytes));
    s.bind_int(16, now);
    s.bind_int(17, now);
    auto inserted = s.step();
    if (!inserted) return inserted.error();
    if (!*inserted) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    enrollment.device_id = s.column_int(0);

    auto org = connection.prepare("SELECT name FROM organizations WHERE id = ?");
    if (!org) return org.error();
    (*org)->bind_int(1, enrollment.org_id);
    auto org_row = (*org)->step();
    if (!org_row) return org_row.error();
    if (*org_row) enrollment.org_name = (*org)->column_text(0);
    return std::optional<Enrollment>(std::move(enrollment));
  });
}

Result<std::optional<CredentialMatch>> DeviceStore::find_by_credential(
    const auth::TokenHash& credential_hash) {
  return db_.read([&](storage::Connection& connection) -> Result<std::optional<CredentialMatch>> {
    auto statement = connection.prepare(
        "SELECT id, org_id, user_id, revoked_at FROM devices WHERE credential_hash = ?");
    if (!statement) return statement.error();
    (*statement)->bind_blob(1, credential_hash);
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<CredentialMatch>();
    auto& s = **statement;
    CredentialMatch match;
    match.principal.device_id = s.column_int(0);
    match.principal.org_id = s.column_int(1);
    if (!s.column_is_null(2)) match.principal.user_id = s.column_int(2);
    match.revoked = !s.column_is_null(3);
    return std::optional<CredentialMatch>(match);
  });
}

Result<std::optional<Device>> DeviceStore::find(OrgId org_id, DeviceId device_id) {
  return db_.read(
      [&](storage::Connection& connection) { return find_in(connection, org_id, device_id); });
}

Result<std::vector<Device>> DeviceStore::list(OrgId org_id, std::optional<UserId> owner) {
  return db_.read([&](storage::Connection& connection) -> Result<std::vector<Device>> {
    auto statement = connection.prepare(
        owner ? sql("SELECT ", " FROM devices WHERE org_id = ? AND user_id = ? ORDER BY id")
              : sql("SELECT ", " FROM devices WHERE org_id = ? ORDER BY id"));
    if (!statement) return statement.error();
    (*statement)->bind_int(1, org_id);
    if (owner) (*statement)->bind_int(2, *owner);
    std::vector<Device> devices;
    while (true) {
      auto device = one_device(**statement);
      if (!device) return device.error();
      if (!*device) break;
      devices.push_back(std::move(**device));
    }
    return devices;
  });
}

Result<std::optional<Device>> DeviceStore::mark_connected(OrgId org_id, DeviceId device_id,
                                                          std::string_view remote_ip, EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<Device>> {
    auto statement = connection.prepare(
        sql("UPDATE devices SET remote_ip = ?, last_seen_at = ? WHERE id = ? AND org_id = ? "
            "RETURNING "));
    if (!statement) return statement.error();
    (*statement)->bind_text(1, remote_ip.substr(0, kMaxRemoteIpBytes));
    (*statement)->bind_int(2, now);
    (*statement)->bind_int(3, device_id);
    (*statement)->bind_int(4, org_id);
    return one_device(**statement);
  });
}

Result<bool> DeviceStore::mark_seen(OrgId org_id, DeviceId device_id, EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<bool> {
    auto statement = connection.prepare(
        "UPDATE devices SET last_seen_at = ? WHERE id = ? AND org_id = ? RETURNING id");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, now);
    (*statement)->bind_int(2, device_id);
    (*statement)->bind_int(3, org_id);
    return (*statement)->step();
  });
}

Result<std::optional<Device>> DeviceStore::update_info(OrgId org_id, DeviceId device_id,
                                                       const protocol::DeviceInfo& info,
                                                       EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<Device>> {
    auto current = find_in(connection, org_id, device_id);
    if (!current) return current.error();
    if (!*current || (*current)->revoked_at || (*current)->info == info) {
      return std::optional<Device>();
    }
    auto statement = connection.prepare(
        sql("UPDATE devices SET hostname = ?, os_name = ?, os_id = ?, os_version = ?, kernel = ?, "
            "arch = ?, cpu_model = ?, cpu_cores = ?, memory_bytes = ?, agent_version = ?, "
            "local_ips = ?, last_seen_at = ? WHERE id = ? AND org_id = ? RETURNING "));
    if (!statement) return statement.error();
    bind_info(**statement, 1, info);
    (*statement)->bind_int(12, now);
    (*statement)->bind_int(13, device_id);
    (*statement)->bind_int(14, org_id);
    return one_device(**statement);
  });
}

}  // namespace worktrace::devices
