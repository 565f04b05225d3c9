#include "auth/password.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>

namespace worktrace::auth {
namespace {

TEST(PasswordTest, HashesWithArgon2idAndVerifies) {
  auto hash = hash_password("correct horse");
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password(*hash, "correct horse"));
  EXPECT_FALSE(verify_password(*hash, "correct horsE"));
  EXPECT_FALSE(verify_password(*hash, ""));
  EXPECT_FALSE(password_needs_rehash(*hash));

  auto again = hash_password("correct horse");
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *hash);  // a fresh salt every time
  EXPECT_TRUE(verify_password(*again, "correct horse"));
}

TEST(PasswordTest, RefusesMalformedHashesAndOverlongPasswords) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
  EXPECT_FALSE(verify_password(std::string(500, 'a'), "x"));
  EXPECT_TRUE(password_needs_rehash("not a hash"));

  auto overlong = hash_password(std::string(kMaxPasswordBytes + 1, 'p'));
  ASSERT_FALSE(overlong);
  EXPECT_TRUE(overlong.error().is(Errc::invalid_argument));
  EXPECT_TRUE(hash_password(std::string(kMaxPasswordBytes, 'p')));
}

TEST(PasswordTest, AsksForARehashOfWeakerParameters) {
  ASSERT_GE(sodium_init(), 0);
  std::array<char, crypto_pwhash_STRBYTES> weak{};
  ASSERT_EQ(crypto_pwhash_str(weak.data(), "pw", 2, crypto_pwhash_OPSLIMIT_MIN,
                              crypto_pwhash_MEMLIMIT_MIN),
            0);
  const std::string weak_hash(weak.data());
  EXPECT_TRUE(verify_password(weak_hash, "pw"));
  EXPECT_TRUE(password_needs_rehash(weak_hash));
}

}  // namespace
}  // namespace worktrace::auth
