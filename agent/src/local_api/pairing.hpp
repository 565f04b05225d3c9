#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "local_api/origin_set.hpp"

#include <cstddef>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Browser pairing: `worktrace-agent pair-browser` issues a short-lived code, an extension
// redeems it over POST /api/0/worktrace/pair, and its origin is allowed from then on.
//
// Files in the agent's config dir, both 0600 and replaced atomically:
//   browser_pairing.json  {"salt","code_hash","expires_ms"}: the pending code, hashed
//                         (keyed BLAKE2b); removed once redeemed
//   browser_origins.json  {"origins":[{"origin","paired_ms"}]}: oldest first, at most
//                         kMaxPairedOrigins
// `pair-browser` and the running agent are different processes: the agent reads the pending
// code from the file at each attempt.
namespace worktrace::agent::local_api {

inline constexpr std::size_t kPairingCodeChars = 8;
inline constexpr std::int64_t kPairingCodeLifetimeMs = 10 * 60 * 1000;
inline constexpr std::size_t kMaxPairedOrigins = 16;
inline constexpr std::size_t kMaxWrongPairingCodesPerMinute = 5;
inline constexpr std::string_view kPairingFileName = "browser_pairing.json";
inline constexpr std::string_view kPairedOriginsFileName = "browser_origins.json";

struct PairingCode {
  std::string code;  // kPairingCodeChars of Crockford base32 (0-9, A-Z without I, L, O, U)
  EpochMs expires_ms = 0;
};

struct PairedOrigin {
  std::string origin;
  EpochMs paired_ms = 0;
  bool operator==(const PairedOrigin&) const = default;
};

// Draws a code from libsodium's CSPRNG and stores its salted hash, valid
// kPairingCodeLifetimeMs from now, in DIR/browser_pairing.json (creating DIR 0700 when
// missing), replacing any earlier code. Fails with Errc::io_error or Errc::internal.
[[nodiscard]] Result<PairingCode> issue_pairing_code(const std::filesystem::path& config_dir,
                                                     const Clock& clock);

// DIR/browser_origins.json, oldest first; empty when the file does not exist. Fails with
// Errc::invalid_argument naming the bad entry when the file is malformed, Errc::io_error.
[[nodiscard]] Result<std::vector<PairedOrigin>> load_paired_origins(
    const std::filesystem::path& config_dir);

// Upper-cases `code`, drops '-' and spaces, and reads I/L as 1 and O as 0 (Crockford's
// decoding). Nothing when the result is not kPairingCodeChars of the alphabet.
[[nodiscard]] std::optional<std::string> normalize_pairing_code(std::string_view code);

// Redeems pairing codes for extension origins and keeps `origins`' paired list in step with
// DIR/browser_origins.json. Thread-safe: one mutex serialises redeem() (file I/O included).
class BrowserPairing {
 public:
  // `clock` and `origins` must outlive this.
  BrowserPairing(const Clock& clock, std::filesystem::path config_dir, OriginSet& origins);

  // Pairs `origin` (an extension origin, see is_extension_origin) when `code` matches the
  // pending, unexpired code: appends it to browser_origins.json (dropping the oldest beyond
  // kMaxPairedOrigins), updates `origins` and consumes the code. Fails with
  //   Errc::invalid_argument  `code` is not 8 characters of Crockford base32 (not counted);
  //   Errc::permission_denied no code is pending, it has expired, or it does not match (each
  //                           counts as a wrong attempt; the comparison is constant-time);
  //   Errc::rate_limited      kMaxWrongPairingCodesPerMinute wrong attempts in the last minute
  //                           (the code is not even compared then);
  //   Errc::io_error          the files could not be read or written.
  [[nodiscard]] Result<void> redeem(std::string_view origin, std::string_view code);

 private:
  // Each requires mutex_.
  [[nodiscard]] Error wrong_attempt_locked(EpochMs now_ms, std::string message);
  [[nodiscard]] Result<void> add_origin_locked(std::string_view origin, EpochMs now_ms);

  const Clock& clock_;
  const std::filesystem::path config_dir_;
  OriginSet& origins_;

  std::mutex mutex_;
  // Guarded by mutex_: when the wrong attempts of the last minute happened, oldest first.
  std::deque<EpochMs> wrong_attempts_ms_;
};

}  // namespace worktrace::agent::local_api
