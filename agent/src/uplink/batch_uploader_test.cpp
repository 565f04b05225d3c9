#include "uplink/batch_uploader.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/gzip.hpp"
#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace worktrace::agent::uplink {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
namespace fs = std::filesystem;

struct Received {
  std::string authorization;
  bool gzip = false;
  std::string body;  // inflated
};

// An HTTP server on 127.0.0.1 that answers each request with the next scripted reply (status
// and body) and records what it received. The replies stand for the server's documented
// answers; the real server's own are tested in tests/integration.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::pair<int, std::string>> replies)
      : replies_(std::move(replies)),
        acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        thread_([this] { serve(); }) {}
  ~ScriptedServer() { thread_.join(); }

  [[nodiscard]] ServerUrl url() const {
    return *parse_server_url("http://127.0.0.1:" +
                             std::to_string(acceptor_.local_endpoint().port()));
  }
  [[nodiscard]] std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Every record "seq" of request `index`, in order.
  [[nodiscard]] std::vector<std::int64_t> seqs(std::size_t index) {
    std::vector<std::int64_t> out;
    const auto json = protocol::parse_json(received().at(index).body);
    for (const auto& record : json->at("records").as_array()) {
      out.push_back(record.at("seq").as_int64());
    }
    return out;
  }

 private:
  void serve() {
    for (auto& [status, body] : replies_) {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request);
      Received got{std::string(request[http::field::authorization]),
                   request[http::field::content_encoding] == "gzip", request.body()};
      if (got.gzip) got.body = protocol::gunzip(got.body, 8 << 20).value();
      {
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(got));
      }
      http::response<http::string_body> response(static_cast<http::status>(status), 11);
      response.set(http::field::content_type, "application/json");
      response.body() = body;
      response.prepare_payload();
      http::write(socket, response);
    }
  }

  std::vector<std::pair<int, std::string>> replies_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::mutex mutex_;
  std::vector<Received> received_;  // guarded by mutex_
  std::thread thread_;
};

class BatchUploaderTest : public ::testing::Test {
 protected:
  BatchUploaderTest() {
    std::string pattern = (fs::temp_directory_path() / "worktrace-upload-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    outbox_ = std::move(*spool::Outbox::open(dir_ / "outbox.db", {}, clock_));
  }
  ~BatchUploaderTest() override { fs::remove_all(dir_); }

  void append_spans(int count) {
    for (int span_idx = 0; span_idx < count; ++span_idx) {
      const EpochMs start = kStart + span_idx * 1'000;
      ASSERT_TRUE(outbox_->append(protocol::SpanRecord{.start = start,
                                                       .end = start + 1'000,
                                                       .app = "XTerm",
                                                       .exe = "",
                                                       .title = "t",
                                                       .idle = false}));
    }
  }

  BatchUploader uploader(const ServerUrl& url) {
    return BatchUploader(*outbox_, UploadOptions{.url = url, .credential = "wtd_secret"}, clock_,
                         nullptr);
  }

  static constexpr EpochMs kStart = 1'764'400'000'000;
  ManualClock clock_{kStart};
  fs::path dir_;
  std::unique_ptr<spool::Outbox> outbox_;
};

TEST_F(BatchUploaderTest, DeletesOnlyWhatTheServerAcknowledgedAndRetriesFailures) {
  append_spans(3);
  ScriptedServer server({{503, R"({"error":{"code":"unavailable","message":"busy"}})"},
                         {200, R"({"acked_seq":3,"accepted":3,"duplicates":0})"}});
  auto up = uploader(server.url());
  EXPECT_EQ(up.upload_once(), UploadStep::retry);
  EXPECT_EQ(outbox_->stats().records, 3);
  EXPECT_EQ(up.upload_once(), UploadStep::sent);
  EXPECT_EQ(outbox_->stats().records, 0);
  EXPECT_EQ(up.upload_once(), UploadStep::idle);  // nothing left: no request

  const auto got = server.received();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].authorization, "Bearer wtd_secret");
  EXPECT_EQ(got[0].body, got[1].body);  // the same batch again
  EXPECT_EQ(server.seqs(1), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(BatchUploaderTest, SendsTheRecordsBeforeABadOneThenDiscardsIt) {
  append_spans(5);
  ScriptedServer server({
      {400,
       R"({"error":{"code":"invalid_argument","message":"$.records[2].end: is in the future"}})"},
      {200, R"({"acked_seq":2,"accepted":2,"duplicates":0})"},
      {400,
       R"({"error":{"code":"invalid_argument","message":"$.records[0].app: must be at most 255 bytes"}})"},
      {200, R"({"acked_seq":5,"accepted":2,"duplicates":0})"},
  });
  auto up = uploader(server.url());
  for (int step = 0; step < 4; ++step) EXPECT_EQ(up.upload_once(), UploadStep::sent) << step;
  EXPECT_EQ(outbox_->stats().records, 0);
  EXPECT_EQ(server.seqs(0), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(server.seqs(1), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(server.seqs(2), (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(server.seqs(3), (std::vector<std::int64_t>{4, 5}));  // 3 was discarded
  EXPECT_EQ(outbox_->stats().dropped_total, 1);                  // and is reported
}

TEST_F(BatchUploaderTest, KeepsRecordsFromTheFutureAndWhatNoRecordIsBlamedFor) {
  append_spans(2);
  ScriptedServer server({
      {400,
       R"({"error":{"code":"invalid_argument","message":"$.records[0].end: is in the future"}})"},
      {400, "<html>Bad Request</html>"},  // a proxy's answer names no record
      {200, R"({"acked_seq":2,"accepted":2,"duplicates":0})"},
  });
  auto up = uploader(server.url());
  EXPECT_EQ(up.upload_once(), UploadStep::retry);
  EXPECT_EQ(up.upload_once(), UploadStep::retry);
  EXPECT_EQ(outbox_->stats().records, 2);
  EXPECT_EQ(up.upload_once(), UploadStep::sent);
  EXPECT_EQ(outbox_->stats().records, 0);
  EXPECT_EQ(outbox_->stats().dropped_total, 0);
}

TEST_F(BatchUploaderTest, CompressesLargeBatchesAndStopsWhenRevoked) {
  append_spans(200);
  ScriptedServer server({{401, R"({"error":{"code":"unauthenticated","message":"revoked"}})"}});
  auto up = uploader(server.url());
  EXPECT_EQ(up.upload_once(), UploadStep::revoked);
  EXPECT_EQ(outbox_->stats().records, 200);  // nothing lost
  const auto got = server.received();
  ASSERT_EQ(got.size(), 1U);
  EXPECT_TRUE(got[0].gzip);
  EXPECT_EQ(server.seqs(0).size(), 200U);
}

TEST_F(BatchUploaderTest, NeverAcknowledgesBeyondTheBatch) {
  append_spans(2);
  ScriptedServer server({{200, R"({"acked_seq":99,"accepted":2,"duplicates":0})"}});
  auto up = uploader(server.url());
  EXPECT_EQ(up.upload_once(), UploadStep::sent);
  append_spans(1);  // seq 3: the answer's 99 must not have removed it
  EXPECT_EQ(outbox_->stats().records, 1);
}

}  // namespace
}  // namespace worktrace::agent::uplink
