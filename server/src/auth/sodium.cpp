#include "auth/sodium.hpp"

#include <sodium.h>

#include <stdexcept>

namespace worktrace::auth {

void ensure_sodium() {
  // sodium_init() is itself thread-safe; the static only saves repeated calls.
  static const bool initialised = sodium_init() >= 0;
  if (!initialised) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace worktrace::auth
