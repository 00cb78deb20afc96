// libFuzzer harness: the input as an openb node list (`burnrate trace pools`; fuzz/fuzz_entry.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  burnrate::fuzz::RunOpenbNodesInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
