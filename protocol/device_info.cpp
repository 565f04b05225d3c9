#include "protocol/device_info.hpp"

#include <boost/json/array.hpp>

namespace worktrace::protocol {

boost::json::array screens_json(const std::vector<Screen>& screens) {
  boost::json::array out;
  for (const auto& screen : screens) {
    out.emplace_back(boost::json::object{{"name", screen.name},
                                         {"x", screen.x},
                                         {"y", screen.y},
                                         {"width", screen.width},
                                         {"height", screen.height},
                                         {"primary", screen.primary}});
  }
  return out;
}

Result<std::vector<Screen>> read_screens(const boost::json::value& value, const std::string& path) {
  const auto* items = value.if_array();
  if (items == nullptr || items->size() > kMaxScreens) {
    return fail(Errc::invalid_argument,
                path + ": must be an array of at most " + std::to_string(kMaxScreens) + " screens");
  }
  std::vector<Screen> screens;
  for (std::size_t screen_idx = 0; screen_idx < items->size(); ++screen_idx) {
    auto reader =
        ObjectReader::open((*items)[screen_idx], path + "[" + std::to_string(screen_idx) + "]");
    if (!reader) return reader.error();
    Screen screen;
    auto name = reader->optional_string("name", 64);
    if (!name) return name.error();
    screen.name = name->value_or("screen");
    if (has_control_characters(screen.name)) {
      return fail(Errc::invalid_argument,
                  reader->path_of("name") + ": must not contain control characters");
    }
    constexpr std::int64_t kMaxPixels = 1'000'000;
    auto x = reader->optional_int("x", -kMaxPixels, kMaxPixels);
    if (!x) return x.error();
    auto y = reader->optional_int("y", -kMaxPixels, kMaxPixels);
    if (!y) return y.error();
    auto width = reader->required_int("width", 1, kMaxPixels);
    if (!width) return width.error();
    auto height = reader->required_int("height", 1, kMaxPixels);
    if (!height) return height.error();
    auto primary = reader->optional_bool("primary");
    if (!primary) return primary.error();
    screen.x = x->value_or(0);
    screen.y = y->value_or(0);
    screen.width = *width;
    screen.height = *height;
    screen.primary = primary->value_or(false);
    screens.push_back(std::move(screen));
  }
  return screens;
}

boost::json::object to_json(const DeviceInfo& info) {
  boost::json::array ips;
  for (const auto& address : info.local_ips) ips.emplace_back(address);
  return {
      {"hostname", info.hostname},
      {"os_name", info.os_name},
      {"os_id", info.os_id},
      {"os_version", info.os_version},
      {"kernel", info.kernel},
      {"arch", info.arch},
      {"cpu_model", info.cpu_model},
      {"cpu_cores", info.cpu_cores},
      {"memory_bytes", info.memory_bytes},
      {"agent_version", info.agent_version},
      {"local_ips", std::move(ips)},
      {"screens", screens_json(info.screens)},
  };
}

Result<DeviceInfo> read_device_info(const ObjectReader& reader) {
  DeviceInfo info;
  auto text = [&](std::string_view key, std::string& out, bool required) -> Result<void> {
    auto value = reader.optional_string(key, kMaxDeviceTextBytes);
    if (!value) return value.error();
    if (!value->has_value()) {
      if (required) return fail(Errc::invalid_argument, reader.path_of(key) + ": is required");
      return {};
    }
    // Control characters (newlines, terminal escapes) could forge log lines or screens.
    if (has_control_characters(**value)) {
      return fail(Errc::invalid_argument,
                  reader.path_of(key) + ": must not contain control characters");
    }
    out = std::move(**value);
    return {};
  };
  if (auto r = text("hostname", info.hostname, true); !r) return r.error();
  if (auto r = text("os_name", info.os_name, false); !r) return r.error();
  if (auto r = text("os_id", info.os_id, false); !r) return r.error();
  if (auto r = text("os_version", info.os_version, false); !r) return r.error();
  if (auto r = text("kernel", info.kernel, false); !r) return r.error();
  if (auto r = text("arch", info.arch, false); !r) return r.error();
  if (auto r = text("cpu_model", info.cpu_model, false); !r) return r.error();
  if (auto r = text("agent_version", info.agent_version, true); !r) return r.error();

  auto cores = reader.optional_int("cpu_cores", 0, 4096);
  if (!cores) return cores.error();
  info.cpu_cores = cores->value_or(0);
  auto memory = reader.optional_int("memory_bytes", 0, std::int64_t{1} << 50);
  if (!memory) return memory.error();
  info.memory_bytes = memory->value_or(0);

  if (reader.object().contains("local_ips")) {
    auto ips = reader.required_array("local_ips", kMaxLocalIps);
    if (!ips) return ips.error();
    for (std::size_t ip_idx = 0; ip_idx < (*ips)->size(); ++ip_idx) {
      const auto* address = (**ips)[ip_idx].if_string();
      if (address == nullptr || address->size() > 64) {
        return fail(Errc::invalid_argument, reader.path_of("local_ips") + "[" +
                                                std::to_string(ip_idx) +
                                                "]: must be a string of at most 64 bytes");
      }
      info.local_ips.emplace_back(*address);
    }
  }
  if (const auto* screens = reader.object().if_contains("screens")) {
    auto read = read_screens(*screens, reader.path_of("screens"));
    if (!read) return read.error();
    info.screens = std::move(*read);
  }
  return info;
}

}  // namespace worktrace::protocol
