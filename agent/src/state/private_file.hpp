#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>

// Files only the user may read: the agent's credential and its status live in them.
namespace worktrace::agent::state {

// Creates `dir` (and missing parents) when it does not exist; a directory created here gets
// mode 0700. An existing directory is left as it is. Fails with Errc::io_error.
[[nodiscard]] Result<void> ensure_private_dir(const std::filesystem::path& dir);

// Replaces `path` atomically with `content`: writes a 0600 temporary file beside it, syncs it
// and renames it over `path`, so readers see the old or the new file, never a partial one.
// Fails with Errc::io_error (the message names the file and the system error).
[[nodiscard]] Result<void> write_private_file(const std::filesystem::path& path,
                                              std::string_view content);

// The content of `path`. Fails with Errc::not_found when it does not exist,
// Errc::invalid_argument when it is larger than `max_bytes`, Errc::io_error otherwise.
[[nodiscard]] Result<std::string> read_small_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes);

}  // namespace worktrace::agent::state
