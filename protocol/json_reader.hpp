#pragma once

#include "core/result.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::protocol {

// Parses `text` as one JSON document. Fails with Errc::invalid_argument ("body is not valid
// JSON at offset N") on a syntax error or when nesting exceeds `max_depth`.
[[nodiscard]] Result<boost::json::value> parse_json(std::string_view text,
                                                    std::size_t max_depth = 32);

// Reads the fields of one JSON object and names the path of the first bad one
// ("$.device.hostname: must be a string of at most 255 bytes"). Missing optional keys are
// fine; `reject_unknown` turns stray keys into errors where an API wants that.
// Holds a pointer into the parsed value, which must outlive the reader.
class ObjectReader {
 public:
  // Fails unless `value` is an object.
  [[nodiscard]] static Result<ObjectReader> open(const boost::json::value& value,
                                                 std::string path = "$");

  [[nodiscard]] Result<std::string> required_string(std::string_view key,
                                                    std::size_t max_bytes) const;
  [[nodiscard]] Result<std::optional<std::string>> optional_string(std::string_view key,
                                                                   std::size_t max_bytes) const;
  [[nodiscard]] Result<std::int64_t> required_int(std::string_view key, std::int64_t min,
                                                  std::int64_t max) const;
  [[nodiscard]] Result<std::optional<std::int64_t>> optional_int(std::string_view key,
                                                                 std::int64_t min,
                                                                 std::int64_t max) const;
  [[nodiscard]] Result<std::optional<bool>> optional_bool(std::string_view key) const;
  [[nodiscard]] Result<ObjectReader> required_object(std::string_view key) const;
  [[nodiscard]] Result<std::optional<ObjectReader>> optional_object(std::string_view key) const;
  // The array at `key` (at most `max_items` long); use `path_of(key)` + "[i]" for its items.
  [[nodiscard]] Result<const boost::json::array*> required_array(std::string_view key,
                                                                 std::size_t max_items) const;

  // Fails on the first key that is not in `known`.
  [[nodiscard]] Result<void> reject_unknown(std::initializer_list<std::string_view> known) const;

  [[nodiscard]] std::string path_of(std::string_view key) const;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const boost::json::object& object() const { return *object_; }

 private:
  ObjectReader(const boost::json::object& object, std::string path)
      : object_(&object), path_(std::move(path)) {}
  [[nodiscard]] Error bad(std::string_view key, std::string_view what) const;

  const boost::json::object* object_;
  std::string path_;
};

// One message of a WebSocket channel: a JSON object whose `type` names what it is.
struct TypedMessage {
  boost::json::value json;
  std::string type;
};

// Parses a channel message of at most `max_bytes` (Errc::payload_too_large beyond) that must
// be an object with a string `type` of at most 64 bytes (Errc::invalid_argument otherwise).
[[nodiscard]] Result<TypedMessage> read_typed_message(std::string_view text, std::size_t max_bytes);

// True when `text` holds an ASCII control character (below 0x20, or DEL): such text could
// forge log lines or terminal output, so one-line fields refuse it.
[[nodiscard]] bool has_control_characters(std::string_view text) noexcept;

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace worktrace::protocol
