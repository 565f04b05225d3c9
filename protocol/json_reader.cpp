#include "protocol/json_reader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <algorithm>

namespace worktrace::protocol {

Result<boost::json::value> parse_json(std::string_view text, std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec, {}, options);
  if (ec) return fail(Errc::invalid_argument, "body is not valid JSON: " + ec.message());
  return value;
}

Result<ObjectReader> ObjectReader::open(const boost::json::value& value, std::string path) {
  if (!value.is_object()) return fail(Errc::invalid_argument, path + ": must be an object");
  return ObjectReader(value.get_object(), std::move(path));
}

std::string ObjectReader::path_of(std::string_view key) const {
  std::string path = path_;
  path += '.';
  path += key;
  return path;
}

Error ObjectReader::bad(std::string_view key, std::string_view what) const {
  return fail(Errc::invalid_argument, path_of(key) + ": " + std::string(what));
}

Result<std::optional<std::string>> ObjectReader::optional_string(std::string_view key,
                                                                 std::size_t max_bytes) const {
  const auto* found = object_->if_contains(key);
  if (found == nullptr || found->is_null()) return std::optional<std::string>();
  const auto* text = found->if_string();
  if (text == nullptr) return bad(key, "must be a string");
  if (text->size() > max_bytes) {
    return bad(key, "must be at most " + std::to_string(max_bytes) + " bytes");
  }
  // Boost.JSON validates UTF-8 while parsing; this guards values built in code.
  if (!is_valid_utf8(*text)) return bad(key, "must be valid UTF-8");
  return std::optional<std::string>(std::string(*text));
}

Result<std::string> ObjectReader::required_string(std::string_view key,
                                                  std::size_t max_bytes) const {
  auto value = optional_string(key, max_bytes);
  if (!value) return value.error();
  if (!value->has_value()) return bad(key, "is required");
  return std::move(**value);
}

Result<std::optional<std::int64_t>> ObjectReader::optional_int(std::string_view key,
                                                               std::int64_t min,
                                                               std::int64_t max) const {
  const auto* found = object_->if_contains(key);
  if (found == nullptr || found->is_null()) return std::optional<std::int64_t>();
  std::int64_t number = 0;
  if (const auto* signed_value = found->if_int64()) {
    number = *signed_value;
  } else if (const auto* unsigned_value = found->if_uint64()) {
    if (*unsigned_value > static_cast<std::uint64_t>(max)) {
      return bad(key, "must be at most " + std::to_string(max));
    }
    number = static_cast<std::int64_t>(*unsigned_value);
  } else {
    return bad(key, "must be an integer");
  }
  if (number < min || number > max) {
    return bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return std::optional<std::int64_t>(number);
}

Result<std::int64_t> ObjectReader::required_int(std::string_view key, std::int64_t min,
                                                std::int64_t max) const {
  auto value = optional_int(key, min, max);
  if (!value) return value.error();
  if (!value->has_value()) return bad(key, "is required");
  return **value;
}

Result<std::optional<bool>> ObjectReader::optional_bool(std::string_view key) const {
  const auto* found = object_->if_contains(key);
  if (found == nullptr || found->is_null()) return std::optional<bool>();
  const auto* flag = found->if_bool();
  if (flag == nullptr) return bad(key, "must be true or false");
  return std::optional<bool>(*flag);
}

Result<std::optional<ObjectReader>> ObjectReader::optional_object(std::string_view key) const {
  const auto* found = object_->if_contains(key);
  if (found == nullptr || found->is_null()) return std::optional<ObjectReader>();
  const auto* nested = found->if_object();
  if (nested == nullptr) return bad(key, "must be an object");
  return std::optional<ObjectReader>(ObjectReader(*nested, path_of(key)));
}

Result<ObjectReader> ObjectReader::required_object(std::string_view key) const {
  auto nested = optional_object(key);
  if (!nested) return nested.error();
  if (!nested->has_value()) return bad(key, "is required");
  return std::move(**nested);
}

Result<const boost::json::array*> ObjectReader::required_array(std::string_view key,
                                                               std::size_t max_items) const {
  const auto* found = object_->if_contains(key);
  if (found == nullptr || found->is_null()) return bad(key, "is required");
  const auto* items = found->if_array();
  if (items == nullptr) return bad(key, "must be an array");
  if (items->size() > max_items) {
    return bad(key, "must have at most " + std::to_string(max_items) + " items");
  }
  return items;
}

Result<void> ObjectReader::reject_unknown(std::initializer_list<std::string_view> known) const {
  for (const auto& entry : *object_) {
    if (std::find(known.begin(), known.end(), entry.key()) == known.end()) {
      return bad(entry.key(), "is not a known field");
    }
  }
  return {};
}

Result<TypedMessage> read_typed_message(std::string_view text, std::size_t max_bytes) {
  constexpr std::size_t kMaxTypeBytes = 64;
  if (text.size() > max_bytes) {
    return fail(Errc::payload_too_large,
                "message: must be at most " + std::to_string(max_bytes) + " bytes");
  }
  auto json = parse_json(text);
  if (!json) return json.error();
  auto reader = ObjectReader::open(*json);
  if (!reader) return reader.error();
  auto type = reader->required_string("type", kMaxTypeBytes);
  if (!type) return type.error();
  return TypedMessage{std::move(*json), std::move(*type)};
}

bool has_control_characters(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t idx = 0;
  const auto size = text.size();
  while (idx < size) {
    const auto lead = static_cast<unsigned char>(text[idx]);
    if (lead < 0x80) {
      ++idx;
      continue;
    }
    std::size_t extra = 0;
    std::uint32_t code_point = 0;
    if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (idx + extra >= size) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[idx + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (code_point < kMinForLength[extra]) return false;             // overlong
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;  // surrogate
    if (code_point > 0x10FFFF) return false;
    idx += extra + 1;
  }
  return true;
}

}  // namespace worktrace::protocol
