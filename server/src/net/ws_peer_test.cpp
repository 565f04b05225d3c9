#include "net/ws_peer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <thread>
#include <vector>

namespace worktrace::net {
namespace {

using realtime::Frame;
using Kind = WsPeer::Job::Kind;

class WsPeerTest : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  Metrics metrics;
};

Frame droppable(std::string body) {
  Frame frame = Frame::text(std::move(body));
  frame.droppable = true;
  return frame;
}

TEST_F(WsPeerTest, DropsTheOldestDroppableFrameWhenFullAndCountsIt) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 2, metrics);
  EXPECT_TRUE(peer->send(droppable("1")));
  EXPECT_TRUE(peer->send(droppable("2")));
  EXPECT_FALSE(peer->send(droppable("3")));
  EXPECT_EQ(metrics.frames_dropped(), 1u);
  auto job = peer->next();
  ASSERT_EQ(job.kind, Kind::write);
  EXPECT_EQ(*job.frame.payload, "2");
  job = peer->next();
  ASSERT_EQ(job.kind, Kind::write);
  EXPECT_EQ(*job.frame.payload, "3");
  EXPECT_EQ(peer->next().kind, Kind::wait);
}

TEST_F(WsPeerTest, APeerThatCannotKeepUpWithStateFramesIsClosedToReload) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 2, metrics);
  EXPECT_TRUE(peer->send(Frame::text("device.online")));
  EXPECT_TRUE(peer->send(droppable("screenshot")));
  // Full: the screenshot makes room for the state change.
  EXPECT_FALSE(peer->send(Frame::text("device.updated")));
  // Full of state changes: a droppable frame is refused, a state change closes the peer.
  EXPECT_FALSE(peer->send(droppable("screenshot 2")));
  EXPECT_FALSE(peer->send(Frame::text("device.offline")));
  EXPECT_EQ(metrics.frames_dropped(), 3u);
  const auto job = peer->next();
  ASSERT_EQ(job.kind, Kind::close);
  EXPECT_EQ(job.close_code, 1013);
  EXPECT_EQ(peer->next().kind, Kind::stop);
}

TEST_F(WsPeerTest, CloseDiscardsTheQueueAndIsTakenOnce) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 8, metrics);
  EXPECT_TRUE(peer->send(Frame::text("queued")));
  peer->close(1008, std::string(200, 'r'));
  peer->close(1000, "second close is ignored");
  EXPECT_FALSE(peer->send(Frame::text("after close")));
  const auto job = peer->next();
  ASSERT_EQ(job.kind, Kind::close);
  EXPECT_EQ(job.close_code, 1008);
  EXPECT_EQ(job.close_reason.size(), 123u);  // RFC 6455 limit
  EXPECT_EQ(peer->next().kind, Kind::stop);
}

TEST_F(WsPeerTest, SendWakesAWaitingWriterThroughTheStrand) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 8, metrics);
  boost::asio::steady_timer wake(io, boost::asio::steady_timer::time_point::max());
  peer->set_wake_timer(&wake);
  ASSERT_EQ(peer->next().kind, Kind::wait);
  bool woken = false;
  wake.async_wait([&](const boost::system::error_code& ec) {
    woken = ec == boost::asio::error::operation_aborted;
  });
  std::thread sender([&] { EXPECT_TRUE(peer->send(Frame::text("x"))); });
  sender.join();
  io.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(woken);
  EXPECT_EQ(peer->next().kind, Kind::write);
  peer->finish();
}

TEST_F(WsPeerTest, AfterFinishEverythingIsIgnored) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 8, metrics);
  peer->finish();
  EXPECT_FALSE(peer->send(Frame::text("late")));
  peer->close(1000, "late");
  EXPECT_EQ(peer->next().kind, Kind::stop);
  EXPECT_EQ(metrics.frames_dropped(), 0u);
}

}  // namespace
}  // namespace worktrace::net
