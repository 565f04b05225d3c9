#include "org/org_settings.hpp"

#include "audit/audit_log.hpp"
#include "auth/policy.hpp"
#include "org/validation.hpp"

#include <boost/json/array.hpp>

#include <array>
#include <vector>

namespace worktrace::org {
namespace {

constexpr std::array<std::string_view, 4> kPlans = {"trial", "starter", "business", "enterprise"};
constexpr std::array<std::string_view, 2> kBillingCycles = {"monthly", "yearly"};

bool one_of(std::string_view value, std::span<const std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

Result<void> check_patch(const OrgPatch& patch) {
  if (patch.name) {
    if (auto ok = check_line("name", *patch.name, 1, kMaxNameCharacters); !ok) return ok;
  }
  if (patch.legal_name) {
    if (auto ok = check_line("legal_name", *patch.legal_name, 0, kMaxTextBytes); !ok) return ok;
    if (auto ok = check_text("legal_name", *patch.legal_name, kMaxTextBytes); !ok) return ok;
  }
  if (patch.address) {
    if (auto ok = check_text("address", *patch.address, kMaxTextBytes); !ok) return ok;
  }
  if (patch.billing_address) {
    if (auto ok = check_text("billing_address", *patch.billing_address, kMaxTextBytes); !ok) {
      return ok;
    }
  }
  if (patch.country) {
    if (auto ok = check_country(*patch.country); !ok) return ok;
  }
  if (patch.time_zone) {
    if (auto ok = check_time_zone(*patch.time_zone); !ok) return ok;
  }
  if (patch.tax_id) {
    const bool printable = std::all_of(patch.tax_id->begin(), patch.tax_id->end(),
                                       [](unsigned char ch) { return ch >= 0x20 && ch < 0x7f; });
    if (patch.tax_id->size() > kMaxTaxIdBytes || !printable) {
      return fail(Errc::invalid_argument, "tax_id: must be at most 50 printable ASCII characters");
    }
  }
  if (patch.plan && !one_of(*patch.plan, kPlans)) {
    return fail(Errc::invalid_argument, "plan: must be trial, starter, business or enterprise");
  }
  if (patch.billing_cycle && !one_of(*patch.billing_cycle, kBillingCycles)) {
    return fail(Errc::invalid_argument, "billing_cycle: must be monthly or yearly");
  }
  if (patch.seats && (*patch.seats < 1 || *patch.seats > kMaxSeats)) {
    return fail(Errc::invalid_argument, "seats: must be between 1 and 100000");
  }
  return {};
}

// Sets `field` to `value` when given and different; records the field name in `changed`.
template <class T>
void apply(std::string_view name, T& field, const std::optional<T>& value,
           boost::json::array& changed) {
  if (!value || *value == field) return;
  field = *value;
  changed.emplace_back(name);
}

}  // namespace

boost::json::object org_details_json(const OrgDetails& details, bool full) {
  boost::json::object json{{"id", details.id},
                           {"name", details.name},
                           {"time_zone", details.time_zone},
                           {"require_2fa", details.require_2fa}};
  if (!full) return json;
  json["legal_name"] = details.legal_name;
  json["address"] = details.address;
  json["country"] = details.country;
  json["billing_email"] = details.billing_email;
  json["tax_id"] = details.tax_id;
  json["billing_address"] = details.billing_address;
  json["plan"] = details.plan;
  json["billing_cycle"] = details.billing_cycle;
  json["seats"] = details.seats;
  json["seats_used"] = details.seats_used;
  json["created_at"] = details.created_at;
  return json;
}

Result<std::optional<OrgDetails>> load_org_details(storage::Connection& connection, OrgId org_id) {
  auto statement = connection.prepare(
      "SELECT id, name, legal_name, address, country, time_zone, billing_email, tax_id, "
      "billing_address, plan, billing_cycle, seats, require_2fa, created_at, "
      "(SELECT count(*) FROM users u WHERE u.org_id = o.id AND u.status IN ('active', "
      "'invited')) FROM organizations o WHERE id = ?");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, org_id);
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return std::optional<OrgDetails>();
  OrgDetails details;
  details.id = s.column_int(0);
  details.name = s.column_text(1);
  details.legal_name = s.column_text(2);
  details.address = s.column_text(3);
  details.country = s.column_text(4);
  details.time_zone = s.column_text(5);
  details.billing_email = s.column_text(6);
  details.tax_id = s.column_text(7);
  details.billing_address = s.column_text(8);
  details.plan = s.column_text(9);
  details.billing_cycle = s.column_text(10);
  details.seats = s.column_int(11);
  details.require_2fa = s.column_int(12) != 0;
  details.created_at = s.column_int(13);
  details.seats_used = s.column_int(14);
  return std::optional<OrgDetails>(std::move(details));
}

OrgSettings::OrgSettings(storage::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<OrgDetails> OrgSettings::get(const Actor& actor) {
  if (auto allowed = auth::authorize(
          actor, {Role::owner, Role::admin, Role::manager, Role::employee}, Scope::org_read);
      !allowed) {
    return allowed.error();
  }
  auto details = db_.read(
      [&](storage::Connection& connection) { return load_org_details(connection, actor.org_id); });
  if (!details) return details.error();
  if (!*details) return fail(Errc::not_found, "organization not found");
  return std::move(**details);
}

Result<OrgDetails> OrgSettings::update(const Actor& actor, std::string_view remote_ip,
                                       const OrgPatch& patch) {
  if (auto allowed = auth::authorize(actor, {Role::owner, Role::admin}, Scope::org_write);
      !allowed) {
    return allowed.error();
  }
  if ((patch.plan || patch.seats || patch.billing_cycle) && actor.role != Role::owner) {
    return fail(Errc::permission_denied, "only owners can change plan, seats and billing_cycle");
  }
  if (auto ok = check_patch(patch); !ok) return ok.error();
  std::optional<std::string> billing_email = patch.billing_email;
  if (billing_email && !billing_email->empty()) {
    auto normalized = normalize_email_field("billing_email", *billing_email);
    if (!normalized) return normalized.error();
    billing_email = std::move(*normalized);
  }

  const EpochMs now = clock_.now_ms();
  return db_.write([&](storage::Connection& connection) -> Result<OrgDetails> {
    auto loaded = load_org_details(connection, actor.org_id);
    if (!loaded) return loaded.error();
    if (!*loaded) return fail(Errc::not_found, "organization not found");
    OrgDetails details = std::move(**loaded);
    if (patch.seats && *patch.seats < details.seats_used) {
      return fail(Errc::conflict, "seats: " + std::to_string(details.seats_used) +
                                      " seats are in use (active and invited people)");
    }
    boost::json::array changed;
    apply("name", details.name, patch.name, changed);
    apply("legal_name", details.legal_name, patch.legal_name, changed);
    apply("address", details.address, patch.address, changed);
    apply("country", details.country, patch.country, changed);
    apply("time_zone", details.time_zone, patch.time_zone, changed);
    apply("billing_email", details.billing_email, billing_email, changed);
    apply("tax_id", details.tax_id, patch.tax_id, changed);
    apply("billing_address", details.billing_address, patch.billing_address, changed);
    apply("plan", details.plan, patch.plan, changed);
    apply("billing_cycle", details.billing_cycle, patch.billing_cycle, changed);
    apply("seats", details.seats, patch.seats, changed);
    apply("require_2fa", details.require_2fa, patch.require_2fa, changed);
    if (changed.empty()) return details;

    auto statement = connection.prepare(
        "UPDATE organizations SET name = ?, legal_name = ?, address = ?, country = ?, "
        "time_zone = ?, billing_email = ?, tax_id = ?, billing_address = ?, plan = ?, "
        "billing_cycle = ?, seats = ?, require_2fa = ?, updated_at = ? WHERE id = ?");
    if (!statement) return statement.error();
    auto& s = **statement;
    s.bind_text(1, details.name);
    s.bind_text(2, details.legal_name);
    s.bind_text(3, details.address);
    s.bind_text(4, details.country);
    s.bind_text(5, details.time_zone);
    s.bind_text(6, details.billing_email);
    s.bind_text(7, details.tax_id);
    s.bind_text(8, details.billing_address);
    s.bind_text(9, details.plan);
    s.bind_text(10, details.billing_cycle);
    s.bind_int(11, details.seats);
    s.bind_int(12, details.require_2fa ? 1 : 0);
    s.bind_int(13, now);
    s.bind_int(14, details.id);
    if (auto done = s.step(); !done) return done.error();

    auto entry = audit::entry_for(actor, "org.updated", remote_ip);
    entry.target_type = "org";
    entry.target_id = std::to_string(details.id);
    entry.details["changed"] = std::move(changed);
    if (auto appended = audit::append(connection, std::move(entry), now); !appended) {
      return appended.error();
    }
    return details;
  });
}

}  // namespace worktrace::org
