#include "app/notifier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace worktrace::agent {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A stand-in for notify-send that writes its arguments to a file: what a notification
// server would have been asked to show.
TEST(NotifierTest, RunsTheProgramWithTheTextAndReapsIt) {
  std::string pattern = (fs::temp_directory_path() / "worktrace-notify-XXXXXX").string();
  const fs::path dir = ::mkdtemp(pattern.data());
  const fs::path script = dir / "notify-send";
  const fs::path out = dir / "shown.txt";
  {
    std::ofstream file(script);
    file << "#!/bin/sh\nprintf '%s|' \"$@\" > '" << out.string() << ".tmp'\nmv '" << out.string()
         << ".tmp' '" << out.string() << "'\n";
  }
  fs::permissions(script, fs::perms::owner_all);
  {
    Notifier notifier(script.string());
    EXPECT_TRUE(notifier.notify("Worktrace is recording", "apps & titles; \"quotes\" $HOME"));
  }  // the destructor waits for the child
  EXPECT_EQ(read_file(out),
            "--app-name=Worktrace|Worktrace is recording|apps & titles; \"quotes\" $HOME|");
  fs::remove_all(dir);
}

TEST(NotifierTest, SaysWhenTheProgramIsMissing) {
  Notifier notifier("/nonexistent/notify-send");
  EXPECT_FALSE(notifier.notify("a", "b"));
}

}  // namespace
}  // namespace worktrace::agent
