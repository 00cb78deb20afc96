// The live scheduler's write-ahead journal: a header and one record per accepted input, each
// framed as [uint32 length][uint32 CRC-32][bytes] (little-endian). Append buffers; Flush
// writes and fdatasyncs, so a caller acknowledges only what Flush made durable. Opening an
// existing journal returns its records and cuts off a torn or corrupt tail (a crash in the
// middle of a write: never acknowledged). Not thread-safe (the daemon's strand owns it).
#ifndef BURNRATE_RPC_JOURNAL_H_
#define BURNRATE_RPC_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnrate/v1/scheduler.pb.h"

namespace burnrate {

class Journal {
 public:
  struct Opened {
    std::unique_ptr<Journal> journal;
    burnrate::v1::JournalHeader header;
    std::vector<burnrate::v1::JournalRecord> records;
    uint64_t dropped_bytes = 0;  // torn tail cut off
  };
  // Opens DIR/journal.bin, creating it (and DIR) with `fresh` as its header when absent.
  // Errors name the file: unreadable, not a journal, or a bad header.
  static absl::StatusOr<Opened> Open(const std::string& dir,
                                     const burnrate::v1::JournalHeader& fresh);
  ~Journal();

  void Append(const burnrate::v1::JournalRecord& record);
  // Writes what Append buffered and fdatasyncs. On error the buffer is kept (retry) and the
  // file may hold a torn tail, which the next Open cuts off.
  absl::Status Flush();
  bool dirty() const { return !buffer_.empty(); }
  const std::string& path() const { return path_; }

 private:
  Journal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  std::string buffer_;
};

// CRC-32 (IEEE 802.3, the zlib polynomial) of `data`.
uint32_t Crc32(const std::string& data);

}  // namespace burnrate

#endif  // BURNRATE_RPC_JOURNAL_H_
