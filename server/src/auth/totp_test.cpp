#include "auth/totp.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace worktrace::auth::totp {
namespace {

std::vector<unsigned char> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

// RFC 6238 appendix B: the seeds are ASCII "1234567890" repeated to the hash's size.
const auto kSeed20 = bytes_of("12345678901234567890");
const auto kSeed32 = bytes_of("12345678901234567890123456789012");
const auto kSeed64 = bytes_of("1234567890123456789012345678901234567890123456789012345678901234");

struct Vector {
  std::time_t time;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};

TEST(TotpTest, PassesAllEighteenRfc6238Vectors) {
  const Vector vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  int checked = 0;
  for (const auto& vector : vectors) {
    EXPECT_EQ(*generate(kSeed20, vector.time, 8, Algorithm::sha1), vector.sha1) << vector.time;
    EXPECT_EQ(*generate(kSeed32, vector.time, 8, Algorithm::sha256), vector.sha256) << vector.time;
    EXPECT_EQ(*generate(kSeed64, vector.time, 8, Algorithm::sha512), vector.sha512) << vector.time;
    checked += 3;
  }
  EXPECT_EQ(checked, 18);
}

TEST(TotpTest, PassesTheTenRfc4226HotpVectors) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(*hotp(kSeed20, counter, 6), expected[counter]) << counter;
  }
}

TEST(TotpTest, MatchesWithinOneStepOfSkewAndReturnsTheStep) {
  const std::time_t now = 1'700'000'015;
  const std::int64_t step = step_of(now);
  for (int offset : {-1, 0, 1}) {
    const auto code = *generate(kSeed20, now + offset * 30, kDigits);
    const auto matched = match(kSeed20, now, code);
    ASSERT_TRUE(matched) << offset;
    EXPECT_EQ(*matched, step + offset);
  }
  for (int offset : {-2, 2, 10}) {
    const auto code = *generate(kSeed20, now + offset * 30, kDigits);
    EXPECT_FALSE(match(kSeed20, now, code)) << offset;
  }
}

TEST(TotpTest, MatchInsistsOnSixDigits) {
  const std::time_t now = 1'700'000'000;
  const auto eight = *generate(kSeed20, now, 8);
  EXPECT_FALSE(match(kSeed20, now, eight));  // right code, wrong length
  EXPECT_FALSE(match(kSeed20, now, "12345a"));
  EXPECT_FALSE(match(kSeed20, now, ""));
}

TEST(TotpTest, SecretsEncodeAsBase32AndIntoAnOtpauthUri) {
  EXPECT_EQ(base32(kSeed20), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  const auto secret = generate_secret();
  EXPECT_EQ(secret.size(), kSecretBytes);
  EXPECT_NE(generate_secret(), secret);
  EXPECT_EQ(base32(secret).size(), 32u);
  EXPECT_EQ(otpauth_uri("ann+x@acme.test", "ABC"),
            "otpauth://totp/Worktrace:ann%2Bx@acme.test?secret=ABC&issuer=Worktrace"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpTest, RecoveryCodesHaveTheAgreedShapeAndNormalize) {
  const auto codes = generate_recovery_codes();
  ASSERT_EQ(codes.size(), kRecoveryCodeCount);
  std::set<std::string> distinct(codes.begin(), codes.end());
  EXPECT_EQ(distinct.size(), codes.size());
  for (const auto& code : codes) {
    ASSERT_EQ(code.size(), 11u) << code;
    EXPECT_EQ(code[5], '-');
    EXPECT_EQ(normalize_recovery_code(code), code);
  }
  EXPECT_EQ(normalize_recovery_code(" ABCDE-2345Z "), "abcde-2345z");
  EXPECT_EQ(normalize_recovery_code("ABCDE-23457"), "abcde-23457");
  EXPECT_EQ(normalize_recovery_code("abcde 23457"), std::nullopt);
  EXPECT_EQ(normalize_recovery_code("abcde-23418"), std::nullopt);  // 1 and 8 are not base32
  EXPECT_EQ(normalize_totp_code("123 456"), "123456");
  EXPECT_EQ(normalize_totp_code("12345"), std::nullopt);
  EXPECT_EQ(normalize_totp_code("abcdef"), std::nullopt);
}

}  // namespace
}  // namespace worktrace::auth::totp
