// The live scheduler's journal: records survive a reopen; a torn or corrupt tail (a crash in
// the middle of a write) is cut off at the last good record; other files are refused.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "rpc/journal.h"

namespace burnrate {
namespace {

namespace v1 = burnrate::v1;

std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("burnrate-journal-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

v1::JournalHeader Header() {
  v1::JournalHeader h;
  h.set_epoch_unix_us(1700000000000000);
  h.set_policy("fifo+first-fit");
  h.set_seed(7);
  h.set_scenario_name("test");
  return h;
}

v1::JournalRecord Submit(int64_t t, const std::string& token) {
  v1::JournalRecord r;
  r.set_time_us(t);
  r.mutable_submit()->set_client_token(token);
  r.mutable_submit()->set_gpus(8);
  r.mutable_submit()->set_estimate_s(60);
  return r;
}

TEST_CASE("journal records survive a reopen, in order", "[rpc][journal]") {
  const std::string dir = TempDir("reopen");
  {
    auto j = Journal::Open(dir, Header());
    REQUIRE(j.ok());
    CHECK(j->records.empty());
    j->journal->Append(Submit(1, "a"));
    j->journal->Append(Submit(2, "b"));
    CHECK(j->journal->dirty());
    REQUIRE(j->journal->Flush().ok());
    CHECK_FALSE(j->journal->dirty());
    v1::JournalRecord c;
    c.set_time_us(3);
    c.set_complete(0);
    j->journal->Append(c);
    REQUIRE(j->journal->Flush().ok());
  }
  // A different header asked for: the file's own header wins (the daemon compares them).
  v1::JournalHeader other = Header();
  other.set_policy("sjf");
  auto j = Journal::Open(dir, other);
  REQUIRE(j.ok());
  CHECK(j->header.policy() == "fifo+first-fit");
  CHECK(j->header.epoch_unix_us() == 1700000000000000);
  REQUIRE(j->records.size() == 3);
  CHECK(j->records[0].submit().client_token() == "a");
  CHECK(j->records[1].submit().client_token() == "b");
  CHECK(j->records[2].complete() == 0);
  CHECK(j->records[2].time_us() == 3);
  CHECK(j->dropped_bytes == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a torn or corrupt tail is cut at the last good record", "[rpc][journal]") {
  const std::string dir = TempDir("torn");
  const std::string path = dir + "/journal.bin";
  {
    auto j = Journal::Open(dir, Header());
    REQUIRE(j.ok());
    for (int i = 0; i < 5; ++i) j->journal->Append(Submit(i, "t" + std::to_string(i)));
    REQUIRE(j->journal->Flush().ok());
  }
  const auto full = std::filesystem::file_size(path);
  // A crash mid-write: the last record lost its last 3 bytes.
  std::filesystem::resize_file(path, full - 3);
  {
    auto j = Journal::Open(dir, Header());
    REQUIRE(j.ok());
    CHECK(j->records.size() == 4);
    CHECK(j->dropped_bytes > 0);
    CHECK(std::filesystem::file_size(path) < full - 3);  // cut to the last good record
    // Appending after the cut works, and the next open sees it.
    j->journal->Append(Submit(9, "after"));
    REQUIRE(j->journal->Flush().ok());
  }
  {
    auto j = Journal::Open(dir, Header());
    REQUIRE(j.ok());
    REQUIRE(j->records.size() == 5);
    CHECK(j->records[4].submit().client_token() == "after");
  }
  // A flipped byte in the last record: its CRC fails, it is cut.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-2, std::ios::end);
    f.put('\x7f');
  }
  auto j = Journal::Open(dir, Header());
  REQUIRE(j.ok());
  CHECK(j->records.size() == 4);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a file that is not a journal is refused, not overwritten", "[rpc][journal]") {
  const std::string dir = TempDir("foreign");
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/journal.bin");
    f << "something else entirely\n";
  }
  auto j = Journal::Open(dir, Header());
  CHECK(j.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(j.status().message().find("not a burnrate journal") != std::string::npos);
  std::ifstream in(dir + "/journal.bin");
  std::string line;
  std::getline(in, line);
  CHECK(line == "something else entirely");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace burnrate
