// The side-by-side comparison table `burnrate run` prints: one column per run (policy),
// rows grouped under headings, the best value of each comparable row marked with "*".
// Reads results only; never runs simulations. Output is plain ASCII unless color is set.
#ifndef BURNRATE_REPORT_TABLE_H_
#define BURNRATE_REPORT_TABLE_H_

#include <string>
#include <vector>

#include "burnrate/v1/results.pb.h"

namespace burnrate {

struct TableOptions {
  // Maximum line length in characters. Policy names wrap (or are abbreviated) to fit; when
  // the runs do not fit side by side they are printed in several blocks of columns.
  // Lines may still exceed it when a single label plus one value column cannot fit.
  // Default: 100.
  int width = 100;
  // Bold the best values and headings with ANSI escapes. When false the output contains no
  // escape codes at all (callers pass false for NO_COLOR or a non-TTY stdout).
  // Default: false.
  bool color = false;
};

// The table's content without layout, for other renderers (the HTML report): headings and
// data rows in display order; `best` marks the best cells of a row (none when not comparable).
struct ComparisonRow {
  bool heading = false;
  std::string label;
  std::vector<std::string> cells;  // one per run; "-" when not applicable
  std::vector<bool> best;          // parallel to cells
};
std::vector<ComparisonRow> ComparisonRows(const burnrate::v1::Results& results);

// Renders `results` as a table ending with a newline. Deterministic.
std::string RenderComparisonTable(const burnrate::v1::Results& results,
                                  const TableOptions& options);

// Human duration: "45.0 s" below 120 s, "12.3 min" below 2 h, "5.2 h" below 48 h, else
// "3.1 d". Negative durations keep their sign; non-finite values render as "-".
std::string FormatDuration(double seconds);

// US dollars: "$1,234,567" (whole dollars, thousands separators) from $1000 up, "$12.34"
// below. Negative amounts render as "-$12.34"; non-finite values as "-".
std::string FormatUsd(double usd);

// US dollars always with cents and thousands separators: "$2.41", "$1,234.50".
std::string FormatUsdWithCents(double usd);

}  // namespace burnrate

#endif  // BURNRATE_REPORT_TABLE_H_
