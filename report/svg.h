// SVG charts for the HTML report: line charts (time series and CDFs), horizontal stacked bars
// and scatter plots. Each renders one self-contained <svg> (no scripts, no external fonts or
// images) with its title, axes with units, a legend and <title> tooltips on every mark.
//
// Structure every chart follows (tests and stylesheets rely on it):
//   <svg class="chart" data-chart="ID" viewBox="0 0 W H" role="img">
//     <title>TITLE</title> <text class="title">  <g class="legend">  <g class="axes">
//     <g class="marks">  (the data: paths, rects, circles, each with a <title>)
//     <g class="hover">  (optional transparent bands whose <title> lists every series)
//   </svg>
// Deterministic: the same input gives the same bytes.
#ifndef BURNRATE_REPORT_SVG_H_
#define BURNRATE_REPORT_SVG_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace burnrate::chart {

// How values on an axis are printed.
enum class Unit {
  kNumber,   // 1.5, 1,200, 12.3k
  kCount,    // integers: 0, 250, 1.2k
  kPercent,  // values are fractions: 0.25 -> "25%"
  kUsd,      // "$950", "$12k", "$1.2M"
  kSeconds,  // durations: "30 s", "15 min", "6 h", "2 d"
  kDate,     // seconds since the chart's start_unix_s, printed as UTC dates
};

enum class Scale { kLinear, kLog };

struct Axis {
  Axis() = default;
  Axis(std::string label_, Unit unit_, Scale scale_ = Scale::kLinear)
      : label(std::move(label_)), unit(unit_), scale(scale_) {}
  std::string label;  // the quantity and its unit, e.g. "GPU utilisation (%)"
  Unit unit = Unit::kNumber;
  Scale scale = Scale::kLinear;
  // Fixed ends; otherwise from the data (linear axes start at 0 when include_zero).
  std::optional<double> min, max;
  bool include_zero = true;
};

// Colour `i` of the palette: Okabe-Ito (colour-blind safe), then Paul Tol's muted colours;
// 16 distinct, then it cycles (callers dash lines from the 17th series on).
std::string_view PaletteColor(std::size_t i);
std::size_t PaletteSize();

struct Series {
  std::string name;
  std::vector<double> x, y;  // parallel; non-finite points are skipped
  std::size_t color = 0;     // palette index
  bool dashed = false;
  bool step = false;  // hold each value until the next x (counts sampled over time)
  // Points drawn as dots, each with its own tooltip (e.g. p50 / p95 / p99 on a CDF).
  std::vector<std::size_t> markers;
  std::vector<std::string> marker_titles;  // parallel to markers
};

// A horizontal reference line (an SLO bound, a target).
struct ReferenceLine {
  double y = 0;
  std::string label;
};

struct LineChart {
  std::string id;     // data-chart attribute; unique in a report
  std::string title;  // shown above the plot and as the <title>
  Axis x, y;
  std::vector<Series> series;
  std::vector<ReferenceLine> refs;
  int64_t start_unix_s = 0;  // for Unit::kDate axes
  // Transparent vertical bands (at most 100) whose tooltip lists every series' mean value
  // in the band: reading a line chart without a script.
  bool hover_bands = true;
};

// Horizontal bars, one per row, stacked by segment; rows may be grouped under headings.
struct StackedBarChart {
  std::string id, title;
  Axis x;  // the value axis (horizontal)
  std::vector<std::string> segments;  // legend entries, in stacking order
  struct Row {
    std::string label;   // left of the bar
    std::string group;   // rows with a new group get a heading line; "" = none
    std::vector<double> values;  // one per segment, >= 0
    std::string note;    // right of the bar (e.g. the total); "" = the formatted total
    // Tooltip per segment; "" or missing = "segment: value (share of the row)".
    std::vector<std::string> titles;
  };
  std::vector<Row> rows;
  // Vertical reference lines at these values of the x axis (an SLO bound).
  std::vector<ReferenceLine> refs;
};

struct ScatterPoint {
  double x = 0, y = 0;
  std::string label;  // drawn beside the point when show_label
  std::string title;  // tooltip
  std::size_t color = 0;
  bool show_label = true;
  bool emphasis = false;  // drawn larger with a ring (e.g. the recommended plan)
  bool hollow = false;    // drawn as a ring only (e.g. misses the target)
};

struct ScatterChart {
  std::string id, title;
  Axis x, y;
  std::vector<ScatterPoint> points;
  // Draw the lower-left Pareto frontier (minimising x and y) through these points as a step
  // line; indices into points. Empty: no frontier.
  std::vector<std::size_t> frontier;
  // Legend entries (name, palette colour); empty = none.
  std::vector<std::pair<std::string, std::size_t>> legend;
};

std::string RenderLineChart(const LineChart& chart);
std::string RenderStackedBarChart(const StackedBarChart& chart);
std::string RenderScatterChart(const ScatterChart& chart);

// A value as the axis of `unit` prints it, e.g. FormatValue(0.253, kPercent) = "25.3%".
// kDate prints the UTC date and time of start_unix_s + value.
std::string FormatValue(double value, Unit unit, int64_t start_unix_s = 0);

// Indices of the points on the lower-left Pareto frontier of (x[i], y[i]): no other point is
// at most as large in both and smaller in one. Ascending x. Non-finite points are ignored.
std::vector<std::size_t> ParetoFrontier(const std::vector<double>& x,
                                        const std::vector<double>& y);

// Text for HTML and SVG: & < > " ' escaped.
std::string Escape(std::string_view text);

// Averages (x, y) into at most `max_points` bins of equally many consecutive points (the last
// may hold fewer); x of a bin is its first point's. Keeps series of up to max_points
// unchanged. For charts of long runs: the file stays small. REQUIRES: max_points >= 1.
struct Binned {
  std::vector<double> x, y;
  std::size_t per_bin = 1;  // points averaged per bin (the last may hold fewer)
};
Binned BinAverage(const std::vector<double>& x, const std::vector<double>& y,
                  std::size_t max_points);

}  // namespace burnrate::chart

#endif  // BURNRATE_REPORT_SVG_H_
