#include "audit/audit_log.hpp"
#include "audit/audit_query.hpp"
#include "audit/audit_verify.hpp"
#include "auth/test_support.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace worktrace::audit {
namespace {

constexpr EpochMs kAt = 1'700'000'000'000;

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogTest() {
    acme_ = auth::testing::create_org(db(), "Acme");
    globex_ = auth::testing::create_org(db(), "Globex");
    ann_ = auth::testing::create_user(db(), acme_, "ann@acme.test", Role::owner, "pw-long-enough");
    eve_ =
        auth::testing::create_user(db(), acme_, "eve@acme.test", Role::employee, "pw-long-enough");
  }

  storage::Db& db() { return *test_db_.db; }

  Entry entry(OrgId org_id, std::string action, std::optional<UserId> actor = std::nullopt,
              std::optional<UserId> subject = std::nullopt) {
    Entry made;
    made.org_id = org_id;
    made.actor_user_id = actor;
    made.actor = actor ? "user:" + std::to_string(*actor) : "system";
    made.action = std::move(action);
    made.subject_user_id = subject;
    made.details = {{"n", 1}};
    return made;
  }

  std::int64_t add(const Entry& made, EpochMs at = kAt) {
    auto seq = db().write([&](storage::Connection& c) { return append(c, made, at); });
    EXPECT_TRUE(seq) << seq.error().message;
    return seq ? *seq : 0;
  }

  // Runs `sql` with the append-only triggers removed: what someone with file access could do.
  void tamper(const std::string& sql) {
    auto done = db().write([&](storage::Connection& c) -> Result<void> {
      if (auto dropped = c.exec("DROP TRIGGER IF EXISTS audit_log_no_update; "
                                "DROP TRIGGER IF EXISTS audit_log_no_delete;");
          !dropped) {
        return dropped;
      }
      return c.exec(sql);
    });
    ASSERT_TRUE(done) << done.error().message;
  }

  AuditPage page(const AuditQuery& query) {
    auto listed = db().read([&](storage::Connection& c) { return list(c, acme_, query); });
    EXPECT_TRUE(listed) << listed.error().message;
    return listed ? *listed : AuditPage{};
  }

  storage::testing::TestDb test_db_;
  OrgId acme_ = 0;
  OrgId globex_ = 0;
  UserId ann_ = 0;
  UserId eve_ = 0;
};

TEST_F(AuditLogTest, EachOrganizationHasItsOwnChainThatVerifies) {
  EXPECT_EQ(add(entry(acme_, "auth.login", ann_)), 1);
  EXPECT_EQ(add(entry(globex_, "auth.login")), 1);
  EXPECT_EQ(add(entry(acme_, "person.viewed", ann_, eve_)), 2);

  auto report = verify(db(), acme_);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, 2);
  EXPECT_FALSE(report->first_broken_seq);

  auto empty = verify(db(), 999);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->ok);
  EXPECT_EQ(empty->entries, 0);

  auto all = verify_all(db());
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].org_id, acme_);
  EXPECT_EQ((*all)[1].org_id, globex_);
  EXPECT_EQ((*all)[1].entries, 1);
}

TEST_F(AuditLogTest, TheTriggersRefuseUpdatesAndDeletes) {
  add(entry(acme_, "auth.login", ann_));
  auto updated = db().write(
      [](storage::Connection& c) { return c.exec("UPDATE audit_log SET action = 'x'"); });
  ASSERT_FALSE(updated);
  auto deleted = db().write([](storage::Connection& c) { return c.exec("DELETE FROM audit_log"); });
  ASSERT_FALSE(deleted);
  auto report = verify(db(), acme_);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, 1);
}

TEST_F(AuditLogTest, VerifyNamesTheFirstEditedEntry) {
  for (int entry_idx = 0; entry_idx < 5; ++entry_idx) add(entry(acme_, "auth.login", ann_));
  tamper("UPDATE audit_log SET details = '{\"n\":2}' WHERE seq = 3");
  auto report = verify(db(), acme_);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 3);
  EXPECT_EQ(report->reason, "its hash does not match its contents");
  EXPECT_EQ(report->entries, 5);
}

TEST_F(AuditLogTest, ARehashedEditBreaksTheLinkOfTheNextEntry) {
  for (int entry_idx = 0; entry_idx < 4; ++entry_idx) add(entry(acme_, "auth.login", ann_));
  // A forger who recomputes the edited entry's own hash still breaks its successor's link.
  auto original = db().read([&](storage::Connection& c) -> Result<Record> {
    auto s = c.prepare("SELECT at, prev_hash FROM audit_log WHERE org_id = ? AND seq = 2");
    if (!s) return s.error();
    (*s)->bind_int(1, acme_);
    if (auto row = (*s)->step(); !row) return row.error();
    Record record;
    record.entry = entry(acme_, "auth.logout", ann_);
    record.seq = 2;
    record.at = (*s)->column_int(0);
    record.details_text = R"({"n":1})";
    const auto prev = (*s)->column_blob(1);
    std::copy(prev.begin(), prev.end(), record.prev_hash.begin());
    return record;
  });
  ASSERT_TRUE(original);
  const Hash forged = chain_hash(*original);
  std::string hex;
  for (const unsigned char byte : forged) {
    constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xF];
  }
  tamper("UPDATE audit_log SET action = 'auth.logout', hash = x'" + hex + "' WHERE seq = 2");
  auto report = verify(db(), acme_);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 3);
  EXPECT_EQ(report->reason, "its prev_hash is not the hash of entry 2");
}

