#include "storage/db.hpp"

namespace worktrace::storage {

void StatementReleaser::operator()(Statement* statement) const noexcept {
  if (statement != nullptr) owner->release(statement);
}

}  // namespace worktrace::storage
