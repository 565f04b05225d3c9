// gtest before Xlib: Xlib's None macro breaks gtest's own headers.
#include <gtest/gtest.h>

#include "collect/x11/x11_connection.hpp"

#include "collect/x11/testing/xvfb_session.hpp"
#include "collect/x11/window_text.hpp"
#include "protocol/json_reader.hpp"

#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <filesystem>
#include <optional>

namespace worktrace::agent::collect::x11 {
namespace {

using testing::XvfbSession;

std::string this_host() {
  std::array<char, HOST_NAME_MAX + 1> name{};
  ::gethostname(name.data(), name.size() - 1);
  return name.data();
}

class X11ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WORKTRACE_REQUIRE_XVFB();
    session_.emplace(XvfbSession::Options{.window_manager = false});
    connection_ = Connection::open(session_->display());
    ASSERT_NE(connection_, nullptr);
    display_ = connection_->display();
    window_ = XCreateSimpleWindow(display_, connection_->root(), 0, 0, 100, 100, 0, 0, 0);
  }

  void set_text(Atom property, Atom type, std::string_view text) {
    XChangeProperty(display_, window_, property, type, 8, PropModeReplace,
                    reinterpret_cast<const unsigned char*>(text.data()),
                    static_cast<int>(text.size()));
  }

  void set_pid(long pid) {
    XChangeProperty(display_, window_, XInternAtom(display_, "_NET_WM_PID", False), XA_CARDINAL, 32,
                    PropModeReplace, reinterpret_cast<const unsigned char*>(&pid), 1);
  }

  std::optional<XvfbSession> session_;
  std::unique_ptr<Connection> connection_;
  Display* display_ = nullptr;
  Window window_ = None;
};

TEST_F(X11ConnectionTest, ReadsWhatAWindowSaysAboutItself) {
  const Atoms atoms(display_);
  set_text(XA_WM_CLASS, XA_STRING, std::string_view("worktrace\0Worktrace-Test\0", 25));
  set_text(atoms.net_wm_name, XInternAtom(display_, "UTF8_STRING", False), "Grüße – build");
  set_text(XA_WM_NAME, XA_STRING, "the ICCCM name");
  set_pid(::getpid());
  set_text(XA_WM_CLIENT_MACHINE, XA_STRING, this_host());

  const FocusedWindow window = read_window(display_, atoms, window_);
  EXPECT_EQ(window.app, "Worktrace-Test");
  EXPECT_EQ(window.title, "Grüße – build");  // _NET_WM_NAME before WM_NAME
  EXPECT_EQ(window.pid, ::getpid());
  EXPECT_EQ(window.exe, std::filesystem::read_symlink("/proc/self/exe").string());
}

TEST_F(X11ConnectionTest, FallsBackToWmNameReadAsLatin1) {
  set_text(XA_WM_NAME, XA_STRING, "caf\xE9");
  const FocusedWindow window = read_window(display_, Atoms(display_), window_);
  EXPECT_EQ(window.title, "café");
  EXPECT_EQ(window.app, "");
  EXPECT_EQ(window.pid, 0);
  EXPECT_EQ(window.exe, "");
}

TEST_F(X11ConnectionTest, BoundsWhatItReads) {
  const Atoms atoms(display_);
  std::string euros;
  for (int char_idx = 0; char_idx < 3000; ++char_idx) euros += "€";  // 9000 bytes
  set_text(atoms.net_wm_name, XInternAtom(display_, "UTF8_STRING", False), euros);
  set_text(XA_WM_CLASS, XA_STRING, "instance" + std::string(1, '\0') + std::string(600, 'C'));

  const FocusedWindow window = read_window(display_, atoms, window_);
  EXPECT_EQ(window.title.size(), 2046u);  // 682 whole characters: 2048 would split one
  EXPECT_TRUE(protocol::is_valid_utf8(window.title));
  EXPECT_EQ(window.title, euros.substr(0, 2046));
  EXPECT_EQ(window.app, std::string(kMaxAppBytes, 'C'));
}

TEST_F(X11ConnectionTest, AQualifiedNameOfThisHostIsThisHost) {
  set_pid(::getpid());
  set_text(XA_WM_CLIENT_MACHINE, XA_STRING, this_host() + ".example.internal");
  const FocusedWindow window = read_window(display_, Atoms(display_), window_);
  EXPECT_EQ(window.pid, ::getpid());
  EXPECT_FALSE(window.exe.empty());
}

TEST_F(X11ConnectionTest, ThePidOfAnotherMachineGivesNoExecutable) {
  set_pid(::getpid());
  set_text(XA_WM_CLIENT_MACHINE, XA_STRING, "some-other-host.example");
  const FocusedWindow window = read_window(display_, Atoms(display_), window_);
  EXPECT_EQ(window.pid, 0);
  EXPECT_EQ(window.exe, "");
}

TEST_F(X11ConnectionTest, AVanishedWindowReadsAsNothing) {
  set_text(XA_WM_NAME, XA_STRING, "going away");
  XDestroyWindow(display_, window_);
  XSync(display_, False);
  EXPECT_EQ(read_window(display_, Atoms(display_), window_), FocusedWindow{});
  EXPECT_EQ(read_property(display_, window_, XA_WM_NAME, 64), std::nullopt);
  EXPECT_FALSE(connection_->lost());  // BadWindow is an answer, not a broken connection
}

TEST_F(X11ConnectionTest, APropertyThatIsNotThereHasNoType) {
  const std::optional<Property> property = read_property(display_, window_, XA_WM_NAME, 64);
  ASSERT_TRUE(property.has_value());
  EXPECT_EQ(property->type, static_cast<Atom>(None));
}

TEST_F(X11ConnectionTest, TheServerGoingAwayMarksTheConnectionLostWithoutExiting) {
  session_->stop_server();
  XSync(display_, False);  // Xlib's default would exit() the process here
  EXPECT_TRUE(connection_->lost());
  EXPECT_EQ(read_property(display_, window_, XA_WM_NAME, 64), std::nullopt);
}

TEST(ExecutableOfTest, ReadsProcExe) {
  EXPECT_EQ(executable_of(::getpid()), std::filesystem::read_symlink("/proc/self/exe").string());
  EXPECT_EQ(executable_of(0), "");
  EXPECT_EQ(executable_of(std::int64_t{1} << 40), "");
}

}  // namespace
}  // namespace worktrace::agent::collect::x11
