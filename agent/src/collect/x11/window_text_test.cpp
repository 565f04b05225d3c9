#include "collect/x11/window_text.hpp"

#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace worktrace::agent::collect::x11 {
namespace {

using namespace std::string_literals;

TEST(WindowTextTest, KeepsUtf8WhateverTheDeclaredType) {
  EXPECT_EQ(window_text("build - make", false, kMaxTitleBytes), "build - make");
  EXPECT_EQ(window_text("Grüße – Überblick", false, kMaxTitleBytes), "Grüße – Überblick");
}

TEST(WindowTextTest, ReadsOtherBytesAsLatin1) {
  EXPECT_EQ(window_text("Gr\xFC\xDF"
                        "e",
                        false, kMaxTitleBytes),
            "Grüße");
  EXPECT_EQ(window_text("caf\xE9", false, kMaxTitleBytes), "café");
}

TEST(WindowTextTest, CutsAtACharacterBoundaryWithinTheBound) {
  const std::string euros = "€€€€";  // 3 bytes each
  EXPECT_EQ(window_text(euros, false, 7), "€€");
  EXPECT_EQ(window_text(euros, false, 12), euros);
  const std::string long_title(5000, 'x');
  EXPECT_EQ(window_text(long_title, false, kMaxTitleBytes).size(), kMaxTitleBytes);
  std::string latin1_long(3000, '\xE9');  // each becomes 2 bytes
  const std::string converted = window_text(latin1_long, false, kMaxTitleBytes);
  EXPECT_EQ(converted.size(), kMaxTitleBytes);
  EXPECT_TRUE(protocol::is_valid_utf8(converted));
}

TEST(WindowTextTest, DropsACharacterSplitByABoundedRead) {
  const std::string read = "ab€"s.substr(0, 4);  // "ab" and the first 2 of 3 bytes of '€'
  EXPECT_EQ(window_text(read, true, kMaxTitleBytes), "ab");
  // Without the cut, the same bytes are not UTF-8: read as Latin-1, still valid output.
  EXPECT_TRUE(protocol::is_valid_utf8(window_text(read, false, kMaxTitleBytes)));
  EXPECT_EQ(window_text("abc", true, kMaxTitleBytes), "abc");
  EXPECT_EQ(window_text("ab€", true, kMaxTitleBytes), "ab€");
}

TEST(WindowTextTest, ReplacesControlCharactersAndTrims) {
  EXPECT_EQ(window_text("  a\tb\nc  ", false, kMaxTitleBytes), "a?b?c");
  EXPECT_EQ(window_text("", false, kMaxTitleBytes), "");
}

TEST(WmClassNameTest, TakesTheClassPart) {
  EXPECT_EQ(wm_class_name("xterm\0XTerm\0"s), "XTerm");
  EXPECT_EQ(wm_class_name("navigator\0firefox-esr"s), "firefox-esr");
  EXPECT_EQ(wm_class_name("\0Class\0"s), "Class");
  EXPECT_EQ(wm_class_name("only-instance"), "");
  EXPECT_EQ(wm_class_name(""), "");
}

}  // namespace
}  // namespace worktrace::agent::collect::x11
