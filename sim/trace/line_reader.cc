#include "sim/trace/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace burnrate {
namespace {
constexpr size_t kBufferSize = 1 << 20;
}

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  errno = 0;
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) {
    const int err = errno;
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read trace: ", err != 0 ? std::strerror(err) : "gzopen failed"));
  }
  gzbuffer(gz, 1 << 18);
  auto reader = std::unique_ptr<LineReader>(new LineReader(path, gz));
  reader->buffer_.resize(kBufferSize);
  return reader;
}

LineReader::~LineReader() { gzclose(static_cast<gzFile>(gz_)); }

bool LineReader::Fill() {
  if (eof_) return false;
  const int n = gzread(static_cast<gzFile>(gz_), buffer_.data(), static_cast<unsigned>(buffer_.size()));
  if (n < 0) {
    int code = 0;
    error_ = gzerror(static_cast<gzFile>(gz_), &code);
    eof_ = true;
    return false;
  }
  if (n == 0) {
    // zlib reports a truncated gzip stream only here, as an error at the end of input.
    int code = Z_OK;
    const char* message = gzerror(static_cast<gzFile>(gz_), &code);
    if (code != Z_OK && code != Z_STREAM_END) {
      error_ = message != nullptr && message[0] != '\0' ? message : "gzip stream ends early";
    }
    eof_ = true;
    return false;
  }
  begin_ = 0;
  end_ = static_cast<size_t>(n);
  return true;
}

absl::StatusOr<bool> LineReader::Next(std::string_view* line) {
  line_buffer_.clear();
  bool carried = false;
  while (true) {
    if (begin_ == end_ && !Fill()) {
      if (!error_.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path_, ":", line_ + 1, ": cannot read: ", error_));
      }
      if (!carried) return false;
      break;  // last line without a newline
    }
    const char* start = buffer_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl != nullptr) {
      const size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      begin_ += len + 1;
      ++line_;
      if (!carried) {
        *line = std::string_view(start, len);
      } else {
        line_buffer_.append(start, len);
        *line = line_buffer_;
      }
      if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
      return true;
    }
    line_buffer_.append(start, end_ - begin_);
    begin_ = end_;
    carried = true;
  }
  ++line_;
  *line = line_buffer_;
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  return true;
}

}  // namespace burnrate
