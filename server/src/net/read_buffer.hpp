#pragma once

#include <boost/beast/core/flat_buffer.hpp>

#include <cstddef>

namespace worktrace::net {

// Most read-buffer memory a WebSocket connection keeps between messages. A larger message (a
// screen frame of up to 4 MiB) grows the buffer for its own sake; release_message gives that
// memory back, so an agent connection does not hold its largest frame's size for its life.
inline constexpr std::size_t kKeptReadBufferBytes = 256 * 1024;

// Empties `buffer` once its message was handled (or discarded), and frees its memory when its
// capacity grew beyond kKeptReadBufferBytes (smaller buffers are kept for the next message).
inline void release_message(boost::beast::flat_buffer& buffer) noexcept {
  buffer.consume(buffer.size());
  if (buffer.capacity() > kKeptReadBufferBytes) buffer.shrink_to_fit();
}

}  // namespace worktrace::net
