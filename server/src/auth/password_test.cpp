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

namespace worktrace::auth {
namespace {

TEST(NewPasswordTest, AcceptsLongAndUnicodePasswordsWithoutCompositionRules) {
  EXPECT_TRUE(check_new_password("correct horse battery", "ann@acme.test"));
  EXPECT_TRUE(check_new_password("abcdefgh", "ann@acme.test"));  // no composition rules
  EXPECT_TRUE(check_new_password(std::string(kMaxPasswordBytes, 'q'), "ann@acme.test"));
  // Eight code points, sixteen bytes.
  EXPECT_TRUE(check_new_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                                 "ann@acme.test"));
}

TEST(NewPasswordTest, RefusesShortLongCommonAndEmailPasswordsWithClearMessages) {
  auto message = [](std::string_view password) {
    auto checked = check_new_password(password, "Ann.Lee@Acme.test");
    EXPECT_FALSE(checked) << password;
    if (checked) return std::string();
    EXPECT_TRUE(checked.error().is(Errc::invalid_argument));
    return checked.error().message;
  };
  EXPECT_EQ(message("short7c"), "password: must be at least 8 characters");
  // Seven code points in fourteen bytes is still too short.
  EXPECT_EQ(message("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
            "password: must be at least 8 characters");
  EXPECT_EQ(message(std::string(kMaxPasswordBytes + 1, 'q')),
            "password: must be at most 1024 bytes");
  EXPECT_EQ(message("password1"), "password: is one of the most common passwords");
  EXPECT_EQ(message("PassWord1"), "password: is one of the most common passwords");
  EXPECT_EQ(message("12345678"), "password: is one of the most common passwords");
  EXPECT_EQ(message("ann.lee@acme.test"), "password: must not be your email address");
  EXPECT_EQ(message("ANN.LEE@ACME.TEST"), "password: must not be your email address");
  auto local_part = check_new_password("Annabelle.Lee", "annabelle.lee@acme.test");
  ASSERT_FALSE(local_part);
  EXPECT_EQ(local_part.error().message, "password: must not be your email address");
}

TEST(NewPasswordTest, TheEmbeddedListIsTheShippedOne) {
  // First, a middle and the last entry of server/data/common_passwords.txt.
  EXPECT_TRUE(is_common_password("123456"));
  EXPECT_TRUE(is_common_password("trustno1"));
  EXPECT_TRUE(is_common_password("sss"));
  EXPECT_FALSE(is_common_password("#!comment: This list has been compiled by Solar Designer"));
  EXPECT_FALSE(is_common_password("a rather uncommon passphrase"));
}

}  // namespace
}  // namespace worktrace::auth
