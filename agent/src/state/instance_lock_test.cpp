#include "state/instance_lock.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

namespace worktrace::agent::state {
namespace {

TEST(InstanceLockTest, SecondHolderIsRefusedUntilTheFirstLetsGo) {
  std::string pattern = (std::filesystem::temp_directory_path() / "worktrace-lock-XXXXXX").string();
  const std::filesystem::path dir = ::mkdtemp(pattern.data());
  {
    std::optional<Result<InstanceLock>> first(InstanceLock::acquire(dir));
    ASSERT_TRUE(first->has_value()) << first->error().message;
    auto second = InstanceLock::acquire(dir);
    ASSERT_FALSE(second);
    EXPECT_TRUE(second.error().is(Errc::conflict));
    EXPECT_NE(second.error().message.find("already running"), std::string::npos);
    first.reset();
    EXPECT_TRUE(InstanceLock::acquire(dir));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace worktrace::agent::state
