#include "devices/device_store.hpp"

#include "auth/person.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>

namespace worktrace::devices {
namespace {

constexpr std::size_t kMaxRemoteIpBytes = 64;

// The columns read_device() expects, in order.
constexpr std::string_view kDeviceColumns =
    "id, org_id, user_id, name, hostname, os_name, os_id, os_version, kernel, arch, cpu_model, "
    "cpu_cores, memory_bytes, agent_version, local_ips, remote_ip, enrolled_at, last_seen_at, "
    "revoked_at, screens";

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

std::string screens_text(const std::vector<protocol::Screen>& screens) {
  return boost::json::serialize(protocol::screens_json(screens));
}

// Our own column, written by screens_text(); anything else reads as no screens.
std::vector<protocol::Screen> parse_screens(const std::string& text) {
  boost::system::error_code ec;
  const auto json = boost::json::parse(text, ec);
  if (ec) return {};
  auto screens = protocol::read_screens(json, "screens");
  return screens ? std::move(*screens) : std::vector<protocol::Screen>();
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
  device.info.screens = parse_screens(s.column_text(19));
  return device;
}

// Binds the DeviceInfo columns hostname .. local_ips, screens to parameters first .. first+11.
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
  s.bind_text(first + 11, screens_text(info.screens));
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

// kDeviceColumns of table alias "d", in the same order.
constexpr std::string_view kListingDeviceColumns =
    "d.id, d.org_id, d.user_id, d.name, d.hostname, d.os_name, d.os_id, d.os_version, d.kernel, "
    "d.arch, d.cpu_model, d.cpu_cores, d.memory_bytes, d.agent_version, d.local_ips, "
    "d.remote_ip, d.enrolled_at, d.last_seen_at, d.revoked_at, d.screens";

// Devices with their owner's name (the column after the device's); the owner must be of the
// same organization.
std::string listing_sql(std::string_view where) {
  return "SELECT " + std::string(kListingDeviceColumns) +
         ", u.name FROM devices d LEFT JOIN users u ON u.id = d.user_id AND u.org_id = d.org_id "
         "WHERE " +
         std::string(where);
}

DeviceListing read_listing(const storage::Statement& s) {
  DeviceListing listing;
  listing.device = read_device(s);
  constexpr int kUserNameColumn = 20;
  if (!s.column_is_null(kUserNameColumn)) listing.user_name = s.column_text(kUserNameColumn);
  return listing;
}

Result<std::optional<DeviceListing>> find_listing_in(storage::Connection& connection, OrgId org_id,
                                                     DeviceId device_id) {
  auto statement = connection.prepare(listing_sql("d.id = ? AND d.org_id = ?"));
  if (!statement) return statement.error();
  (*statement)->bind_int(1, device_id);
  (*statement)->bind_int(2, org_id);
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<DeviceListing>();
  DeviceListing listing = read_listing(**statement);
  (*statement)->reset();
  if (listing.device.user_id) {
    auto membership = auth::load_membership(connection, *listing.device.user_id);
    if (!membership) return membership.error();
    listing.owner_teams = std::move(membership->team_ids);
  }
  return std::optional<DeviceListing>(std::move(listing));
}

Result<bool> is_person_of(storage::Connection& connection, OrgId org_id, UserId user_id) {
  auto statement = connection.prepare("SELECT 1 FROM users WHERE id = ? AND org_id = ?");
  if (!statement) return statement.error();
  (*statement)->bind_int(1, user_id);
  (*statement)->bind_int(2, org_id);
  auto row = (*statement)->step();
  if (!row) return row.error();
  const bool found = *row;
  (*statement)->reset();
  return found;
}

}  // namespace

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
        "WHERE token_hash = ? AND uses_left > 0 AND expires_at > ? AND revoked_at IS NULL "
        "RETURNING org_id, id");
    if (!consume) return consume.error();
    (*consume)->bind_blob(1, token_hash);
    (*consume)->bind_int(2, now);
    auto consumed = (*consume)->step();
    if (!consumed) return consumed.error();
    if (!*consumed) return std::optional<Enrollment>();
    Enrollment enrollment;
    enrollment.org_id = (*consume)->column_int(0);
    const std::int64_t token_id = (*consume)->column_int(1);
    (*consume)->reset();

    auto insert = connection.prepare(
        "INSERT INTO devices (org_id, credential_hash, name, hostname, os_name, os_id, "
        "os_version, kernel, arch, cpu_model, cpu_cores, memory_bytes, agent_version, local_ips, "
        "screens, remote_ip, enrolled_at, last_seen_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!insert) return insert.error();
    auto& s = **insert;
    s.bind_int(1, enrollment.org_id);
    s.bind_blob(2, credential_hash);
    s.bind_text(3, name);
    bind_info(s, 4, info);
    s.bind_text(16, remote_ip.substr(0, kMaxRemoteIpBytes));
    s.bind_int(17, now);
    s.bind_int(18, now);
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
    (*org)->reset();

    audit::Entry entry;
    entry.org_id = enrollment.org_id;
    entry.actor = "device:" + std::to_string(enrollment.device_id);
    entry.action = "device.enrolled";
    entry.target_type = "device";
    entry.target_id = std::to_string(enrollment.device_id);
    entry.remote_ip = std::string(remote_ip.substr(0, kMaxRemoteIpBytes));
    entry.details = {
        {"name", name}, {"hostname", info.hostname}, {"enrollment_token_id", token_id}};
    if (auto logged = audit::append(connection, std::move(entry), now); !logged) {
      return logged.error();
    }
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

Result<std::optional<DeviceListing>> DeviceStore::find_listing(OrgId org_id, DeviceId device_id) {
  return db_.read([&](storage::Connection& connection) {
    return find_listing_in(connection, org_id, device_id);
  });
}

Result<std::vector<DeviceListing>> DeviceStore::list(OrgId org_id) {
  return db_.read([&](storage::Connection& connection) -> Result<std::vector<DeviceListing>> {
    constexpr int kMaxDevices = 100'000;
    auto statement = connection.prepare(listing_sql("d.org_id = ? ORDER BY d.id LIMIT ?"));
    if (!statement) return statement.error();
    (*statement)->bind_int(1, org_id);
    (*statement)->bind_int(2, kMaxDevices);
    std::vector<DeviceListing> listings;
    for (;;) {
      auto row = (*statement)->step();
      if (!row) return row.error();
      if (!*row) break;
      listings.push_back(read_listing(**statement));
    }
    // Every membership of the organization's people at once, rather than one query a device.
    auto teams = connection.prepare(
        "SELECT m.user_id, m.team_id FROM team_members m JOIN users u ON u.id = m.user_id "
        "WHERE u.org_id = ? ORDER BY m.user_id, m.team_id");
    if (!teams) return teams.error();
    (*teams)->bind_int(1, org_id);
    std::map<UserId, std::vector<TeamId>> teams_of;
    for (;;) {
      auto row = (*teams)->step();
      if (!row) return row.error();
      if (!*row) break;
      teams_of[(*teams)->column_int(0)].push_back((*teams)->column_int(1));
    }
    for (DeviceListing& listing : listings) {
      if (!listing.device.user_id) continue;
      const auto found = teams_of.find(*listing.device.user_id);
      if (found != teams_of.end()) listing.owner_teams = found->second;
    }
    return listings;
  });
}

Result<std::optional<DeviceChange>> DeviceStore::update(OrgId org_id, DeviceId device_id,
                                                        const DevicePatch& patch, audit::Entry by,
                                                        EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<DeviceChange>> {
    auto current = find_listing_in(connection, org_id, device_id);
    if (!current) return current.error();
    if (!*current) return std::optional<DeviceChange>();
    const Device& device = (*current)->device;
    if (patch.user_id && *patch.user_id) {
      auto known = is_person_of(connection, org_id, **patch.user_id);
      if (!known) return known.error();
      if (!*known) return fail(Errc::invalid_argument, "user_id: no such person");
    }
    const std::string name = patch.name.value_or(device.name);
    const std::optional<UserId> owner = patch.user_id.value_or(device.user_id);
    boost::json::array changed;
    if (name != device.name) changed.emplace_back("name");
    if (owner != device.user_id) changed.emplace_back("user_id");
    if (!changed.empty()) {
      // assigned_at: activity recorded before it belongs to nobody, so the previous owner's
      // spooled records never land on the next owner's timeline. It moves only when the
      // device is taken from someone; what an unassigned device recorded goes to whoever
      // gets it first.
      auto statement = connection.prepare(
          "UPDATE devices SET name = ?, user_id = ?, "
          "assigned_at = CASE WHEN ? = 1 THEN ? ELSE assigned_at END "
          "WHERE id = ? AND org_id = ?");
      if (!statement) return statement.error();
      (*statement)->bind_text(1, name);
      (*statement)->bind_optional_int(2, owner);
      (*statement)->bind_int(3, device.user_id && owner != device.user_id ? 1 : 0);
      (*statement)->bind_int(4, now);
      (*statement)->bind_int(5, device_id);
      (*statement)->bind_int(6, org_id);
      if (auto done = (*statement)->step(); !done) return done.error();
      by.action = "device.updated";
      by.target_type = "device";
      by.target_id = std::to_string(device_id);
      by.subject_user_id = owner ? owner : device.user_id;
      by.details = {
          {"changed", std::move(changed)},
          {"name", name},
          {"user_id", owner ? boost::json::value(*owner) : nullptr},
          {"previous_user_id", device.user_id ? boost::json::value(*device.user_id) : nullptr}};
      if (auto logged = audit::append(connection, std::move(by), now); !logged) {
        return logged.error();
      }
    }
    auto after = find_listing_in(connection, org_id, device_id);
    if (!after) return after.error();
    if (!*after) return fail(Errc::internal, "the updated device is gone");
    return std::optional<DeviceChange>(DeviceChange{std::move(**current), std::move(**after)});
  });
}

