#include "app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <utility>

namespace worktrace::app {
namespace {

Error bad_config(std::string message) { return fail(Errc::invalid_argument, std::move(message)); }

Result<bool> parse_bool(std::string_view name, std::string_view value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  return bad_config(std::string(name) + " must be 1, true, 0 or false");
}

}  // namespace

Result<ListenAddress> parse_listen(std::string_view text) {
  ListenAddress address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad_config("listen address '" + std::string(text) + "' must look like [::1]:8080");
    }
    address.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 ||
        text.substr(0, colon).find(':') != std::string_view::npos) {
      return bad_config("listen address '" + std::string(text) +
                        "' must look like 127.0.0.1:8080 or [::1]:8080");
    }
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad_config("listen port '" + std::string(port_text) + "' must be a number 0-65535");
  }
  address.port = static_cast<std::uint16_t>(port);
  return address;
}

Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::text;
  if (text == "json") return LogFormat::json;
  return bad_config("log format '" + std::string(text) + "' must be text or json");
}

Result<void> apply_toml(ServerConfig& config, const std::filesystem::path& file) {
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& error) {
    return bad_config("config file " + file.string() + ": " + std::string(error.description()) +
                      " at line " + std::to_string(error.source().begin.line));
  }
  auto check_keys = [](const toml::table& section, std::string_view name,
                       std::initializer_list<std::string_view> known) -> Result<void> {
    for (const auto& [key, value] : section) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        return bad_config("config file: unknown key '" + std::string(name) +
                          std::string(key.str()) + "'");
      }
    }
    return {};
  };
  if (auto r = check_keys(table, "", {"data", "server", "tls", "log", "smtp"}); !r) return r;

  auto text = [](const toml::node_view<toml::node>& node, std::string_view key,
                 auto&& assign) -> Result<void> {
    if (!node) return {};
    const auto value = node.value<std::string>();
    if (!value) return bad_config("config file: '" + std::string(key) + "' must be a string");
    assign(*value);
    return {};
  };
  auto integer = [](const toml::node_view<toml::node>& node, std::string_view key, std::int64_t min,
                    std::int64_t max, auto&& assign) -> Result<void> {
    if (!node) return {};
    const auto value = node.value<std::int64_t>();
    if (!value || !node.is_integer() || *value < min || *value > max) {
      return bad_config("config file: '" + std::string(key) + "' must be an integer from " +
                        std::to_string(min) + " to " + std::to_string(max));
    }
    assign(*value);
    return {};
  };

  Result<void> step =
      text(table["data"], "data", [&](const std::string& v) { config.data_dir = v; });
  if (!step) return step;
  if (const auto* server = table["server"].as_table()) {
    if (auto r = check_keys(
            *server, "server.",
            {"listen", "web_root", "io_threads", "blocking_threads", "max_body_bytes",
             "shutdown_timeout_s", "insecure_http", "signup", "public_url", "api_rate_per_s"});
        !r) {
      return r;
    }
    auto section = table["server"];
    if (auto r = text(section["listen"], "server.listen",
                      [&](const std::string& v) { config.listen = v; });
        !r)
      return r;
    if (auto r = text(section["web_root"], "server.web_root",
                      [&](const std::string& v) { config.web_root = v; });
        !r)
      return r;
    if (auto r = integer(section["io_threads"], "server.io_threads", 1, 64,
                         [&](std::int64_t v) { config.io_threads = static_cast<int>(v); });
        !r)
      return r;
    if (auto r = integer(section["blocking_threads"], "server.blocking_threads", 1, 256,
                         [&](std::int64_t v) { config.blocking_threads = static_cast<int>(v); });
        !r)
      return r;
    if (auto r = integer(section["max_body_bytes"], "server.max_body_bytes", 1024,
                         std::int64_t{1} << 30, [&](std::int64_t v) { config.max_body_bytes = v; });
        !r)
      return r;
    if (auto r = integer(section["shutdown_timeout_s"], "server.shutdown_timeout_s", 0, 3600,
                         [&](std::int64_t v) { config.shutdown_timeout_s = v; });
        !r)
      return r;
    if (auto node = section["insecure_http"]) {
      if (!node.is_boolean())
        return bad_config("config file: 'server.insecure_http' must be true or false");
      config.insecure_http = *node.value<bool>();
    }
    if (auto r = integer(section["api_rate_per_s"], "server.api_rate_per_s", 1, 1'000'000,
                         [&](std::int64_t v) { config.api_rate_per_s = static_cast<double>(v); });
        !r)
      return r;
    if (auto node = section["signup"]) {
      if (!node.is_boolean())
        return bad_config("config file: 'server.signup' must be true or false");
      config.signup = *node.value<bool>();
    }
    if (auto r = text(section["public_url"], "server.public_url",
                      [&](const std::string& v) { config.public_url = v; });
        !r)
      return r;
  } else if (table.contains("server")) {
    return bad_config("config file: 'server' must be a table");
  }
  if (const auto* tls = table["tls"].as_table()) {
    if (auto r = check_keys(*tls, "tls.", {"cert", "key"}); !r) return r;
    if (auto r = text(table["tls"]["cert"], "tls.cert",
                      [&](const std::string& v) { config.tls_cert = v; });
        !r)
      return r;
    if (auto r =
            text(table["tls"]["key"], "tls.key", [&](const std::string& v) { config.tls_key = v; });
        !r)
      return r;
  }
  if (const auto* smtp = table["smtp"].as_table()) {
    if (auto r = check_keys(*smtp, "smtp.",
                            {"host", "port", "from", "username", "password", "security"});
        !r)
      return r;
    auto section = table["smtp"];
    for (auto [key, field] :
         {std::pair{"host", &config.smtp.host}, std::pair{"from", &config.smtp.from},
          std::pair{"username", &config.smtp.username},
          std::pair{"password", &config.smtp.password},
          std::pair{"security", &config.smtp.security}}) {
      if (auto r = text(section[key], std::string("smtp.") + key,
                        [field](const std::string& v) { *field = v; });
          !r)
        return r;
    }
    if (auto r = integer(section["port"], "smtp.port", 1, 65535,
                         [&](std::int64_t v) { config.smtp.port = static_cast<int>(v); });
        !r)
      return r;
  } else if (table.contains("smtp")) {
    return bad_config("config file: 'smtp' must be a table");
  }
  if (const auto* log = table["log"].as_table()) {
    if (auto r = check_keys(*log, "log.", {"level", "format"}); !r) return r;
    if (auto r = text(table["log"]["level"], "log.level",
                      [&](const std::string& v) { config.log_level = v; });
        !r)
      return r;
    std::string format;
    if (auto r =
            text(table["log"]["format"], "log.format", [&](const std::string& v) { format = v; });
        !r)
      return r;
    if (!format.empty()) {
      auto parsed = parse_log_format(format);
      if (!parsed) return parsed.error();
      config.log_format = *parsed;
    }
  }
  return {};
}

