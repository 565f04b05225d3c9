#include "state/agent_config.hpp"

#include "state/private_file.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

namespace worktrace::agent::state {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "worktrace-agent-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

AgentConfig sample() {
  return {.server = "https://wt.example.com:8443/base",
          .device_id = 42,
          .org_id = 7,
          .org_name = "Acme",
          .credential = "wtd_abcDEF123-_",
          .ca_file = "/etc/worktrace/ca.pem"};
}

TEST(AgentConfigTest, SavedPrivatelyAndReadBack) {
  TempDir temp;
  const fs::path dir = temp.path() / "nested" / "worktrace-agent";
  ASSERT_TRUE(save_agent_config(dir, sample()));
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "agent.json"), 0600u);
  auto loaded = load_agent_config(dir);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, sample());

  AgentConfig changed = sample();
  changed.ca_file.clear();
  changed.device_id = 43;
  ASSERT_TRUE(save_agent_config(dir, changed));
  EXPECT_EQ(*load_agent_config(dir), changed);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1)
      << "the temporary file was left behind";
}

// The pin-sha256 of an example key (43 base64 characters and '=').
constexpr std::string_view kPin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

TEST(AgentConfigTest, APinIsKeptAndReadBack) {
  TempDir temp;
  AgentConfig pinned = sample();
  pinned.ca_file.clear();
  pinned.tls_pin_sha256 = kPin;
  ASSERT_TRUE(save_agent_config(temp.path(), pinned));
  auto loaded = load_agent_config(temp.path());
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, pinned);
  EXPECT_EQ(to_json(pinned).at("tls_pin_sha256").as_string(), kPin);
  // No pin: no key, and a file without one reads back as no pin.
  EXPECT_FALSE(to_json(sample()).contains("tls_pin_sha256"));
  ASSERT_TRUE(save_agent_config(temp.path(), sample()));
  EXPECT_EQ(load_agent_config(temp.path())->tls_pin_sha256, "");
}

TEST(AgentConfigTest, OnlyWellFormedPinsPass) {
  EXPECT_TRUE(check_pin_sha256(kPin));
  const std::map<std::string, std::string> bad = {
      {"", "this one has 0 characters"},
      {"bad", "this one has 3 characters"},
      {std::string(kPin) + "=", "this one has 45 characters"},
      {std::string(kPin.substr(0, 43)) + "A", "does not end in '='"},
      {"47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "character 13 is not base64"},
      {"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=", "does not encode exactly 32 bytes"},
  };
  for (const auto& [pin, expected] : bad) {
    auto checked = check_pin_sha256(pin);
    ASSERT_FALSE(checked) << pin;
    EXPECT_TRUE(checked.error().is(Errc::invalid_argument));
    EXPECT_NE(checked.error().message.find(expected), std::string::npos)
        << pin << ": " << checked.error().message;
  }
}

TEST(AgentConfigTest, MissingFileMeansNotEnrolled) {
  TempDir temp;
  auto loaded = load_agent_config(temp.path());
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(loaded.error().is(Errc::not_found));
}

TEST(AgentConfigTest, BadFilesGetClearErrors) {
  const std::map<std::string, std::string> cases = {
      {"{not json", "agent.json: body is not valid JSON"},
      {"[]", "agent.json: $: must be an object"},
      {R"({"device_id":1,"org_id":1,"credential":"wtd_x"})", "agent.json: $.server: is required"},
      {R"({"server":"http://h","device_id":"1","org_id":1,"credential":"wtd_x"})",
       "agent.json: $.device_id: must be an integer"},
      {R"({"server":"http://h","device_id":0,"org_id":1,"credential":"wtd_x"})",
       "agent.json: $.device_id: must be between 1 and"},
      {R"({"server":"http://h","device_id":1,"org_id":1,"credential":"wtd x\r\n"})",
       "agent.json: $.credential: must be printable ASCII"},
      {R"({"server":"https://h","device_id":1,"org_id":1,"credential":"wtd_x",
           "tls_pin_sha256":"abc"})",
       "agent.json: $.tls_pin_sha256: a pin-sha256 is the base64"},
  };
  for (const auto& [text, expected] : cases) {
    auto parsed = parse_agent_config(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_TRUE(parsed.error().is(Errc::invalid_argument));
    EXPECT_EQ(parsed.error().message.rfind(expected, 0), 0u) << parsed.error().message;
  }
}

TEST(AgentConfigTest, OversizedFileIsRejectedBeforeParsing) {
  TempDir temp;
  ASSERT_TRUE(write_private_file(temp.path() / "agent.json", std::string(70'000, ' ')));
  auto loaded = load_agent_config(temp.path());
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(loaded.error().is(Errc::invalid_argument));
  EXPECT_NE(loaded.error().message.find("larger than 65536 bytes"), std::string::npos);
}

TEST(AgentConfigTest, WriteFailureIsAnIoError) {
  auto written = write_private_file("/nonexistent-dir/agent.json", "{}");
  ASSERT_FALSE(written);
  EXPECT_TRUE(written.error().is(Errc::io_error));
  EXPECT_NE(written.error().message.find("/nonexistent-dir/agent.json"), std::string::npos);
}

TEST(ResolveConfigDirTest, FollowsFlagThenEnvironmentPrecedence) {
  std::map<std::string, std::string> vars;
  const EnvLookup env = [&](const char* name) -> const char* {
    const auto found = vars.find(name);
    return found == vars.end() ? nullptr : found->second.c_str();
  };
  EXPECT_TRUE(resolve_config_dir(std::nullopt, env).error().is(Errc::invalid_argument));
  vars["HOME"] = "/home/ann";
  EXPECT_EQ(*resolve_config_dir(std::nullopt, env), "/home/ann/.config/worktrace-agent");
  vars["XDG_CONFIG_HOME"] = "";
  EXPECT_EQ(*resolve_config_dir(std::nullopt, env), "/home/ann/.config/worktrace-agent");
  vars["XDG_CONFIG_HOME"] = "/xdg";
  EXPECT_EQ(*resolve_config_dir(std::nullopt, env), "/xdg/worktrace-agent");
  vars["WORKTRACE_AGENT_DIR"] = "/opt/agent";
  EXPECT_EQ(*resolve_config_dir(std::nullopt, env), "/opt/agent");
  EXPECT_EQ(*resolve_config_dir(std::string("/flag"), env), "/flag");
}

}  // namespace
}  // namespace worktrace::agent::state