Result<std::optional<DeviceListing>> DeviceStore::revoke(OrgId org_id, DeviceId device_id,
                                                         audit::Entry by, EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<DeviceListing>> {
    auto current = find_listing_in(connection, org_id, device_id);
    if (!current) return current.error();
    if (!*current || (*current)->device.revoked_at) return current;
    auto statement = connection.prepare(
        "UPDATE devices SET revoked_at = ?, revoked_by = ? WHERE id = ? AND org_id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, now);
    (*statement)->bind_optional_int(2, by.actor_user_id);
    (*statement)->bind_int(3, device_id);
    (*statement)->bind_int(4, org_id);
    if (auto done = (*statement)->step(); !done) return done.error();
    (*current)->device.revoked_at = now;
    by.action = "device.revoked";
    by.target_type = "device";
    by.target_id = std::to_string(device_id);
    by.subject_user_id = (*current)->device.user_id;
    by.details = {{"name", (*current)->device.name}};
    if (auto logged = audit::append(connection, std::move(by), now); !logged) {
      return logged.error();
    }
    return current;
  });
}

Result<std::optional<DeviceListing>> DeviceStore::mark_connected(OrgId org_id, DeviceId device_id,
                                                                 std::string_view remote_ip,
                                                                 EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<DeviceListing>> {
    auto statement = connection.prepare(
        "UPDATE devices SET remote_ip = ?, last_seen_at = ? WHERE id = ? AND org_id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_text(1, remote_ip.substr(0, kMaxRemoteIpBytes));
    (*statement)->bind_int(2, now);
    (*statement)->bind_int(3, device_id);
    (*statement)->bind_int(4, org_id);
    if (auto done = (*statement)->step(); !done) return done.error();
    return find_listing_in(connection, org_id, device_id);
  });
}

