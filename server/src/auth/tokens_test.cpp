#include "auth/tokens.hpp"

#include <gtest/gtest.h>

#include <set>

namespace worktrace::auth {
namespace {

TEST(TokensTest, GeneratesPrefixedBase64UrlTokensOf256Bits) {
  const std::string token = generate_token(kDeviceCredentialPrefix);
  ASSERT_EQ(token.size(), kDeviceCredentialPrefix.size() + 43);
  EXPECT_EQ(token.substr(0, 4), "wtd_");
  for (const char ch : token.substr(4)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') << ch;
  }
  EXPECT_EQ(generate_token().size(), 43u);
  std::set<std::string> seen;
  for (int draw = 0; draw < 100; ++draw) seen.insert(generate_token(kEnrollmentTokenPrefix));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(TokensTest, HashesWithSha256) {
  const TokenHash hash = hash_token("abc");
  // FIPS 180-2 test vector for "abc".
  const TokenHash expected = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                              0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                              0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_EQ(hash, expected);
  EXPECT_NE(hash_token("wtd_a"), hash_token("wte_a"));
}

TEST(TokensTest, RandomStringsUseOnlyAndAllOfTheAlphabet) {
  constexpr std::string_view kAlphabet = "abc123";
  std::set<char> used;
  for (int draw = 0; draw < 50; ++draw) {
    const std::string text = random_string(kAlphabet, 20);
    ASSERT_EQ(text.size(), 20u);
    for (const char ch : text) {
      EXPECT_NE(kAlphabet.find(ch), std::string_view::npos) << ch;
      used.insert(ch);
    }
  }
  EXPECT_EQ(used.size(), kAlphabet.size());
  EXPECT_THROW((void)random_string("", 3), std::invalid_argument);
}

}  // namespace
}  // namespace worktrace::auth
