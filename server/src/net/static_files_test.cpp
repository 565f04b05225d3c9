#include "net/static_files.hpp"

#include "net/test_server.hpp"

#include <gtest/gtest.h>

namespace worktrace::net {
namespace {

using testing::TempDir;
using testing::write_file;

TEST(StaticFilesTest, ContentTypesByExtension) {
  EXPECT_EQ(content_type_for("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("x.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("x.unknown"), "application/octet-stream");
  EXPECT_EQ(content_type_for("Makefile"), "application/octet-stream");
}

TEST(StaticFilesTest, EtagChangesWithTheFile) {
  TempDir dir;
  write_file(dir.path() / "app.js", "one");
  const StaticFiles files(dir.path());
  const auto first = files.serve("/app.js", "");
  ASSERT_EQ(first.status, 200);
  std::string etag;
  for (const auto& [name, value] : first.headers) {
    if (name == "ETag") etag = value;
  }
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(files.serve("/app.js", etag).status, 304);
  EXPECT_EQ(files.serve("/app.js", "*").status, 304);
  write_file(dir.path() / "app.js", "longer contents");
  const auto changed = files.serve("/app.js", etag);
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, "longer contents");
}

TEST(StaticFilesTest, RefusesTraversalAndHandlesMissingRoots) {
  TempDir dir;
  write_file(dir.path() / "web/index.html", "index");
  write_file(dir.path() / "outside.txt", "secret");
  const StaticFiles files(dir.path() / "web");
  EXPECT_EQ(files.serve("/../outside.txt", "").status, 400);
  EXPECT_EQ(files.serve("/a/../../outside.txt", "").status, 400);
  EXPECT_EQ(files.serve(std::string_view("/index.html\0x", 13), "").status, 400);
  EXPECT_EQ(files.serve("/nested/route", "").body, "index");  // SPA fallback
  EXPECT_EQ(files.serve("/nested/file.css", "").status, 404);

  const StaticFiles missing_root(dir.path() / "not-built-yet");
  EXPECT_EQ(missing_root.serve("/", "").status, 404);
  const StaticFiles disabled{std::filesystem::path()};
  EXPECT_FALSE(disabled.enabled());
  EXPECT_EQ(disabled.serve("/index.html", "").status, 404);
}

}  // namespace
}  // namespace worktrace::net
