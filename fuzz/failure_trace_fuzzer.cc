// libFuzzer harness: the input as a pool's failure trace (Failures.trace; fuzz/fuzz_entry.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  burnrate::fuzz::RunFailureTraceInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
