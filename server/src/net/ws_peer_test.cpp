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

Frame keyed(std::string body, std::uint64_t key) {
  Frame frame = droppable(std::move(body));
  frame.replace_key = key;
  return frame;
}

// The payloads the writer would send, in order, until the queue is empty.
std::vector<std::string> drain(WsPeer& peer) {
  std::vector<std::string> written;
  for (auto job = peer.next(); job.kind == Kind::write; job = peer.next()) {
    written.push_back(*job.frame.payload);
  }
  return written;
}

TEST_F(WsPeerTest, ANewerFrameOfTheSameStreamReplacesTheQueuedOneInPlace) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 8, metrics);
  EXPECT_TRUE(peer->send(keyed("monitor 0, first", 1)));
  EXPECT_TRUE(peer->send(keyed("monitor 1, first", 2)));
  EXPECT_TRUE(peer->send(Frame::text("state")));
  EXPECT_TRUE(peer->send(keyed("monitor 0, second", 1)));
  EXPECT_TRUE(peer->send(keyed("monitor 0, third", 1)));
  // Key 0 never replaces: these are two separate frames.
  EXPECT_TRUE(peer->send(droppable("unkeyed a")));
  EXPECT_TRUE(peer->send(droppable("unkeyed b")));
  EXPECT_EQ(metrics.frames_replaced(), 2u);
  EXPECT_EQ(metrics.frames_dropped(), 0u);
  EXPECT_EQ(drain(*peer), (std::vector<std::string>{"monitor 0, third", "monitor 1, first", "state",
                                                    "unkeyed a", "unkeyed b"}));
}

TEST_F(WsPeerTest, AFrameBeingWrittenIsNotReplacedTheNextOneIsQueued) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 8, metrics);
  EXPECT_TRUE(peer->send(keyed("first", 9)));
  const auto in_flight = peer->next();
  ASSERT_EQ(in_flight.kind, Kind::write);
  EXPECT_TRUE(peer->send(keyed("second", 9)));
  EXPECT_TRUE(peer->send(keyed("third", 9)));
  EXPECT_EQ(*in_flight.frame.payload, "first");
  EXPECT_EQ(drain(*peer), (std::vector<std::string>{"third"}));
}

TEST_F(WsPeerTest, DroppableBytesAreCappedOldestFirstAndTheNewestIsKept) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 64, metrics, 100);
  EXPECT_TRUE(peer->send(keyed(std::string(40, 'a'), 1)));
  EXPECT_TRUE(peer->send(Frame::text(std::string(500, 's'))));  // state frames do not count
  EXPECT_TRUE(peer->send(keyed(std::string(40, 'b'), 2)));
  EXPECT_FALSE(peer->send(keyed(std::string(40, 'c'), 3)));  // 120 bytes: 'a' goes
  EXPECT_EQ(metrics.frames_dropped(), 1u);
  // Replacing with a larger frame of the same stream also respects the cap.
  EXPECT_FALSE(
      peer->send(keyed(std::string(70, 'B'), 2)));  // 110 bytes: 'c' goes, 'B' is the newest
  EXPECT_EQ(metrics.frames_replaced(), 1u);
  EXPECT_EQ(metrics.frames_dropped(), 2u);
  // One frame larger than the cap is still delivered, alone.
  EXPECT_FALSE(peer->send(keyed(std::string(150, 'x'), 4)));
  const auto written = drain(*peer);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0], std::string(500, 's'));
  EXPECT_EQ(written[1], std::string(150, 'x'));
}

TEST_F(WsPeerTest, DropQueuedRemovesTheMatchingDroppableFramesAndTheirBytes) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 64, metrics, 100);
  EXPECT_TRUE(peer->send(keyed(std::string(60, 'a'), 1)));
  EXPECT_TRUE(peer->send(Frame::text("state")));
  EXPECT_TRUE(peer->send(keyed(std::string(30, 'b'), 2)));
  const auto of_stream_1 = [](const Frame& frame) { return frame.replace_key == 1; };
  const auto everything = [](const Frame&) { return true; };
  EXPECT_EQ(peer->drop_queued(of_stream_1), 1u);
  EXPECT_EQ(peer->drop_queued(of_stream_1), 0u);
  // The 60 bytes are no longer counted: 90 bytes fit under the cap of 100.
  EXPECT_TRUE(peer->send(keyed(std::string(60, 'c'), 3)));
  EXPECT_EQ(metrics.frames_dropped(), 0u);
  // State frames are never dropped, whatever the predicate says.
  EXPECT_EQ(peer->drop_queued(everything), 2u);
  EXPECT_EQ(drain(*peer), (std::vector<std::string>{"state"}));
  EXPECT_TRUE(peer->send(keyed(std::string(100, 'd'), 4)));
  EXPECT_EQ(metrics.frames_dropped(), 0u);
}

TEST_F(WsPeerTest, ClosingIsTrueOnceACloseWasRequested) {
  auto peer = std::make_shared<WsPeer>(boost::asio::make_strand(io), 8, metrics);
  EXPECT_FALSE(peer->closing());
  peer->close(1008, "device revoked");
  EXPECT_TRUE(peer->closing());
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
