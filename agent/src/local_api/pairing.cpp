#include "local_api/pairing.hpp"

#include "protocol/json_reader.hpp"
#include "state/private_file.hpp"

#include <sodium.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <system_error>

namespace worktrace::agent::local_api {
namespace {

namespace json = boost::json;

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kMaxFileBytes = 64 * 1024;
constexpr EpochMs kAttemptWindowMs = 60'000;

bool sodium_ready() {
  // sodium_init() is itself thread-safe; the static only saves repeated calls.
  static const bool initialised = sodium_init() >= 0;
  return initialised;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();
  return hex;
}

// Exactly `size` bytes from `hex`; nothing on any other length or a non-hex character.
std::optional<std::vector<unsigned char>> from_hex(std::string_view hex, std::size_t size) {
  if (hex.size() != size * 2) return std::nullopt;
  std::vector<unsigned char> bytes(size);
  std::size_t written = 0;
  if (sodium_hex2bin(bytes.data(), bytes.size(), hex.data(), hex.size(), nullptr, &written,
                     nullptr) != 0 ||
      written != size) {
    return std::nullopt;
  }
  return bytes;
}

std::array<unsigned char, kHashBytes> hash_code(std::string_view code, const unsigned char* salt) {
  std::array<unsigned char, kHashBytes> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(code.data()),
                     code.size(), salt, kSaltBytes);
  return hash;
}

std::filesystem::path pairing_file(const std::filesystem::path& dir) {
  return dir / kPairingFileName;
}
std::filesystem::path origins_file(const std::filesystem::path& dir) {
  return dir / kPairedOriginsFileName;
}

struct PendingCode {
  std::vector<unsigned char> salt;
  std::vector<unsigned char> hash;
  EpochMs expires_ms = 0;
};

// The pending code; nothing when none is pending. Fails with Errc::invalid_argument on a
// malformed file, Errc::io_error.
Result<std::optional<PendingCode>> load_pending_code(const std::filesystem::path& dir) {
  auto text = state::read_small_file(pairing_file(dir), kMaxFileBytes);
  if (!text) {
    if (text.error().code == Errc::not_found) return std::optional<PendingCode>();
    return text.error();
  }
  const std::string name(kPairingFileName);
  auto value = protocol::parse_json(*text);
  if (!value) return fail(Errc::invalid_argument, name + ": " + value.error().message);
  auto reader = protocol::ObjectReader::open(*value, name);
  if (!reader) return reader.error();
  auto salt_hex = reader->required_string("salt", kSaltBytes * 2);
  if (!salt_hex) return salt_hex.error();
  auto hash_hex = reader->required_string("code_hash", kHashBytes * 2);
  if (!hash_hex) return hash_hex.error();
  auto expires_ms = reader->required_int("expires_ms", 0, INT64_MAX);
  if (!expires_ms) return expires_ms.error();
  auto salt = from_hex(*salt_hex, kSaltBytes);
  auto hash = from_hex(*hash_hex, kHashBytes);
  if (!salt || !hash) return fail(Errc::invalid_argument, name + ": salt or code_hash is not hex");
  return std::optional<PendingCode>(PendingCode{std::move(*salt), std::move(*hash), *expires_ms});
}

}  // namespace

std::optional<std::string> normalize_pairing_code(std::string_view code) {
  std::string result;
  for (const char raw : code) {
    if (raw == '-' || raw == ' ') continue;
    char c = (raw >= 'a' && raw <= 'z') ? static_cast<char>(raw - 'a' + 'A') : raw;
    if (c == 'I' || c == 'L') c = '1';
    if (c == 'O') c = '0';
    if (kCrockford.find(c) == std::string_view::npos) return std::nullopt;
    if (result.size() == kPairingCodeChars) return std::nullopt;
    result += c;
  }
  if (result.size() != kPairingCodeChars) return std::nullopt;
  return result;
}

Result<PairingCode> issue_pairing_code(const std::filesystem::path& config_dir,
                                       const Clock& clock) {
  if (!sodium_ready()) return fail(Errc::internal, "libsodium could not be initialised");
  PairingCode issued;
  for (std::size_t char_idx = 0; char_idx < kPairingCodeChars; ++char_idx) {
    issued.code += kCrockford[randombytes_uniform(static_cast<std::uint32_t>(kCrockford.size()))];
  }
  issued.expires_ms = clock.now_ms() + kPairingCodeLifetimeMs;
  std::array<unsigned char, kSaltBytes> salt{};
  randombytes_buf(salt.data(), salt.size());
  const auto hash = hash_code(issued.code, salt.data());

  if (auto dir = state::ensure_private_dir(config_dir); !dir) return dir.error();
  const json::object file{{"salt", to_hex(salt.data(), salt.size())},
                          {"code_hash", to_hex(hash.data(), hash.size())},
                          {"expires_ms", issued.expires_ms}};
  if (auto written = state::write_private_file(pairing_file(config_dir), json::serialize(file));
      !written) {
    return written.error();
  }
  return issued;
}

