// libFuzzer harness: the input as a trace file of one format (BURNRATE_FUZZ_TRACE_FORMAT, a name
// in TraceFormats()), read by the format's reader and by `trace stats` / `trace fit`
// (fuzz/fuzz_entry.h). One binary per format.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  burnrate::fuzz::RunTraceInput(std::string_view(reinterpret_cast<const char*>(data), size),
                                BURNRATE_FUZZ_TRACE_FORMAT);
  return 0;
}
