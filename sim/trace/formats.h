// Factories of the trace formats, one file each (format_<name>.cc); the registry is the table
// in formats.cc. Adding a format: a file with a CsvTraceReader (or TraceReader) subclass and
// its factory, one line in the table, a section in docs/traces.md, a test.
#ifndef BURNRATE_SIM_TRACE_FORMATS_H_
#define BURNRATE_SIM_TRACE_FORMATS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "sim/trace/trace.h"

namespace burnrate {

using TraceOpener = absl::StatusOr<std::unique_ptr<TraceReader>>(const std::string& path,
                                                                 const TraceOptions& options);

TraceOpener OpenBurnrateCsv;  // format_burnrate_csv.cc
TraceOpener OpenPhillyCsv;    // format_philly.cc
TraceOpener OpenPhillyJson;   // format_philly_json.cc
TraceOpener OpenOpenb;        // format_openb.cc
TraceOpener OpenHelios;       // format_helios.cc
TraceOpener OpenPai2020;      // format_pai.cc
TraceOpener OpenSwf;          // format_swf.cc
TraceOpener OpenGavel;        // format_gavel.cc
TraceOpener OpenAzureLlm;     // format_azure_llm.cc
TraceOpener OpenAlibabaDlrm;  // format_alibaba_dlrm.cc

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_FORMATS_H_
