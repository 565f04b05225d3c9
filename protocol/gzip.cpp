#include "protocol/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

namespace worktrace::protocol {
namespace {

struct InflateEnd {
  void operator()(z_stream* stream) const noexcept { inflateEnd(stream); }
};

}  // namespace

std::string gzip(std::string_view data) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip header and trailer instead of zlib's own.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  // deflateBound guarantees room for the whole stream in one call.
  if (status != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  out.resize(stream.total_out);
  return out;
}

Result<std::string> gunzip(std::string_view compressed, std::size_t max_bytes) {
  if (compressed.size() > std::numeric_limits<uInt>::max()) {
    return fail(Errc::payload_too_large, "body: the compressed body is too large");
  }
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip wrapper (not zlib, not raw deflate).
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return fail(Errc::internal, "cannot start inflating");
  }
  const std::unique_ptr<z_stream, InflateEnd> cleanup(&stream);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());

  std::string out;
  // JSON usually inflates 4-10x; grow from there, never past the limit (+1 to detect it).
  out.resize(std::min(max_bytes + 1, std::max<std::size_t>(compressed.size() * 4, 4096)));
  std::size_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() > max_bytes) {
        return fail(Errc::payload_too_large,
                    "body: inflates to more than " + std::to_string(max_bytes) + " bytes");
      }
      out.resize(std::min(max_bytes + 1, out.size() * 2));
    }
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    stream.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = inflate(&stream, Z_NO_FLUSH);
    produced = out.size() - stream.avail_out;
    if (produced > max_bytes) {
      return fail(Errc::payload_too_large,
                  "body: inflates to more than " + std::to_string(max_bytes) + " bytes");
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && stream.avail_out == 0) continue;  // needs more room
    if (rc == Z_BUF_ERROR)
      return fail(Errc::invalid_argument, "body: the gzip stream is truncated");
    return fail(Errc::invalid_argument, "body: not a valid gzip stream");
  }
  if (stream.avail_in != 0) {
    return fail(Errc::invalid_argument, "body: data after the end of the gzip stream");
  }
  out.resize(produced);
  return out;
}

}  // namespace worktrace::protocol