Result<std::vector<PairedOrigin>> load_paired_origins(const std::filesystem::path& config_dir) {
  std::vector<PairedOrigin> result;
  auto text = state::read_small_file(origins_file(config_dir), kMaxFileBytes);
  if (!text) {
    if (text.error().code == Errc::not_found) return result;
    return text.error();
  }
  const std::string name(kPairedOriginsFileName);
  auto value = protocol::parse_json(*text);
  if (!value) return fail(Errc::invalid_argument, name + ": " + value.error().message);
  auto reader = protocol::ObjectReader::open(*value, name);
  if (!reader) return reader.error();
  auto origins = reader->required_array("origins", kMaxPairedOrigins);
  if (!origins) return origins.error();
  for (std::size_t origin_idx = 0; origin_idx < (*origins)->size(); ++origin_idx) {
    const std::string path = reader->path_of("origins") + "[" + std::to_string(origin_idx) + "]";
    auto item = protocol::ObjectReader::open((**origins)[origin_idx], path);
    if (!item) return item.error();
    auto origin = item->required_string("origin", 255);
    if (!origin) return origin.error();
    if (!is_extension_origin(*origin)) {
      return fail(Errc::invalid_argument, item->path_of("origin") + ": not an extension origin");
    }
    auto paired_ms = item->required_int("paired_ms", 0, INT64_MAX);
    if (!paired_ms) return paired_ms.error();
    result.push_back(PairedOrigin{std::move(*origin), *paired_ms});
  }
  return result;
}

BrowserPairing::BrowserPairing(const Clock& clock, std::filesystem::path config_dir,
                               OriginSet& origins)
    : clock_(clock), config_dir_(std::move(config_dir)), origins_(origins) {}

Result<void> BrowserPairing::redeem(std::string_view origin, std::string_view code) {
  if (!is_extension_origin(origin)) {
    return fail(Errc::permission_denied, "only a browser extension's origin can be paired");
  }
  const auto normalized = normalize_pairing_code(code);
  if (!normalized) {
    return fail(Errc::invalid_argument,
                "$.code: must be 8 characters of Crockford base32, as pair-browser printed it");
  }
  if (!sodium_ready()) return fail(Errc::internal, "libsodium could not be initialised");

  std::lock_guard lock(mutex_);
  const EpochMs now_ms = clock_.now_ms();
  while (!wrong_attempts_ms_.empty() && wrong_attempts_ms_.front() <= now_ms - kAttemptWindowMs) {
    wrong_attempts_ms_.pop_front();
  }
  if (wrong_attempts_ms_.size() >= kMaxWrongPairingCodesPerMinute) {
    return fail(Errc::rate_limited, "too many wrong pairing codes: try again in a minute");
  }
  auto pending = load_pending_code(config_dir_);
  if (!pending) return pending.error();
  if (!*pending) {
    return wrong_attempt_locked(
        now_ms, "no pairing code is pending: run `worktrace-agent pair-browser` for one");
  }
  if (now_ms >= (*pending)->expires_ms) {
    return wrong_attempt_locked(
        now_ms, "the pairing code has expired: run `worktrace-agent pair-browser` again");
  }
  const auto hash = hash_code(*normalized, (*pending)->salt.data());
  if (sodium_memcmp(hash.data(), (*pending)->hash.data(), kHashBytes) != 0) {
    return wrong_attempt_locked(now_ms, "wrong pairing code");
  }
  if (auto added = add_origin_locked(origin, now_ms); !added) return added.error();
  std::error_code ignored;
  std::filesystem::remove(pairing_file(config_dir_), ignored);
  if (ignored)
    return fail(Errc::io_error, "could not remove " + pairing_file(config_dir_).string());
  return {};
}

Error BrowserPairing::wrong_attempt_locked(EpochMs now_ms, std::string message) {
  wrong_attempts_ms_.push_back(now_ms);
  return fail(Errc::permission_denied, std::move(message));
}

Result<void> BrowserPairing::add_origin_locked(std::string_view origin, EpochMs now_ms) {
  auto paired = load_paired_origins(config_dir_);
  // A malformed file is replaced rather than blocking every pairing after it.
  std::vector<PairedOrigin> origins = paired ? std::move(*paired) : std::vector<PairedOrigin>();
  std::erase_if(origins, [&](const PairedOrigin& item) { return item.origin == origin; });
  origins.push_back(PairedOrigin{std::string(origin), now_ms});
  if (origins.size() > kMaxPairedOrigins) {
    origins.erase(origins.begin(), origins.begin() + static_cast<std::ptrdiff_t>(
                                                         origins.size() - kMaxPairedOrigins));
  }
  json::array items;
  std::vector<std::string> names;
  for (const auto& item : origins) {
    items.push_back(json::object{{"origin", item.origin}, {"paired_ms", item.paired_ms}});
    names.push_back(item.origin);
  }
  if (auto dir = state::ensure_private_dir(config_dir_); !dir) return dir.error();
  if (auto written = state::write_private_file(origins_file(config_dir_),
                                               json::serialize(json::object{{"origins", items}}));
      !written) {
    return written.error();
  }
  origins_.set_paired(std::move(names));
  return {};
}

}  // namespace worktrace::agent::local_api
