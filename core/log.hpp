#pragma once

#include <string>

namespace worktrace {

enum class LogFormat { text, json };

// Configures the process-wide spdlog default logger on stderr. `level` is one of trace,
// debug, info, warn, error, critical, off; an unknown level returns false and changes nothing.
// In json format every line is one JSON object {"ts","level","logger","msg"}.
bool setup_logging(const std::string& level, LogFormat format);

}  // namespace worktrace
