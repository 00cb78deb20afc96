#include "rpc/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace burnrate {
namespace {

constexpr char kMagic[] = "BURNRATE-JOURNAL-1\n";

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t GetU32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<unsigned char>(s[at + static_cast<size_t>(i)]))
         << (8 * i);
  }
  return v;
}

void Frame(const std::string& bytes, std::string* out) {
  PutU32(out, static_cast<uint32_t>(bytes.size()));
  PutU32(out, Crc32(bytes));
  out->append(bytes);
}

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

uint32_t Crc32(const std::string& data) {
  return static_cast<uint32_t>(
      ::crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

absl::StatusOr<Journal::Opened> Journal::Open(const std::string& dir,
                                              const burnrate::v1::JournalHeader& fresh) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InvalidArgumentError(dir + ": cannot create the state directory: " + ec.message());
  const std::string path = (std::filesystem::path(dir) / "journal.bin").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open", path);
  std::unique_ptr<Journal> j(new Journal(fd, path));
  // One writer: a second daemon on the same directory would interleave records and lose
  // acknowledged work. The lock goes with the descriptor (and with the process on a crash).
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return absl::InvalidArgumentError(
        path + ": another burnrate scheduler uses this state directory; stop it first, or "
               "give this one its own --state-dir");
  }
  // Read it all: journals are compact (tens of bytes a record).
  std::string data;
  {
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("read", path);
      }
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
  }
  Opened out;
  const size_t magic = sizeof(kMagic) - 1;
  if (data.empty()) {
    std::string init(kMagic, magic);
    Frame(fresh.SerializeAsString(), &init);
    if (absl::Status s = WriteAll(fd, init, path); !s.ok()) return s;
    if (::fdatasync(fd) != 0) return Errno("fdatasync", path);
    out.header = fresh;
    out.journal = std::move(j);
    return out;
  }
  if (data.size() < magic || data.compare(0, magic, kMagic) != 0) {
    return absl::InvalidArgumentError(path + ": not a burnrate journal (bad magic)");
  }
  size_t at = magic;
  bool have_header = false;
  while (at + 8 <= data.size()) {
    const uint32_t len = GetU32(data, at);
    const uint32_t crc = GetU32(data, at + 4);
    if (at + 8 + len > data.size()) break;  // torn
    const std::string bytes = data.substr(at + 8, len);
    if (Crc32(bytes) != crc) break;  // corrupt
    if (!have_header) {
      if (!out.header.ParseFromString(bytes)) break;
      have_header = true;
    } else {
      burnrate::v1::JournalRecord r;
      if (!r.ParseFromString(bytes)) break;
      out.records.push_back(std::move(r));
    }
    at += 8 + len;
  }
  if (!have_header) return absl::InvalidArgumentError(path + ": the journal's header is damaged");
  if (at < data.size()) {
    out.dropped_bytes = data.size() - at;
    if (::ftruncate(fd, static_cast<off_t>(at)) != 0) return Errno("ftruncate", path);
    if (::fdatasync(fd) != 0) return Errno("fdatasync", path);
  }
  if (::lseek(fd, static_cast<off_t>(at), SEEK_SET) < 0) return Errno("lseek", path);
  out.journal = std::move(j);
  return out;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::Append(const burnrate::v1::JournalRecord& record) {
  Frame(record.SerializeAsString(), &buffer_);
}

absl::Status Journal::Flush() {
  if (buffer_.empty()) return absl::OkStatus();
  const off_t before = ::lseek(fd_, 0, SEEK_CUR);
  if (absl::Status s = WriteAll(fd_, buffer_, path_); !s.ok()) {
    if (before >= 0 && ::ftruncate(fd_, before) == 0) ::lseek(fd_, before, SEEK_SET);
    return s;
  }
  if (::fdatasync(fd_) != 0) return Errno("fdatasync", path_);
  buffer_.clear();
  return absl::OkStatus();
}

}  // namespace burnrate
