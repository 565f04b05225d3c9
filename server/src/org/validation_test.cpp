#include "org/validation.hpp"

#include "org/org_settings.hpp"
#include "org/test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace worktrace::org {
namespace {

using testing::expect_error;

TEST(Validation, CountryCodesAreSortedUniqueAndAssigned) {
  EXPECT_TRUE(std::is_sorted(kCountryCodes.begin(), kCountryCodes.end()));
  EXPECT_EQ(std::adjacent_find(kCountryCodes.begin(), kCountryCodes.end()), kCountryCodes.end());
  EXPECT_TRUE(is_country_code("DE"));
  EXPECT_TRUE(is_country_code("ZW"));
  EXPECT_FALSE(is_country_code("de"));
  EXPECT_FALSE(is_country_code("XX"));
  EXPECT_TRUE(check_country(""));
  expect_error(check_country("UK"), Errc::invalid_argument);
}

TEST(Validation, TimeZonesMustExistAndStayInsideZoneinfo) {
  EXPECT_TRUE(check_time_zone("UTC"));
  EXPECT_TRUE(check_time_zone("Europe/Berlin"));
  EXPECT_TRUE(check_time_zone("America/Argentina/Buenos_Aires"));
  for (const char* bad : {"", "Mars/Olympus", "../../etc/passwd", "/etc/passwd", "Europe",
                          "Europe/Berlin;", "Europe/../UTC"}) {
    expect_error(check_time_zone(bad), Errc::invalid_argument,
                 "time_zone: must be an IANA time zone name such as \"Europe/Berlin\"");
  }
  expect_error(check_time_zone(std::string(65, 'a')), Errc::invalid_argument);
}

TEST(Validation, LinesCountCharactersAndRefuseControls) {
  EXPECT_TRUE(check_line("name", std::string(200, 'a'), 1, 200));
  // 200 two-byte characters are 200 characters.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xc3\xa4";
  EXPECT_TRUE(check_line("name", umlauts, 1, 200));
  expect_error(check_line("name", std::string(201, 'a'), 1, 200), Errc::invalid_argument,
               "name: must be 1..200 characters");
  expect_error(check_line("name", "", 1, 200), Errc::invalid_argument,
               "name: must be 1..200 characters");
  expect_error(check_line("name", "a\nb", 1, 200), Errc::invalid_argument,
               "name: must not contain control characters");
  expect_error(check_line("name", "   ", 1, 200), Errc::invalid_argument,
               "name: must not be blank");
  expect_error(check_line("name", "\xff", 1, 200), Errc::invalid_argument,
               "name: must be valid UTF-8");
}

TEST(Validation, LoginsAndEmails) {
  EXPECT_TRUE(check_login("j.doe-2_x"));
  expect_error(check_login("j doe"), Errc::invalid_argument);
  expect_error(check_login(std::string(65, 'a')), Errc::invalid_argument);
  EXPECT_EQ(*normalize_email_field("billing_email", "Bills@Example.COM"), "bills@example.com");
  auto bad = normalize_email_field("billing_email", "nope");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message.starts_with("billing_email: must be an address"))
      << bad.error().message;
}

class OrgSettingsTest : public testing::OrgTest {
 protected:
  OrgSettings settings_{db(), clock_};
};

TEST_F(OrgSettingsTest, EveryRoleReadsTheOrganization) {
  for (const Actor* actor : {&owner_, &admin_, &manager_, &employee_}) {
    auto details = settings_.get(*actor);
    ASSERT_TRUE(details) << details.error().message;
    EXPECT_EQ(details->name, "Org A");
    EXPECT_EQ(details->seats_used, 4);
    EXPECT_EQ(details->time_zone, "UTC");
  }
  const auto reduced = org_details_json(*settings_.get(employee_), false);
  EXPECT_EQ(reduced.size(), 4U);
  EXPECT_TRUE(reduced.contains("require_2fa"));
  EXPECT_FALSE(reduced.contains("plan"));
  EXPECT_EQ(org_details_json(*settings_.get(owner_), true).size(), 15U);
}

TEST_F(OrgSettingsTest, UpdatesAreCheckedAndAudited) {
  OrgPatch patch;
  patch.name = "Org A GmbH";
  patch.country = "DE";
  patch.time_zone = "Europe/Berlin";
  patch.billing_email = "Billing@A.test";
  patch.address = "Street 1\nCity";
  auto updated = settings_.update(admin_, "203.0.113.1", patch);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->billing_email, "billing@a.test");
  EXPECT_EQ(settings_.get(owner_)->country, "DE");
  EXPECT_EQ(audit("org.updated"), 1);
  // Nothing changed: no second entry.
  ASSERT_TRUE(settings_.update(admin_, "203.0.113.1", patch));
  EXPECT_EQ(audit("org.updated"), 1);

  OrgPatch bad_zone;
  bad_zone.time_zone = "Nowhere/City";
  expect_error(settings_.update(owner_, "", bad_zone), Errc::invalid_argument);
  OrgPatch bad_country;
  bad_country.country = "ZZ";
  expect_error(settings_.update(owner_, "", bad_country), Errc::invalid_argument);
  OrgPatch bad_plan;
  bad_plan.plan = "free";
  expect_error(settings_.update(owner_, "", bad_plan), Errc::invalid_argument,
               "plan: must be trial, starter, business or enterprise");
  OrgPatch bad_tax;
  bad_tax.tax_id = std::string(51, '1');
  expect_error(settings_.update(owner_, "", bad_tax), Errc::invalid_argument);
}

TEST_F(OrgSettingsTest, PlanAndSeatsAreForOwnersAndSeatsCoverThePeople) {
  OrgPatch seats;
  seats.seats = 20;
  expect_error(settings_.update(admin_, "", seats), Errc::permission_denied);
  expect_error(settings_.update(manager_, "", OrgPatch{}), Errc::permission_denied);
  expect_error(settings_.update(employee_, "", OrgPatch{}), Errc::permission_denied);
  ASSERT_TRUE(settings_.update(owner_, "", seats));
  EXPECT_EQ(settings_.get(owner_)->seats, 20);
  seats.seats = 3;  // four people are active
  expect_error(settings_.update(owner_, "", seats), Errc::conflict);
  seats.seats = 4;
  EXPECT_TRUE(settings_.update(owner_, "", seats));
}

}  // namespace
}  // namespace worktrace::org
