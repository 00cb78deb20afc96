// Reads a text file line by line, plain or gzip-compressed (detected from the content), with a
// fixed-size buffer: memory does not grow with the file. Lines are returned without the line
// ending ("\n" or "\r\n"); the view stays valid until the next call.
#ifndef BURNRATE_SIM_TRACE_LINE_READER_H_
#define BURNRATE_SIM_TRACE_LINE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace burnrate {

class LineReader {
 public:
  // NotFound / InvalidArgument naming the path and the system error when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line; false at the end of the file. An I/O or decompression error is an
  // InvalidArgument naming path:line.
  absl::StatusOr<bool> Next(std::string_view* line);
  // 1-based number of the line last returned.
  int64_t line_number() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  LineReader(std::string path, void* gz) : path_(std::move(path)), gz_(gz) {}
  bool Fill();

  std::string path_;
  void* gz_;  // gzFile (zlib reads plain files too)
  std::string buffer_;
  size_t begin_ = 0, end_ = 0;
  std::string line_buffer_;  // a line that crossed a buffer boundary
  bool eof_ = false;
  int64_t line_ = 0;
  std::string error_;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_LINE_READER_H_