Result<std::optional<DeviceListing>> DeviceStore::mark_seen(OrgId org_id, DeviceId device_id,
                                                            EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<DeviceListing>> {
    auto statement =
        connection.prepare("UPDATE devices SET last_seen_at = ? WHERE id = ? AND org_id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, now);
    (*statement)->bind_int(2, device_id);
    (*statement)->bind_int(3, org_id);
    if (auto done = (*statement)->step(); !done) return done.error();
    return find_listing_in(connection, org_id, device_id);
  });
}

Result<std::optional<DeviceListing>> DeviceStore::update_info(OrgId org_id, DeviceId device_id,
                                                              const protocol::DeviceInfo& info,
                                                              EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::optional<DeviceListing>> {
    auto current = find_listing_in(connection, org_id, device_id);
    if (!current) return current.error();
    if (!*current || (*current)->device.revoked_at || (*current)->device.info == info) {
      return std::optional<DeviceListing>();
    }
    auto statement = connection.prepare(
        "UPDATE devices SET hostname = ?, os_name = ?, os_id = ?, os_version = ?, kernel = ?, "
        "arch = ?, cpu_model = ?, cpu_cores = ?, memory_bytes = ?, agent_version = ?, "
        "local_ips = ?, screens = ?, last_seen_at = ? WHERE id = ? AND org_id = ?");
    if (!statement) return statement.error();
    bind_info(**statement, 1, info);
    (*statement)->bind_int(13, now);
    (*statement)->bind_int(14, device_id);
    (*statement)->bind_int(15, org_id);
    if (auto done = (*statement)->step(); !done) return done.error();
    (*current)->device.info = info;
    (*current)->device.last_seen_at = now;
    return current;
  });
}

}  // namespace worktrace::devices
