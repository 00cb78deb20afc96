// libFuzzer harness: a scenario in one text format (BURNRATE_FUZZ_SCENARIO_FORMAT: "yaml",
// "json" or "textproto"), loaded and, when it loads, compiled with its files confined to a
// private directory of small fixtures (fuzz/fuzz_entry.h). One binary per format.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)burnrate::fuzz::FuzzDataDir();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  burnrate::fuzz::RunScenarioInput(
      std::string_view(reinterpret_cast<const char*>(data), size), BURNRATE_FUZZ_SCENARIO_FORMAT);
  return 0;
}
