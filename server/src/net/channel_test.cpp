// The domain side of a channel without sockets: what open() sends, in which order.
#include "net/channel.hpp"
#include "net/read_buffer.hpp"
#include "net/test_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace worktrace::net::testing {
namespace {

// A Peer that keeps the payloads it was sent. Thread-safe.
class PayloadPeer final : public realtime::Peer {
 public:
  bool send(realtime::Frame frame) override {
    const std::lock_guard lock(mutex_);
    sent_.push_back(*frame.payload);
    return true;
  }
  void close(std::uint16_t, std::string) override {}
  std::vector<std::string> sent() const {
    const std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> sent_;
};

// Answers the connection with a welcome and a config; once registered, sends its current
// state through the hub (as the screen relay sends `screens`).
class StatefulAgents final : public realtime::AgentChannelHandler {
 public:
  explicit StatefulAgents(realtime::Hub& hub) : hub_(hub) {}
  Result<DevicePrincipal> authenticate(const api::Request&) override {
    return DevicePrincipal{7, 1, std::nullopt};
  }
  std::vector<std::string> on_connected(const DevicePrincipal&, const std::string&) override {
    return {"welcome", "config"};
  }
  void after_registered(const DevicePrincipal& device) override {
    hub_.send_to_agent(device.device_id, realtime::Frame::text("state"));
  }
  Result<std::optional<std::string>> on_text(const DevicePrincipal&, std::string_view) override {
    return std::optional<std::string>();
  }
  Result<void> on_binary(const DevicePrincipal&, std::string_view message) override {
    last_binary = std::string(message);
    return {};
  }
  void on_disconnected(const DevicePrincipal&) override {}

  std::string last_binary;

 private:
  realtime::Hub& hub_;
};

TEST(AgentChannelTest, AfterRegisteredRunsOnceTheFirstMessagesAreQueued) {
  realtime::Hub hub;
  StatefulAgents agents(hub);
  FakeViewers viewers;
  const ChannelContext context{hub, agents, viewers};
  auto channel = authenticate_channel(ChannelKind::agent, api::Request{}, context);
  ASSERT_TRUE(channel) << channel.error().message;
  auto peer = std::make_shared<PayloadPeer>();
  (*channel)->open(peer);
  EXPECT_EQ(peer->sent(), (std::vector<std::string>{"welcome", "config", "state"}));
  EXPECT_EQ((*channel)->on_binary(std::string_view("frame bytes")), std::nullopt);
  EXPECT_EQ(agents.last_binary, "frame bytes");
  (*channel)->close();
  EXPECT_FALSE(hub.is_online(7));
}

TEST(ReadBufferTest, ALargeMessagesMemoryIsGivenBackASmallBufferIsKept) {
  boost::beast::flat_buffer buffer;
  buffer.commit(boost::asio::buffer_copy(buffer.prepare(4 << 20),
                                         boost::asio::buffer(std::string(4 << 20, 'x'))));
  ASSERT_GE(buffer.capacity(), std::size_t{4 << 20});
  release_message(buffer);
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_LE(buffer.capacity(), kKeptReadBufferBytes);

  buffer.commit(boost::asio::buffer_copy(buffer.prepare(64 * 1024),
                            boost::asio::buffer(std::string(64 * 1024, 'y'))));
  const std::size_t small = buffer.capacity();
  release_message(buffer);
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.capacity(), small);
}

}  // namespace
}  // namespace worktrace::net::testing
