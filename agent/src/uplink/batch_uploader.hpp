#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "spool/outbox.hpp"
#include "uplink/backoff.hpp"
#include "uplink/server_url.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace worktrace::agent::uplink {

inline constexpr std::string_view kActivityPath = "/api/v1/agent/activity";

struct UploadOptions {
  ServerUrl url{};
  std::string credential{};
  std::string ca_file{};
  std::string tls_pin_sha256{};  // see ControlOptions
  // After the first record arrives, how long to gather more before sending (fewer, larger
  // batches); a full batch goes at once.
  std::chrono::milliseconds gather{30'000};
  std::size_t max_records = 1'000;      // per batch
  std::size_t max_bytes = 512 * 1024;   // per batch, before compression
  std::size_t gzip_above_bytes = 2048;  // smaller bodies are sent as they are
  std::chrono::milliseconds timeout{30'000};
  BackoffPolicy backoff{.base = std::chrono::milliseconds(2'000),
                        .cap = std::chrono::milliseconds(300'000)};
  // On stop, how long the last attempt to send what is pending may take.
  std::chrono::milliseconds final_flush{3'000};
};

// What the uploader last did, for status.json.
struct UploadStatus {
  std::optional<EpochMs> last_upload_at;  // the last acknowledged batch
  std::int64_t acked_seq = 0;             // the highest sequence number the server holds
  std::string last_error;                 // the latest failure; empty after a success
  bool revoked = false;                   // the server refused the credential (401)
};

// What one attempt achieved.
enum class UploadStep {
  idle,     // nothing pending
  sent,     // a batch was acknowledged and removed from the outbox
  retry,    // the server or the network failed: wait (backoff) and try again
  revoked,  // 401: the credential is no longer valid; stop uploading
};

// Sends the outbox to the server in batches (POST /api/v1/agent/activity, gzip when large)
// and deletes only what the server acknowledged. A dropped connection or a 5xx/429 is retried
// after a jittered, growing delay. A batch the server refuses as invalid (400 naming
// `$.records[N]`) is split: the N records before the bad one are sent alone; a bad first record
// is discarded and counted as dropped, so one bad record never blocks the rest, except a
// record "in the future" (this clock is ahead of the server's), which waits and is retried.
// Any other refusal (a 400 that names no record, 429, 5xx) is retried. A 413 halves the batch.
// run() works on the calling thread; stop() and upload_now() may be called from any thread.
class BatchUploader {
 public:
  using StatusFn = std::function<void(const UploadStatus&)>;

  // `outbox` and `clock` must outlive the uploader. `on_status` runs on run()'s thread.
  BatchUploader(spool::Outbox& outbox, UploadOptions options, const Clock& clock,
                StatusFn on_status);

  // Uploads until stop(), then makes one last bounded attempt to send what is pending.
  void run();
  void stop();
  // Ends the current gathering or backoff wait (the control channel came back, for one).
  void upload_now();

  // One attempt: reads up to one batch from the outbox and sends it. For run() and tests.
  [[nodiscard]] UploadStep upload_once();

 private:
  // Waits up to `duration` unless stop() or upload_now() comes first; true when stopping.
  bool wait(std::chrono::milliseconds duration);
  void report();

  spool::Outbox& outbox_;
  const UploadOptions options_;
  const Clock& clock_;
  const StatusFn on_status_;
  Backoff backoff_;
  std::size_t batch_records_;                  // max_records, halved after a 413
  std::chrono::milliseconds request_timeout_;  // options_.timeout; final_flush when stopping
  // Held by run()'s thread only: the next batch has at most this many records (a bad record
  // was found at this index of the last batch).
  std::optional<std::size_t> records_before_bad_;
  UploadStatus status_;

  std::mutex mutex_;
  std::condition_variable wake_;
  // Guarded by mutex_:
  bool stopping_ = false;
  bool woken_ = false;
};

}  // namespace worktrace::agent::uplink
