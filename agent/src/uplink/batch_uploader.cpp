#include "uplink/batch_uploader.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/gzip.hpp"
#include "protocol/json_reader.hpp"
#include "uplink/http_client.hpp"
#include "uplink/messages.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <random>

namespace worktrace::agent::uplink {
namespace {

// The index N of a "$.records[N]..." error message, if it names one.
std::optional<std::size_t> bad_record_index(std::string_view message) {
  constexpr std::string_view kPrefix = "$.records[";
  const auto at = message.find(kPrefix);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = message.data() + at + kPrefix.size();
  const char* last = message.data() + message.size();
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(first, last, index);
  if (ec != std::errc() || end == last || *end != ']') return std::nullopt;
  return index;
}

// The server's error message of a JSON error body, or the body itself, printable.
std::string error_message_of(std::string_view body) {
  auto json = protocol::parse_json(body);
  if (json && json->is_object()) {
    if (const auto* error = json->as_object().if_contains("error"); error && error->is_object()) {
      if (const auto* message = error->as_object().if_contains("message");
          message && message->is_string()) {
        return printable(std::string_view(message->as_string()), 300);
      }
    }
  }
  return printable(body, 300);
}

}  // namespace

BatchUploader::BatchUploader(spool::Outbox& outbox, UploadOptions options, const Clock& clock,
                             StatusFn on_status)
    : outbox_(outbox),
      options_(std::move(options)),
      clock_(clock),
      on_status_(std::move(on_status)),
      backoff_(options_.backoff, std::random_device{}()),
      batch_records_(options_.max_records),
      request_timeout_(options_.timeout) {}

void BatchUploader::report() {
  if (on_status_) on_status_(status_);
}

UploadStep BatchUploader::upload_once() {
  const std::size_t limit = std::min(batch_records_, records_before_bad_.value_or(batch_records_));
  auto pending = outbox_.peek(std::max<std::size_t>(limit, 1), options_.max_bytes);
  if (!pending) {
    status_.last_error = "cannot read the outbox: " + pending.error().message;
    return UploadStep::retry;
  }
  if (pending->records.empty()) return UploadStep::idle;

  std::string body = protocol::activity_batch_body(pending->records, pending->dropped_total);
  PostHeaders headers{.bearer = options_.credential};
  if (body.size() > options_.gzip_above_bytes) {
    body = protocol::gzip(body);
    headers.gzip = true;
  }
  auto reply =
      post_json(options_.url, kActivityPath, std::move(body),
                ServerTrust{options_.ca_file, options_.tls_pin_sha256}, request_timeout_, headers);
  if (!reply) {
    status_.last_error = reply.error().message;
    return UploadStep::retry;
  }
  const int http_status = reply->status;
  if (http_status == 200) {
    records_before_bad_.reset();
    auto json = protocol::parse_json(reply->body);
    std::int64_t acked = 0;
    if (json && json->is_object()) {
      if (const auto* value = json->as_object().if_contains("acked_seq");
          value && value->is_int64()) {
        acked = value->as_int64();
      }
    }
    if (acked < pending->first_seq) {
      status_.last_error = "the server's answer did not acknowledge the batch";
      return UploadStep::retry;
    }
    // Only what the server holds goes: never past this batch's end.
    acked = std::min(acked, pending->last_seq);
    if (auto removed = outbox_.ack(acked); !removed) {
      status_.last_error = "cannot update the outbox: " + removed.error().message;
      return UploadStep::retry;
    }
    status_.acked_seq = acked;
    status_.last_upload_at = clock_.now_ms();
    status_.last_error.clear();
    spdlog::debug("uplink: {} records acknowledged up to {}", pending->records.size(), acked);
    return UploadStep::sent;
  }
  if (http_status == 401) {
    status_.revoked = true;
    status_.last_error = "the server refused the device credential (HTTP 401)";
    return UploadStep::revoked;
  }
  if (http_status == 413 && pending->records.size() > 1) {
    batch_records_ = std::max<std::size_t>(1, pending->records.size() / 2);
    status_.last_error = "the batch was too large; sending smaller ones";
    return UploadStep::sent;  // try again at once with the smaller size
  }
  const std::string message = error_message_of(reply->body);
  const auto index =
      http_status == 400 || http_status == 413 ? bad_record_index(message) : std::nullopt;
  if (index && *index < pending->records.size()) {
    if (*index > 0) {
      records_before_bad_ = *index;  // send the good ones before it first
      return UploadStep::sent;
    }
    // A record "in the future" becomes acceptable when the server's clock catches up with
    // this machine's: wait for it rather than lose it.
    if (message.find("is in the future") != std::string::npos) {
      status_.last_error = "this computer's clock is ahead of the server's: " + message;
      return UploadStep::retry;
    }
    // The first record is refused for good: drop it (counted as dropped, so the server hears
    // of it), or it would block everything behind it forever.
    spdlog::error("uplink: the server refused record {} and it is discarded: {}",
                  pending->first_seq, message);
    records_before_bad_.reset();
    if (auto removed = outbox_.discard(pending->first_seq); !removed) {
      status_.last_error = "cannot update the outbox: " + removed.error().message;
      return UploadStep::retry;
    }
    status_.last_error = "record " + std::to_string(pending->first_seq) +
                         " was refused by the server and dropped: " + message;
    return UploadStep::sent;
  }
  status_.last_error = "the server answered HTTP " + std::to_string(http_status) + ": " + message;
  return UploadStep::retry;
}

bool BatchUploader::wait(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [&] { return stopping_ || woken_; });
  woken_ = false;
  return stopping_;
}

void BatchUploader::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    // Sleeps until a record is pending; the outbox's wait is bounded so stop() is seen.
    if (!outbox_.wait_for_records(std::chrono::milliseconds(1'000))) continue;
    if (wait(options_.gather)) break;
    for (;;) {
      const UploadStep step = upload_once();
      report();
      if (step == UploadStep::revoked) return;
      if (step == UploadStep::idle) break;
      if (step == UploadStep::sent) {
        backoff_.reset();
        continue;
      }
      const auto delay = backoff_.next_delay();
      spdlog::warn("uplink: {}; retrying in {} ms", status_.last_error, delay.count());
      if (wait(delay)) break;
    }
  }
  // One bounded last attempt, so a clean stop leaves as little as possible behind.
  const auto deadline = std::chrono::steady_clock::now() + options_.final_flush;
  request_timeout_ = options_.final_flush;
  while (std::chrono::steady_clock::now() < deadline) {
    const UploadStep step = upload_once();
    report();
    if (step != UploadStep::sent) break;
  }
}

void BatchUploader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void BatchUploader::upload_now() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

}  // namespace worktrace::agent::uplink
