#include "devices/device_store.hpp"

#include "devices/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::devices {
namespace {

using namespace testing;

class DeviceStoreTest : public DevicesTest {
 protected:
  DeviceStore store_{db()};
};

TEST_F(DeviceStoreTest, EveryDeviceQueryIsBoundToItsOrganization) {
  const auto [device_id, credential] = enroll_into(acme_, "acme-laptop");
  auto found = store_.find(acme_, device_id);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->info, sample_info("acme-laptop"));

  EXPECT_EQ(*store_.find(globex_, device_id), std::nullopt);
  EXPECT_TRUE(store_.list(globex_)->empty());
  EXPECT_EQ(*store_.mark_connected(globex_, device_id, "203.0.113.1", kStart + 1), std::nullopt);
  EXPECT_EQ(*store_.mark_seen(globex_, device_id, kStart + 1), std::nullopt);
  EXPECT_EQ(*store_.update_info(globex_, device_id, sample_info("hijacked"), kStart + 1),
            std::nullopt);

  auto unchanged = store_.find(acme_, device_id);
  ASSERT_TRUE(unchanged && unchanged->has_value());
  EXPECT_EQ((*unchanged)->info.hostname, "acme-laptop");
  EXPECT_EQ((*unchanged)->remote_ip, "198.51.100.7");
  EXPECT_EQ((*unchanged)->last_seen_at, kStart);
}

TEST_F(DeviceStoreTest, FindsDevicesByCredentialHash) {
  const auto [device_id, credential] = enroll_into(globex_, "globex-pc");
  auto match = store_.find_by_credential(auth::hash_token(credential));
  ASSERT_TRUE(match && match->has_value());
  EXPECT_EQ((*match)->principal.device_id, device_id);
  EXPECT_EQ((*match)->principal.org_id, globex_);
  EXPECT_FALSE((*match)->revoked);
  EXPECT_EQ(*store_.find_by_credential(auth::hash_token(credential + "x")), std::nullopt);
}

TEST_F(DeviceStoreTest, UpdateInfoReportsOnlyRealChanges) {
  const auto [device_id, credential] = enroll_into(acme_, "acme-laptop");
  EXPECT_EQ(*store_.update_info(acme_, device_id, sample_info("acme-laptop"), kStart + 1),
            std::nullopt);
  auto more_memory = sample_info("acme-laptop");
  more_memory.memory_bytes *= 2;
  auto changed = store_.update_info(acme_, device_id, more_memory, kStart + 2);
  ASSERT_TRUE(changed && changed->has_value());
  EXPECT_EQ((*changed)->device.info, more_memory);
  EXPECT_EQ((*changed)->device.last_seen_at, kStart + 2);
  EXPECT_EQ((*changed)->device.name, "acme-laptop");  // the display name stays
}

TEST_F(DeviceStoreTest, AnUnusableTokenChangesNothing) {
  auto token = devices_.create_enrollment_token(acme_, 1, 60);
  ASSERT_TRUE(token);
  const auto credential = auth::hash_token("wtd_new");
  auto late = store_.enroll(auth::hash_token(token->token), credential, "late", sample_info("late"),
                            "", token->expires_at);
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, std::nullopt);
  EXPECT_TRUE(store_.list(acme_)->empty());

  auto in_time = store_.enroll(auth::hash_token(token->token), credential, "ok", sample_info("ok"),
                               "", token->expires_at - 1);
  ASSERT_TRUE(in_time && in_time->has_value());
  EXPECT_EQ((*in_time)->org_name, "Acme");
}

}  // namespace
}  // namespace worktrace::devices
