#pragma once

namespace worktrace::auth {

// Initialises libsodium once per process; thread-safe and cheap after the first call. Every
// function of this library that uses libsodium calls it. Throws std::runtime_error when
// libsodium cannot initialise (no entropy source): nothing secure can run then.
void ensure_sodium();

}  // namespace worktrace::auth
