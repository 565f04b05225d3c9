#include "org/body.hpp"

#include "api/params.hpp"

#include <algorithm>
#include <cstdint>

namespace worktrace::org {
namespace {

Error bad(std::string_view key, std::string_view what) {
  return fail(Errc::invalid_argument, std::string(key) + ": " + std::string(what));
}

Result<std::int64_t> read_id(const boost::json::value& value, std::string_view key) {
  if (const auto* number = value.if_int64(); number != nullptr && *number > 0) return *number;
  if (const auto* number = value.if_uint64();
      number != nullptr && *number > 0 && *number <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(*number);
  }
  return bad(key, "must be a positive integer id");
}

}  // namespace

Result<Body> Body::parse(const api::Request& request,
                         std::initializer_list<std::string_view> known) {
  auto json = api::json_body(request);
  if (!json) return json.error();
  const auto* object = json->if_object();
  if (object == nullptr) return fail(Errc::invalid_argument, "body: must be a JSON object");
  for (const auto& field : *object) {
    if (std::find(known.begin(), known.end(), field.key()) == known.end()) {
      return bad(field.key(), "is not a known field");
    }
  }
  return Body(std::move(*json));
}

const boost::json::value* Body::find(std::string_view key) const {
  return json_.get_object().if_contains(key);
}

bool Body::has(std::string_view key) const { return find(key) != nullptr; }

Result<std::optional<std::string>> Body::string(std::string_view key, std::size_t max_bytes) const {
  auto value = nullable_string(key, max_bytes);
  if (!value) return value.error();
  if (!*value || !**value) return std::optional<std::string>();
  return std::move(**value);
}

Result<std::string> Body::required_string(std::string_view key, std::size_t max_bytes) const {
  auto value = string(key, max_bytes);
  if (!value) return value.error();
  if (!*value) return bad(key, "is required");
  return std::move(**value);
}

Result<std::optional<std::optional<std::string>>> Body::nullable_string(
    std::string_view key, std::size_t max_bytes) const {
  using Out = std::optional<std::optional<std::string>>;
  const auto* value = find(key);
  if (value == nullptr) return Out();
  if (value->is_null()) return Out(std::optional<std::string>());
  const auto* text = value->if_string();
  if (text == nullptr) return bad(key, "must be a string");
  if (text->size() > max_bytes) {
    return bad(key, "must be at most " + std::to_string(max_bytes) + " bytes");
  }
  return Out(std::optional<std::string>(std::string(*text)));
}

Result<std::optional<std::int64_t>> Body::id(std::string_view key) const {
  auto value = nullable_id(key);
  if (!value) return value.error();
  if (!*value) return std::optional<std::int64_t>();
  return **value;
}

Result<std::optional<std::optional<std::int64_t>>> Body::nullable_id(std::string_view key) const {
  using Out = std::optional<std::optional<std::int64_t>>;
  const auto* value = find(key);
  if (value == nullptr) return Out();
  if (value->is_null()) return Out(std::optional<std::int64_t>());
  auto id = read_id(*value, key);
  if (!id) return id.error();
  return Out(std::optional<std::int64_t>(*id));
}

Result<std::optional<std::int64_t>> Body::integer(std::string_view key, std::int64_t min,
                                                  std::int64_t max) const {
  const auto* value = find(key);
  if (value == nullptr || value->is_null()) return std::optional<std::int64_t>();
  const auto range =
      "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
  const auto* number = value->if_int64();
  if (number == nullptr || *number < min || *number > max) return bad(key, range);
  return std::optional<std::int64_t>(*number);
}

Result<std::optional<bool>> Body::boolean(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr || value->is_null()) return std::optional<bool>();
  const auto* flag = value->if_bool();
  if (flag == nullptr) return bad(key, "must be true or false");
  return std::optional<bool>(*flag);
}

Result<std::optional<std::vector<std::int64_t>>> Body::ids(std::string_view key,
                                                           std::size_t max_items) const {
  using Out = std::optional<std::vector<std::int64_t>>;
  const auto* value = find(key);
  if (value == nullptr || value->is_null()) return Out();
  const auto* items = value->if_array();
  if (items == nullptr) return bad(key, "must be an array of ids");
  if (items->size() > max_items) {
    return bad(key, "must have at most " + std::to_string(max_items) + " items");
  }
  std::vector<std::int64_t> ids;
  ids.reserve(items->size());
  for (const auto& item : *items) {
    auto id = read_id(item, key);
    if (!id) return id.error();
    ids.push_back(*id);
  }
  return Out(std::move(ids));
}

std::int64_t path_id_or_zero(const api::Request& request, std::string_view name) {
  const auto found = request.params.find(name);
  if (found == request.params.end()) return 0;
  return api::parse_id(found->second).value_or(0);
}

}  // namespace worktrace::org
