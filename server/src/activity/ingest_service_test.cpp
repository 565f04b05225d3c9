#include "activity/ingest_service.hpp"

#include "activity/test_support.hpp"

#include <gtest/gtest.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace worktrace::activity {
namespace {

using namespace testing;

constexpr EpochMs kT0 = slot_of(devices::testing::kStart) - 3600 * 1000;

// CPU time of the whole process, in seconds.
double process_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

std::string error_message(const api::Response& response) {
  return std::string(boost::json::parse(response.body).at("error").at("message").as_string());
}

using IngestServiceTest = LaptopTest;

TEST_F(IngestServiceTest, StoresABatchAndAnswersTheReceipt) {
  const std::string body =
      batch_body({span(1, kT0, kT0 + 60'000), span(3, kT0 + 60'000, kT0 + 90'000, "emacs")},
                 {input(2, kT0, 10)});
  auto response = post(credential_, body);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(boost::json::parse(response.body),
            boost::json::parse(R"({"acked_seq":3,"accepted":3,"duplicates":0})"));
  EXPECT_EQ(stored_spans(device_).size(), 2U);
  EXPECT_EQ(stored_spans(device_)[0].user_id, acme_employee_);

  // The same batch again: all duplicates, nothing doubled.
  const std::string before = snapshot();
  auto again = post(credential_, body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(boost::json::parse(again.body),
            boost::json::parse(R"({"acked_seq":3,"accepted":0,"duplicates":3})"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(IngestServiceTest, AcceptsGzip) {
  const std::string body = batch_body({span(1, kT0, kT0 + 60'000)});
  auto response = post(credential_, gzip(body), "gzip");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(boost::json::parse(response.body).at("accepted"), 1);
  auto upper = post(credential_, gzip(batch_body({span(2, kT0 + 60'000, kT0 + 61'000)})), "GZIP");
  EXPECT_EQ(upper.status, 200) << upper.body;
}

TEST_F(IngestServiceTest, RefusesBadEncodingsAndSizes) {
  const std::string body = batch_body({span(1, kT0, kT0 + 60'000)});
  auto brotli = post(credential_, body, "br");
  EXPECT_EQ(brotli.status, 415);
  EXPECT_EQ(error_message(brotli), "Content-Encoding must be gzip or absent");
  auto bad_stream = post(credential_, body, "gzip");
  EXPECT_EQ(bad_stream.status, 400);
  EXPECT_EQ(error_message(bad_stream), "body: not a valid gzip stream");
  // Inflates beyond 8 MiB: 413, whatever it holds.
  auto bomb = post(credential_, gzip(std::string(9 << 20, ' ')), "gzip");
  EXPECT_EQ(bomb.status, 413);

  auto request = make_request("POST", "/api/v1/agent/activity", body);
  request.headers.clear();
  request.headers.emplace_back("content-type", "text/plain");
  request.headers.emplace_back("authorization", "Bearer " + credential_);
  EXPECT_EQ(call(request).status, 415);
  EXPECT_EQ(snapshot(), "0/0 0/0 0/0 0/0 0/0 ");
}

TEST_F(IngestServiceTest, NeedsAValidDeviceCredential) {
  const std::string body = batch_body({span(1, kT0, kT0 + 60'000)});
  EXPECT_EQ(post("", body).status, 401);
  EXPECT_EQ(post("wtd_nonsense", body).status, 401);
  const std::string session = sign_in("ann@acme.test");
  auto as_person = make_request("POST", "/api/v1/agent/activity", body, session);
  EXPECT_EQ(call(as_person).status, 401);

  const std::string owner = sign_in("ann@acme.test");
  auto revoked = call(
      make_request("POST", "/api/v1/devices/" + std::to_string(device_) + "/revoke", "{}", owner));
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  auto refused = post(credential_, body);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(error_message(refused), "the device has been revoked");
  EXPECT_EQ(snapshot(), "0/0 0/0 0/0 0/0 0/0 ");
}

TEST_F(IngestServiceTest, ABadBatchChangesNothing) {
  ASSERT_EQ(post(credential_, batch_body({span(1, kT0, kT0 + 60'000)})).status, 200);
  const std::string before = snapshot();
  const std::string good = span_record_json(span(2, kT0 + 60'000, kT0 + 70'000));
  const auto bad = [&](std::string_view record) {
    return "{\"records\":[" + good + "," + std::string(record) + "]}";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {good.substr(0, 40), "body is not valid JSON"},
      {bad(R"({"seq":3,"type":"span","start":"x","end":1,"app":"a","idle":false})"),
       "$.records[1].start: must be an integer"},
      {bad(span_record_json(span(3, 4'070'908'800'000, 4'070'908'800'000))),
       "$.records[1].start: is in the future"},
      {bad(span_record_json(span(2, kT0 + 70'000, kT0 + 80'000))),
       "$.records[1].seq: must be greater than the seq of the record before it"},
      {bad(span_record_json(span(3, kT0 + 65'000, kT0 + 80'000))),
       "$.records[1].start: is before the end of the span before it"},
      {bad(R"({"seq":3,"type":"span","start":1,"end":1,"app":"a","idle":false,"color":"x"})"),
       "$.records[1].color: is not a known field"},
  };
  for (const auto& [body, message] : cases) {
    auto response = post(credential_, body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(error_message(response).substr(0, message.size()), message) << response.body;
    EXPECT_EQ(boost::json::parse(response.body).at("error").at("code"), "invalid_argument");
  }
  // A title of 10 MB in a gzip body: refused before anything is stored.
  std::string huge = span_record_json(span(3, kT0 + 70'000, kT0 + 80'000));
  huge.replace(huge.find("\"title\":\"build\""), 15,
               "\"title\":\"" + std::string(10 << 20, 'a') + "\"");
  auto too_big = post(credential_, gzip(bad(huge)), "gzip");
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(IngestServiceTest, AnUnassignedDeviceIsStoredWithoutAPerson) {
  assign(device_, std::nullopt);
  ASSERT_EQ(post(credential_, batch_body({span(1, kT0, kT0 + 60'000)})).status, 200);
  const auto stored = stored_spans(device_);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_FALSE(stored[0].user_id);
  EXPECT_EQ(scalar("SELECT count(*) FROM rollup_slots"), 0);
}

// Not a test of correctness: the ingest rate (parse + validate + group commit, as the
// handler does it, with several callers) of batches of 1,000 records, printed for the report.
TEST_F(IngestServiceTest, Throughput) {
  constexpr int kThreads = 4;
  constexpr int kBatchesPerThread = 25;
  constexpr int kRecordsPerBatch = 1'000;
  std::vector<std::pair<DeviceId, std::string>> agents;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    auto agent = enroll_into(acme_, "bench-" + std::to_string(thread_idx));
    assign(agent.first, acme_employee_);
    agents.push_back(agent);
  }
  // Every record a new span (no merging): the worst case for the store.
  const EpochMs start = devices::testing::kStart - 20LL * 24 * 3600 * 1000;
  std::vector<std::vector<std::string>> bodies(kThreads);
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    std::int64_t seq = 0;
    EpochMs at = start;
    for (int batch_idx = 0; batch_idx < kBatchesPerThread; ++batch_idx) {
      std::vector<protocol::SpanRecord> spans;
      std::vector<protocol::InputRecord> inputs;
      for (int record_idx = 0; record_idx < kRecordsPerBatch; ++record_idx) {
        if (record_idx % 10 == 9) {
          inputs.push_back(input(++seq, at - at % 60'000, 40, 3));
        } else {
          spans.push_back(span(++seq, at, at + 3'000, "app" + std::to_string(record_idx % 7),
                               "window title number " + std::to_string(record_idx % 13)));
          at += 5'000;
        }
      }
      bodies[thread_idx].push_back(batch_body(spans, inputs));
    }
  }
  // Validation alone, for comparison.
  const double parse_began = process_cpu_s();
  for (const auto& thread_bodies : bodies) {
    for (const std::string& body : thread_bodies) {
      EXPECT_TRUE(protocol::parse_activity_batch(body, clock_.now_ms()));
    }
  }
  const double parse_cpu_s = process_cpu_s() - parse_began;

  const auto began = std::chrono::steady_clock::now();
  const double cpu_began = process_cpu_s();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (const std::string& body : bodies[thread_idx]) {
        auto response = post(agents[thread_idx].second, body);
        if (response.status != 200) failures.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double cpu_s = process_cpu_s() - cpu_began;
  EXPECT_EQ(failures.load(), 0);
  const double records = double{kThreads} * kBatchesPerThread * kRecordsPerBatch;
  std::printf(
      "ingest: %.0f records in %.3f s wall = %.0f records/s; %.3f CPU s = %.0f records per CPU "
      "second; validation alone %.0f records per CPU second; %lld transactions for %d batches\n",
      records, seconds, records / seconds, cpu_s, records / cpu_s, records / parse_cpu_s,
      static_cast<long long>(ingest_.group_commit().transactions()), kThreads * kBatchesPerThread);
  EXPECT_EQ(scalar("SELECT count(*) FROM activity_spans"), kThreads * kBatchesPerThread * 900);
}

}  // namespace
}  // namespace worktrace::activity
