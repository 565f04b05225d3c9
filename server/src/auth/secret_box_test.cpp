#include "auth/secret_box.hpp"

#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace worktrace::auth {
namespace {

std::vector<unsigned char> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

TEST(SecretBoxTest, SealsAndOpensOnlyWithTheSameKeyAndIntactData) {
  const SecretKey key = generate_secret_key();
  const auto plain = bytes_of("a TOTP secret of 20b");
  const auto sealed = seal(key, plain);
  EXPECT_EQ(sealed.size(), plain.size() + 40);
  EXPECT_NE(seal(key, plain), sealed);  // a fresh nonce each time
  auto opened = unseal(key, sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, plain);

  EXPECT_FALSE(unseal(generate_secret_key(), sealed));
  auto tampered = sealed;
  tampered.back() ^= 1;
  EXPECT_FALSE(unseal(key, tampered));
  EXPECT_FALSE(unseal(key, std::vector<unsigned char>(10)));
}

TEST(SecretBoxTest, KeyFileIsCreatedPrivateOnceAndReadBack) {
  storage::testing::TempDir dir;
  const auto file = dir.path() / "secret.key";
  auto created = load_or_create_secret_key(file);
  ASSERT_TRUE(created) << created.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, 32);
  auto again = load_or_create_secret_key(file);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *created);
}

TEST(SecretBoxTest, RefusesKeyFilesOthersCanReadOrOfTheWrongSize) {
  storage::testing::TempDir dir;
  const auto open_file = dir.path() / "open.key";
  std::ofstream(open_file) << std::string(32, 'k');
  ::chmod(open_file.c_str(), 0644);
  auto refused = load_or_create_secret_key(open_file);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::invalid_argument));

  const auto short_file = dir.path() / "short.key";
  std::ofstream(short_file) << std::string(31, 'k');
  ::chmod(short_file.c_str(), 0600);
  EXPECT_FALSE(load_or_create_secret_key(short_file));

  const auto long_file = dir.path() / "long.key";
  std::ofstream(long_file) << std::string(33, 'k');
  ::chmod(long_file.c_str(), 0600);
  EXPECT_FALSE(load_or_create_secret_key(long_file));

  auto missing_dir = load_or_create_secret_key(dir.path() / "no" / "such.key");
  ASSERT_FALSE(missing_dir);
  EXPECT_TRUE(missing_dir.error().is(Errc::io_error));
}

TEST(SecretBoxTest, KeyedHashesDependOnKeyAndText) {
  const SecretKey key = generate_secret_key();
  EXPECT_EQ(keyed_hash(key, "abcde-fghij"), keyed_hash(key, "abcde-fghij"));
  EXPECT_NE(keyed_hash(key, "abcde-fghij"), keyed_hash(key, "abcde-fghik"));
  EXPECT_NE(keyed_hash(key, "abcde-fghij"), keyed_hash(generate_secret_key(), "abcde-fghij"));
}

}  // namespace
}  // namespace worktrace::auth
