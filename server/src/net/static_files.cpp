#include "net/static_files.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace worktrace::net {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

// The strong validator of a file: its size and modification time, both in hex.
std::string etag_of(std::uintmax_t size_bytes, fs::file_time_type mtime) {
  return fmt::format("\"{:x}-{:x}\"", size_bytes,
                     static_cast<std::uint64_t>(mtime.time_since_epoch().count()));
}

// True when an If-None-Match list names `etag` (weak comparison, as RFC 9110 asks for GET).
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view candidate = if_none_match.substr(0, comma);
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    while (!candidate.empty() && (candidate.front() == ' ' || candidate.front() == '\t'))
      candidate.remove_prefix(1);
    while (!candidate.empty() && (candidate.back() == ' ' || candidate.back() == '\t'))
      candidate.remove_suffix(1);
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);
    if (candidate == "*" || candidate == etag) return true;
  }
  return false;
}

bool has_dot_dot_segment(std::string_view path) {
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (path.substr(0, slash) == "..") return true;
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return false;
}

// True when `file` (canonical) is `root` itself or inside it.
bool is_within(const fs::path& root, const fs::path& file) {
  const fs::path relative = file.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

api::Response file_response(const fs::path& file, std::string_view relative,
                            std::string_view if_none_match) {
  std::error_code ec;
  const auto size_bytes = fs::file_size(file, ec);
  const auto mtime = ec ? fs::file_time_type() : fs::last_write_time(file, ec);
  if (ec) {
    spdlog::warn("static file {}: {}", file.string(), ec.message());
    return api::Response::from_error(fail(Errc::io_error, "cannot read file"));
  }
  api::Response response;
  const std::string etag = etag_of(size_bytes, mtime);
  const bool immutable = relative.substr(0, 7) == "assets/";
  response.set_header("Cache-Control", std::string(immutable ? kImmutable : kRevalidate));
  response.set_header("ETag", etag);
  if (etag_matches(if_none_match, etag)) {
    response.status = 304;
    response.content_type.clear();
    return response;
  }
  std::ifstream in(file, std::ios::binary);
  std::string body(size_bytes, '\0');
  if (!in.read(body.data(), static_cast<std::streamsize>(body.size()))) {
    spdlog::warn("static file {}: read failed", file.string());
    return api::Response::from_error(fail(Errc::io_error, "cannot read file"));
  }
  response.content_type = std::string(content_type_for(file));
  response.body = std::move(body);
  return response;
}

}  // namespace

std::string_view content_type_for(const fs::path& file) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr std::array<Type, 15> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"},
  }};
  const std::string extension = file.extension().string();
  for (const Type& type : kTypes) {
    if (type.extension == extension) return type.content_type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const fs::path& root) {
  if (root.empty()) return;
  std::error_code ec;
  root_ = fs::weakly_canonical(fs::absolute(root, ec), ec);
  if (ec) {
    spdlog::warn("web root {}: {}", root.string(), ec.message());
    root_ = fs::absolute(root, ec).lexically_normal();
  }
}

api::Response StaticFiles::serve(std::string_view path, std::string_view if_none_match) const {
  if (!enabled()) return api::Response::from_error(fail(Errc::not_found, "no such file"));
  if (path.find('\0') != std::string_view::npos || has_dot_dot_segment(path)) {
    return api::Response::from_error(
        fail(Errc::invalid_argument, "path must not contain '..' or NUL"));
  }
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string relative(path);
  if (relative.empty() || relative.back() == '/') relative += "index.html";

  std::error_code ec;
  const fs::path candidate = fs::weakly_canonical(root_ / relative, ec);
  if (!ec && is_within(root_, candidate) && fs::is_regular_file(candidate, ec)) {
    return file_response(candidate, relative, if_none_match);
  }
  const std::string_view last_segment = std::string_view(relative).substr(relative.rfind('/') + 1);
  if (last_segment.find('.') == std::string_view::npos) {
    const fs::path index = root_ / "index.html";
    if (fs::is_regular_file(index, ec)) return file_response(index, "index.html", if_none_match);
  }
  return api::Response::from_error(fail(Errc::not_found, "no such file"));
}

}  // namespace worktrace::net