TEST_F(AuditLogTest, VerifyNamesTheEntryAfterADeletedOne) {
  for (int entry_idx = 0; entry_idx < 4; ++entry_idx) add(entry(acme_, "auth.login", ann_));
  tamper("DELETE FROM audit_log WHERE seq = 2");
  auto report = verify(db(), acme_);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_seq, 3);
  EXPECT_EQ(report->reason, "it follows entry 1: the entries between are missing");
  EXPECT_EQ(report->entries, 3);

  tamper("DELETE FROM audit_log WHERE seq = 1");
  report = verify(db(), acme_);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->first_broken_seq, 3);
  EXPECT_EQ(report->reason, "the chain does not start at entry 1");
}

TEST_F(AuditLogTest, AppendsFromManyThreadsKeepTheChainIntact) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int entry_idx = 0; entry_idx < kPerThread; ++entry_idx) {
        auto seq = db().write([&](storage::Connection& c) {
          return append(c, entry(thread_idx % 2 == 0 ? acme_ : globex_, "auth.login"),
                        kAt + entry_idx);
        });
        EXPECT_TRUE(seq);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto all = verify_all(db());
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  for (const auto& report : *all) {
    EXPECT_TRUE(report.ok) << report.reason;
    EXPECT_EQ(report.entries, kThreads / 2 * kPerThread);
  }
}

TEST_F(AuditLogTest, ListFiltersPagesAndNamesPeople) {
  add(entry(acme_, "auth.login", ann_), kAt);                // 1
  add(entry(acme_, "auth.login_failed", eve_), kAt + 10);    // 2
  add(entry(acme_, "person.viewed", ann_, eve_), kAt + 20);  // 3
  add(entry(acme_, "authx.other"), kAt + 30);                // 4
  add(entry(globex_, "auth.login"), kAt + 40);               // another organization
  add(entry(acme_, "auth.2fa_enabled", ann_), kAt + 50);     // 5

  auto everything = page({});
  ASSERT_EQ(everything.entries.size(), 5U);
  EXPECT_EQ(everything.entries.front().record.seq, 5);
  EXPECT_FALSE(everything.next_before_seq);

  AuditQuery prefix;
  prefix.action = "auth.*";
  auto auth_entries = page(prefix);
  ASSERT_EQ(auth_entries.entries.size(), 3U);
  EXPECT_EQ(auth_entries.entries[0].record.entry.action, "auth.2fa_enabled");
  EXPECT_EQ(auth_entries.entries[2].record.entry.action, "auth.login");

  AuditQuery exact;
  exact.action = "auth.login";
  EXPECT_EQ(page(exact).entries.size(), 1U);

  AuditQuery by_subject;
  by_subject.subject_user_id = eve_;
  auto viewed = page(by_subject);
  ASSERT_EQ(viewed.entries.size(), 1U);
  EXPECT_EQ(viewed.entries[0].actor_name, "User ann@acme.test");
  EXPECT_EQ(viewed.entries[0].subject_name, "User eve@acme.test");

  AuditQuery by_actor;
  by_actor.actor_user_id = eve_;
  EXPECT_EQ(page(by_actor).entries.size(), 1U);

  AuditQuery window;
  window.from_ms = kAt + 10;
  window.to_ms = kAt + 30;
  auto in_window = page(window);
  ASSERT_EQ(in_window.entries.size(), 2U);
  EXPECT_EQ(in_window.entries[0].record.seq, 3);
  EXPECT_EQ(in_window.entries[1].record.seq, 2);

  AuditQuery first_page;
  first_page.limit = 2;
  auto one = page(first_page);
  ASSERT_EQ(one.entries.size(), 2U);
  ASSERT_EQ(one.next_before_seq, 4);
  first_page.before_seq = one.next_before_seq;
  auto two = page(first_page);
  ASSERT_EQ(two.entries.size(), 2U);
  EXPECT_EQ(two.entries[0].record.seq, 3);
  EXPECT_EQ(two.next_before_seq, 2);
  first_page.before_seq = two.next_before_seq;
  auto three = page(first_page);
  ASSERT_EQ(three.entries.size(), 1U);
  EXPECT_FALSE(three.next_before_seq);

  const auto json = entry_json(viewed.entries[0]);
  EXPECT_EQ(json.at("action").as_string(), "person.viewed");
  EXPECT_EQ(json.at("subject_user_id").as_int64(), eve_);
  EXPECT_EQ(json.at("details").at("n").as_int64(), 1);
  EXPECT_TRUE(entry_json(everything.entries[1]).at("actor_name").is_null());

  AuditQuery too_many;
  too_many.limit = 501;
  auto refused = db().read([&](storage::Connection& c) { return list(c, acme_, too_many); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "limit: must be between 1 and 500");
}

}  // namespace
}  // namespace worktrace::audit
