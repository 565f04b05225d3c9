#include "org/people_service.hpp"

#include "auth/password.hpp"
#include "org/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::org {
namespace {

using testing::expect_error;

class InvitationsTest : public testing::OrgTest {
 protected:
  Invited invite(std::string email) {
    NewPerson person;
    person.email = std::move(email);
    person.name = "Invited Person";
    auto invited = people_.invite(owner_, "", person);
    if (!invited) throw std::runtime_error(invited.error().message);
    return *invited;
  }

  PeopleService people_{db(), clock_};
  static constexpr std::string_view kPassword = "a long enough passphrase";
};

TEST_F(InvitationsTest, AcceptingActivatesThePersonOnce) {
  const auto invited = invite("join@a.test");
  auto view = people_.find_invitation(invited.invitation.token);
  ASSERT_TRUE(view) << view.error().message;
  EXPECT_EQ(view->email, "join@a.test");
  EXPECT_EQ(view->org_name, "Org A");

  auto joined = people_.accept_invitation(invited.invitation.token, kPassword,
                                          std::string("Joined Name"), "198.51.100.9");
  ASSERT_TRUE(joined) << joined.error().message;
  EXPECT_EQ(joined->user_id, invited.person.id);
  EXPECT_EQ(joined->org_id, org_a_);
  auto person = people_.get(owner_, "", invited.person.id);
  ASSERT_TRUE(person);
  EXPECT_EQ(person->status, auth::PersonStatus::active);
  EXPECT_EQ(person->name, "Joined Name");
  EXPECT_EQ(audit("person.joined"), 1);

  expect_error(people_.find_invitation(invited.invitation.token), Errc::not_found,
               "invitation is unknown, used or expired");
  expect_error(people_.accept_invitation(invited.invitation.token, kPassword, std::nullopt, ""),
               Errc::not_found, "invitation is unknown, used or expired");
}

TEST_F(InvitationsTest, PasswordsAreCheckedBeforeAnythingChanges) {
  const auto invited = invite("weak@a.test");
  expect_error(people_.accept_invitation(invited.invitation.token, "short", std::nullopt, ""),
               Errc::invalid_argument);
  expect_error(people_.accept_invitation(invited.invitation.token, "password", std::nullopt, ""),
               Errc::invalid_argument);
  EXPECT_TRUE(people_.find_invitation(invited.invitation.token));
  EXPECT_TRUE(people_.accept_invitation(invited.invitation.token, kPassword, std::nullopt, ""));
}

TEST_F(InvitationsTest, InvitationsExpireAfterSevenDays) {
  const auto invited = invite("late@a.test");
  clock_.advance(kInvitationLifetimeMs - 1);
  EXPECT_TRUE(people_.find_invitation(invited.invitation.token));
  clock_.advance(1);
  expect_error(people_.find_invitation(invited.invitation.token), Errc::not_found);
  expect_error(people_.accept_invitation(invited.invitation.token, kPassword, std::nullopt, ""),
               Errc::not_found);
}

TEST_F(InvitationsTest, ReissuingVoidsTheEarlierLink) {
  const auto invited = invite("again@a.test");
  auto reissued = people_.reissue_invitation(admin_, "", invited.person.id);
  ASSERT_TRUE(reissued) << reissued.error().message;
  EXPECT_NE(reissued->token, invited.invitation.token);
  expect_error(people_.find_invitation(invited.invitation.token), Errc::not_found);
  EXPECT_TRUE(people_.find_invitation(reissued->token));
  EXPECT_EQ(audit("invitation.reissued"), 1);

  expect_error(people_.reissue_invitation(owner_, "", employee_.user_id), Errc::conflict);
  expect_error(people_.reissue_invitation(owner_b_, "", invited.person.id), Errc::not_found);
  expect_error(people_.reissue_invitation(manager_, "", invited.person.id),
               Errc::permission_denied);
}

TEST_F(InvitationsTest, GarbageTokensAreUnknown) {
  for (const std::string& token :
       {std::string(), std::string("wti_nope"), std::string("wte_") + std::string(43, 'a'),
        "wti_" + std::string(500, 'a')}) {
    expect_error(people_.find_invitation(token), Errc::not_found);
  }
}

TEST_F(InvitationsTest, SuspendingAnInvitedPersonIsNotPossibleAndTheirLinkDiesWithThem) {
  const auto invited = invite("gone@a.test");
  auth::testing::exec_sql(db(),
                          "UPDATE users SET status = 'suspended' WHERE email = 'gone@a.test'");
  expect_error(people_.find_invitation(invited.invitation.token), Errc::not_found);
}

}  // namespace
}  // namespace worktrace::org