Result<void> apply_env(ServerConfig& config,
                       const std::function<const char*(const char*)>& getenv) {
  auto env = [&](const char* name) -> std::optional<std::string> {
    const char* value = getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  if (auto v = env("WORKTRACE_LISTEN")) config.listen = *v;
  if (auto v = env("WORKTRACE_DATA")) config.data_dir = *v;
  if (auto v = env("WORKTRACE_WEB_ROOT")) config.web_root = *v;
  if (auto v = env("WORKTRACE_TLS_CERT")) config.tls_cert = *v;
  if (auto v = env("WORKTRACE_TLS_KEY")) config.tls_key = *v;
  if (auto v = env("WORKTRACE_INSECURE_HTTP")) {
    auto parsed = parse_bool("WORKTRACE_INSECURE_HTTP", *v);
    if (!parsed) return parsed.error();
    config.insecure_http = *parsed;
  }
  if (auto v = env("WORKTRACE_SIGNUP")) {
    auto parsed = parse_bool("WORKTRACE_SIGNUP", *v);
    if (!parsed) return parsed.error();
    config.signup = *parsed;
  }
  if (auto v = env("WORKTRACE_PUBLIC_URL")) config.public_url = *v;
  if (auto v = env("WORKTRACE_SMTP_HOST")) config.smtp.host = *v;
  if (auto v = env("WORKTRACE_SMTP_PORT")) {
    int port = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), port);
    if (ec != std::errc() || end != v->data() + v->size() || port < 1 || port > 65535) {
      return bad_config("WORKTRACE_SMTP_PORT must be a number 1-65535");
    }
    config.smtp.port = port;
  }
  if (auto v = env("WORKTRACE_SMTP_FROM")) config.smtp.from = *v;
  if (auto v = env("WORKTRACE_SMTP_USERNAME")) config.smtp.username = *v;
  if (auto v = env("WORKTRACE_SMTP_PASSWORD")) config.smtp.password = *v;
  if (auto v = env("WORKTRACE_SMTP_SECURITY")) config.smtp.security = *v;
  if (auto v = env("WORKTRACE_LOG_LEVEL")) config.log_level = *v;
  if (auto v = env("WORKTRACE_LOG_FORMAT")) {
    auto parsed = parse_log_format(*v);
    if (!parsed) return parsed.error();
    config.log_format = *parsed;
  }
  return {};
}

Result<ListenAddress> validate(const ServerConfig& config) {
  auto address = parse_listen(config.listen);
  if (!address) return address.error();
  if (config.tls_cert.has_value() != config.tls_key.has_value()) {
    return bad_config("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
  }
  if (config.data_dir.empty()) return bad_config("the data directory (--data) must be set");
  if (!config.public_url.empty()) {
    const std::string_view url = config.public_url;
    const bool http = url.starts_with("http://") || url.starts_with("https://");
    const bool clean = url.find_first_of(" \t\r\n?#\"'<>") == std::string_view::npos;
    if (!http || !clean || url.size() > 200 || url.ends_with('/')) {
      return bad_config("public URL '" + config.public_url +
                        "' must look like https://worktrace.example.com (no trailing slash)");
    }
  }
  const auto& smtp = config.smtp;
  if (smtp.security != "none" && smtp.security != "starttls" && smtp.security != "tls") {
    return bad_config("SMTP security '" + smtp.security + "' must be none, starttls or tls");
  }
  if (!smtp.host.empty()) {
    if (smtp.from.empty()) return bad_config("SMTP needs a sender address (smtp.from)");
    if (config.public_url.empty()) {
      return bad_config("sending invitations by SMTP needs the public URL (server.public_url)");
    }
  }
  return address;
}

}  // namespace worktrace::app
