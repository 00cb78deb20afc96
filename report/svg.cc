#include "report/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "sim/model/calendar.h"

namespace burnrate::chart {
namespace {

// Geometry, in SVG user units (about CSS pixels at the report's width).
constexpr double kWidth = 880;
constexpr double kLeft = 84;    // room for y tick labels and the rotated axis label
constexpr double kRight = 24;
constexpr double kTitleY = 20;
constexpr double kLegendTop = 34;
constexpr double kLegendRow = 18;
constexpr double kCharWidth = 7.0;  // estimated width of a 12 px character (DejaVu Sans)
constexpr double kPlotHeight = 230;
constexpr double kBottom = 48;  // x tick labels and the axis label
constexpr std::size_t kMaxBands = 100;
constexpr double kDay = 86400;

// Okabe-Ito (colour-blind safe) first, then Paul Tol's muted scheme: 16 distinct colours.
// Yellow, the hardest to see on white, comes last of the first eight.
constexpr std::array<std::string_view, 16> kPalette = {
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
    "#332288", "#117733", "#882255", "#999933", "#44AA99", "#AA4499", "#88CCEE", "#661100"};

constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Shortest of "%.3g"-like output without exponent and trailing zeros: 3 significant digits.
std::string Sig3(double v) {
  if (v == 0) return "0";
  const double a = std::fabs(v);
  const int digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  std::string s = fmt::format("{:.{}f}", v, digits);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

// 1234 -> "1,234"; 12345 -> "12.3k"; 1.2e6 -> "1.2M".
std::string Compact(double v, bool integer) {
  const double a = std::fabs(v);
  const std::string sign = v < 0 ? "-" : "";
  if (a >= 1e9) return sign + Sig3(a / 1e9) + "B";
  if (a >= 1e6) return sign + Sig3(a / 1e6) + "M";
  if (a >= 1e4) return sign + Sig3(a / 1e3) + "k";
  if (a >= 1000) {
    const auto n = static_cast<long long>(std::llround(a));
    return sign + fmt::format("{},{:03d}", n / 1000, n % 1000);
  }
  if (integer) return sign + fmt::format("{}", std::llround(a));
  return sign + Sig3(a);
}

std::string FormatSeconds(double s) {
  const double a = std::fabs(s);
  const std::string sign = s < 0 ? "-" : "";
  if (a == 0) return "0 s";
  if (a < 1) return sign + Sig3(a * 1000) + " ms";
  if (a < 120) return sign + Sig3(a) + " s";
  if (a < 3600) return sign + Sig3(a / 60) + " min";
  if (a < 2 * kDay) return sign + Sig3(a / 3600) + " h";
  return sign + Sig3(a / kDay) + " d";
}

struct Civil {
  int year;
  unsigned month, day, hour, minute;
};

Civil ToCivil(double unix_s) {
  const auto t = static_cast<int64_t>(std::floor(unix_s));
  int64_t days = t / 86400;
  int64_t rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  Civil c{};
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<unsigned>(rem / 3600);
  c.minute = static_cast<unsigned>(rem % 3600 / 60);
  return c;
}

std::string MonthDay(const Civil& c) {
  return fmt::format("{} {}", kMonthNames[c.month - 1], c.day);
}

// Characters (code points) of UTF-8 text, for width estimates.
std::size_t Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Cuts the middle out of a long label, keeping its start and its end (where policy arguments
// that tell runs apart usually are): "fifo-backfill+best-fit (autos…target=0.9])".
// Cuts on UTF-8 character boundaries.
std::string ShortenMiddle(const std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  const auto boundary = [&](std::size_t i) {
    while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
  };
  const std::size_t keep = max_bytes - 1;
  const std::size_t head = boundary(keep * 2 / 5);
  const std::size_t tail = boundary(s.size() - (keep - head));
  return s.substr(0, head) + "\xE2\x80\xA6" + s.substr(tail);
}

std::string Num(double v) {  // coordinates: 1 decimal, no "-0"
  std::string s = fmt::format("{:.1f}", v);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

// A tick: its value and label.
struct Tick {
  double v;
  std::string label;
};

// The mapping of one axis from values to pixels.
struct Mapper {
  double lo = 0, hi = 1;      // value range
  double p0 = 0, p1 = 1;      // pixel range (p1 < p0 for y)
  bool log = false;
  double Map(double v) const {
    double f;
    if (log) {
      const double lv = std::log10(std::max(v, lo));
      f = (lv - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    } else {
      f = (v - lo) / (hi - lo);
    }
    f = std::clamp(f, -0.02, 1.02);
    return p0 + f * (p1 - p0);
  }
};

double NiceStep(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double n = raw / mag;
  const double nice = n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10;
  return nice * mag;
}

// Linear ticks covering [lo, hi]; expands lo / hi to tick ends unless fixed.
std::vector<Tick> LinearTicks(double& lo, double& hi, Unit unit, bool fix_lo, bool fix_hi) {
  // Durations step in a readable unit (s, min, h, d).
  double scale = 1;
  if (unit == Unit::kSeconds) {
    const double m = std::max(std::fabs(lo), std::fabs(hi));
    scale = m >= 3 * kDay ? kDay : m >= 3 * 3600 ? 3600 : m >= 180 ? 60 : 1;
  }
  double step = NiceStep((hi - lo) / scale / 5) * scale;
  if (unit == Unit::kCount) step = std::max(step, 1.0);
  if (!fix_lo) lo = std::floor(lo / step + 1e-9) * step;
  if (!fix_hi) hi = std::ceil(hi / step - 1e-9) * step;
  if (hi <= lo) hi = lo + step;
  std::vector<Tick> ticks;
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (int i = 0; i < 50; ++i) {
    double v = first + i * step;
    if (v > hi + step * 1e-6) break;
    if (std::fabs(v) < step * 1e-9) v = 0;
    // Durations: every label in the step's unit ("0 h, 20 h, 40 h, 60 h", not "... 2.5 d").
    ticks.push_back({v, unit == Unit::kSeconds
                            ? Sig3(v / scale) + (scale == kDay    ? " d"
                                                 : scale == 3600 ? " h"
                                                 : scale == 60   ? " min"
                                                                 : " s")
                            : FormatValue(v, unit)});
  }
  // Compact labels keep three significant digits; when two ticks read the same, print them
  // with as many digits as the step needs ("$8,256,500", "1.25 h").
  bool repeated = false;
  for (std::size_t i = 1; i < ticks.size(); ++i) repeated |= ticks[i].label == ticks[i - 1].label;
  if (repeated) {
    const double shown = unit == Unit::kPercent ? step * 100 : step / scale;
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(shown) - 1e-9)));
    for (Tick& t : ticks) {
      const double v = unit == Unit::kPercent ? t.v * 100 : t.v / scale;
      std::string digits = fmt::format("{:.{}f}", std::fabs(v), decimals);
      const std::size_t dot = digits.find('.');
      std::string whole = digits.substr(0, dot);
      std::string grouped;
      for (std::size_t i = 0; i < whole.size(); ++i) {
        if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
        grouped += whole[i];
      }
      if (dot != std::string::npos) grouped += digits.substr(dot);
      const std::string sign = v < 0 ? "-" : "";
      switch (unit) {
        case Unit::kUsd: t.label = sign + "$" + grouped; break;
        case Unit::kPercent: t.label = sign + grouped + "%"; break;
        case Unit::kSeconds:
          t.label = sign + grouped + (scale == kDay ? " d" : scale == 3600 ? " h" : scale == 60 ? " min" : " s");
          break;
        default: t.label = sign + grouped;
      }
    }
  }
  return ticks;
}

// Log ticks: durations on a ladder people read (1 s, 1 min, 1 h, 1 d, ...), else powers of 10.
std::vector<Tick> LogTicks(double& lo, double& hi, Unit unit) {
  std::vector<double> ladder;
  if (unit == Unit::kSeconds) {
    ladder = {0.001, 0.01, 0.1, 1, 10, 60, 600, 3600, 6 * 3600, kDay, 7 * kDay, 30 * kDay,
              365 * kDay, 3650 * kDay};
  } else {
    for (int e = -6; e <= 15; ++e) ladder.push_back(std::pow(10.0, e));
  }
  auto below = std::upper_bound(ladder.begin(), ladder.end(), lo * (1 + 1e-9));
  if (below != ladder.begin()) --below;
  auto above = std::lower_bound(ladder.begin(), ladder.end(), hi * (1 - 1e-9));
  if (above == ladder.end()) --above;
  lo = std::min(lo, *below);
  hi = std::max(hi, *above);
  std::vector<Tick> ticks;
  for (auto it = below; it <= above; ++it) ticks.push_back({*it, FormatValue(*it, unit)});
  while (ticks.size() > 9) {  // thin out, keeping both ends
    std::vector<Tick> kept;
    for (std::size_t i = 0; i < ticks.size(); i += 2) kept.push_back(ticks[i]);
    if (kept.back().v != ticks.back().v) kept.push_back(ticks.back());
    ticks = std::move(kept);
  }
  return ticks;
}

// Date ticks at whole hours / days / Mondays / month starts, at most about 8.
std::vector<Tick> DateTicks(double lo, double hi, int64_t start_unix_s) {
  std::vector<Tick> ticks;
  const double span = hi - lo;
  const double a = static_cast<double>(start_unix_s) + lo;
  const double b = static_cast<double>(start_unix_s) + hi;
  if (span > 75 * kDay) {
    Civil c = ToCivil(a);
    int year = c.year;
    unsigned month = c.month;
    const double months = span / (30.4 * kDay);
    const unsigned every = months <= 8 ? 1 : months <= 16 ? 2 : months <= 24 ? 3 : months <= 48 ? 6 : 12;
    for (int i = 0; i < 400; ++i) {
      const double t = static_cast<double>(DaysFromCivil(year, month, 1)) * kDay;
      if (t > b) break;
      if (t >= a && (month - 1) % every == 0) {
        ticks.push_back({t - static_cast<double>(start_unix_s),
                         month == 1 || ticks.empty()
                             ? fmt::format("{} {}", kMonthNames[month - 1], year)
                             : std::string(kMonthNames[month - 1])});
      }
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
    return ticks;
  }
  constexpr std::array<double, 15> kSteps = {60,       120,      300,      600,       900,
                                             1800,     3600,     2 * 3600, 3 * 3600,  6 * 3600,
                                             12 * 3600, kDay,    2 * kDay, 7 * kDay,  14 * kDay};
  double step = kSteps.back();
  for (const double s : kSteps) {
    if (span / s <= 7.5) {
      step = s;
      break;
    }
  }
  // Weeks start on Mondays (1970-01-05 was a Monday).
  const double origin = step >= 7 * kDay ? 4 * kDay : 0;
  double t = std::ceil((a - origin) / step - 1e-9) * step + origin;
  for (; t <= b + 1e-6 && ticks.size() < 40; t += step) {
    const Civil c = ToCivil(t);
    std::string label;
    if (step < kDay) {
      const std::string clock = fmt::format("{:02d}:{:02d}", c.hour, c.minute);
      label = (c.hour == 0 && c.minute == 0) || ticks.empty() ? MonthDay(c) + " " + clock : clock;
    } else {
      label = MonthDay(c);
    }
    ticks.push_back({t - static_cast<double>(start_unix_s), std::move(label)});
  }
  return ticks;
}

std::vector<Tick> AxisTicks(const Axis& axis, double& lo, double& hi, int64_t start_unix_s) {
  if (axis.unit == Unit::kDate) return DateTicks(lo, hi, start_unix_s);
  if (axis.scale == Scale::kLog) return LogTicks(lo, hi, axis.unit);
  return LinearTicks(lo, hi, axis.unit, axis.min.has_value(), axis.max.has_value());
}

// The value range of an axis from its data (finite values; positive ones on log axes).
void DataRange(const Axis& axis, const std::vector<double>& values, double& lo, double& hi) {
  lo = std::numeric_limits<double>::infinity();
  hi = -std::numeric_limits<double>::infinity();
  for (const double v : values) {
    if (!std::isfinite(v) || (axis.scale == Scale::kLog && v <= 0)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) {  // no data
    lo = axis.scale == Scale::kLog ? 1 : 0;
    hi = axis.scale == Scale::kLog ? 10 : 1;
  }
  if (axis.scale == Scale::kLinear && axis.include_zero && axis.unit != Unit::kDate) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  // Without zero on the axis, differences under 1% would fill the plot: keep a span of at
  // least 2% of the values so near-equal points look near-equal.
  if (axis.scale == Scale::kLinear && !axis.include_zero && axis.unit != Unit::kDate) {
    const double mid = (lo + hi) / 2, min_span = 0.02 * std::max(std::fabs(lo), std::fabs(hi));
    if (hi - lo < min_span) {
      lo = mid - min_span / 2;
      hi = mid + min_span / 2;
    }
  }
  if (axis.min) lo = *axis.min;
  if (axis.max) hi = *axis.max;
  if (axis.scale == Scale::kLog) {
    lo = std::max(lo, 1e-6);
    hi = std::max(hi, lo * 10);
  }
  if (hi <= lo) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    if (axis.max) {
      lo = hi - pad;
    } else {
      hi = lo + pad;
    }
  }
}

// Legend items laid out in rows; returns the SVG and the height used.
std::string Legend(const std::vector<std::pair<std::string, std::size_t>>& items,
                   const std::vector<bool>& dashed, bool boxes, double& bottom) {
  std::string out = "<g class=\"legend\">";
  double x = kLeft, y = kLegendTop;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double w = 24 + kCharWidth * static_cast<double>(items[i].first.size()) + 16;
    if (x + w > kWidth - kRight && x > kLeft) {
      x = kLeft;
      y += kLegendRow;
    }
    const std::string_view color = PaletteColor(items[i].second);
    out += "<g class=\"item\"><title>" + Escape(items[i].first) + "</title>";
    if (boxes) {
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{}\"/>", Num(x),
                         Num(y - 9), color);
    } else {
      out += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2.5\"{}/>",
          Num(x), Num(y - 4), Num(x + 18), Num(y - 4), color,
          i < dashed.size() && dashed[i] ? " stroke-dasharray=\"5 3\"" : "");
    }
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text></g>", Num(x + 24), Num(y),
                       Escape(items[i].first));
    x += w;
  }
  out += "</g>";
  bottom = items.empty() ? kLegendTop - 8 : y + 8;
  return out;
}

std::string SvgOpen(const std::string& id, const std::string& title, double height) {
  return fmt::format(
      "<svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"{}\"><title>{}</title><text class=\"title\" x=\"{}\" y=\"{}\">{}</text>",
      Escape(id), Num(kWidth), Num(height), Escape(title), Escape(title), Num(kLeft),
      Num(kTitleY), Escape(title));
}

// Gridlines, tick labels and axis labels of a plot area.
std::string Axes(const Mapper& mx, const Mapper& my, const std::vector<Tick>& xt,
                 const std::vector<Tick>& yt, const Axis& x, const Axis& y) {
  std::string out = "<g class=\"axes\">";
  for (const Tick& t : yt) {
    const double py = my.Map(t.v);
    out += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                       Num(mx.p0), Num(py), Num(mx.p1), Num(py));
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                       Num(mx.p0 - 6), Num(py + 4), Escape(t.label));
  }
  for (const Tick& t : xt) {
    const double px = mx.Map(t.v);
    out += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", Num(px),
                       Num(my.p1), Num(px), Num(my.p0));
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       Num(px), Num(my.p0 + 16), Escape(t.label));
  }
  out += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", Num(mx.p0),
                     Num(my.p0), Num(mx.p1), Num(my.p0));
  out += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", Num(mx.p0),
                     Num(my.p0), Num(mx.p0), Num(my.p1));
  out += fmt::format(
      "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
      Num((mx.p0 + mx.p1) / 2), Num(my.p0 + 38), Escape(x.label));
  out += fmt::format(
      "<text class=\"label\" transform=\"translate(16 {}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>",
      Num((my.p0 + my.p1) / 2), Escape(y.label));
  out += "</g>";
  return out;
}

// The path of a series; a point with no finite neighbour becomes a short stroke that the
// round line caps draw as a dot, so isolated samples (a burst of a spot pool) stay visible.
std::string SeriesPath(const Series& s, const Mapper& mx, const Mapper& my) {
  std::string d;
  bool pen = false;
  double last_y = 0;
  const std::size_t n = std::min(s.x.size(), s.y.size());
  const auto finite = [&](std::size_t i) {
    return i < n && std::isfinite(s.x[i]) && std::isfinite(s.y[i]);
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!finite(i)) {
      pen = false;
      continue;
    }
    const double px = mx.Map(s.x[i]), py = my.Map(s.y[i]);
    if (!pen) {
      d += "M" + Num(px) + " " + Num(py);
      if (!finite(i + 1)) d += "h0.1";
      pen = true;
    } else if (s.step) {
      d += "H" + Num(px);
      if (py != last_y) d += "V" + Num(py);
    } else {
      d += "L" + Num(px) + " " + Num(py);
    }
    last_y = py;
  }
  return d;
}

}  // namespace

std::string_view PaletteColor(std::size_t i) { return kPalette[i % kPalette.size()]; }

std::size_t PaletteSize() { return kPalette.size(); }

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string FormatValue(double value, Unit unit, int64_t start_unix_s) {
  if (!std::isfinite(value)) return "-";
  switch (unit) {
    case Unit::kNumber: return Compact(value, false);
    case Unit::kCount: return Compact(value, true);
    case Unit::kPercent: return Sig3(value * 100) + "%";
    case Unit::kUsd: {
      const std::string c = Compact(std::fabs(value), std::fabs(value) >= 100);
      return (value < 0 ? "-$" : "$") + c;
    }
    case Unit::kSeconds: return FormatSeconds(value);
    case Unit::kDate: {
      const Civil c = ToCivil(static_cast<double>(start_unix_s) + value);
      return fmt::format("{}-{:02d}-{:02d} {:02d}:{:02d} UTC", c.year, c.month, c.day, c.hour,
                         c.minute);
    }
  }
  return "-";
}

std::vector<std::size_t> ParetoFrontier(const std::vector<double>& x,
                                        const std::vector<double>& y) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (std::isfinite(x[i]) && std::isfinite(y[i])) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return x[a] != x[b] ? x[a] < x[b] : (y[a] != y[b] ? y[a] < y[b] : a < b);
  });
  std::vector<std::size_t> front;
  double best_y = std::numeric_limits<double>::infinity();
  for (const std::size_t i : order) {
    if (y[i] < best_y) {
      front.push_back(i);
      best_y = y[i];
    }
  }
  return front;
}

Binned BinAverage(const std::vector<double>& x, const std::vector<double>& y,
                  std::size_t max_points) {
  Binned b;
  const std::size_t n = std::min(x.size(), y.size());
  max_points = std::max<std::size_t>(max_points, 1);
  if (n <= max_points) {
    b.x.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
    b.y.assign(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(n));
    return b;
  }
  b.per_bin = (n + max_points - 1) / max_points;
  for (std::size_t i = 0; i < n; i += b.per_bin) {
    const std::size_t end = std::min(n, i + b.per_bin);
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t j = i; j < end; ++j) {
      if (!std::isfinite(y[j])) continue;
      sum += y[j];
      ++count;
    }
    b.x.push_back(x[i]);
    b.y.push_back(count > 0 ? sum / static_cast<double>(count)
                            : std::numeric_limits<double>::quiet_NaN());
  }
  return b;
}

std::string RenderLineChart(const LineChart& c) {
  std::vector<double> xs, ys;
  for (const Series& s : c.series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
  }
  for (const ReferenceLine& r : c.refs) ys.push_back(r.y);
  double xlo, xhi, ylo, yhi;
  DataRange(c.x, xs, xlo, xhi);
  DataRange(c.y, ys, ylo, yhi);
  if (c.y.scale == Scale::kLinear && !c.y.max) yhi += (yhi - ylo) * 0.04;  // headroom
  const std::vector<Tick> xt = AxisTicks(c.x, xlo, xhi, c.start_unix_s);
  const std::vector<Tick> yt = AxisTicks(c.y, ylo, yhi, c.start_unix_s);

  std::vector<std::pair<std::string, std::size_t>> items;
  std::vector<bool> dashed;
  for (const Series& s : c.series) {
    items.emplace_back(s.name, s.color);
    dashed.push_back(s.dashed);
  }
  double legend_bottom = 0;
  const std::string legend = Legend(items, dashed, false, legend_bottom);
  const double top = legend_bottom + 12;
  const double height = top + kPlotHeight + kBottom;
  Mapper mx{xlo, xhi, kLeft, kWidth - kRight, c.x.scale == Scale::kLog};
  Mapper my{ylo, yhi, top + kPlotHeight, top, c.y.scale == Scale::kLog};

  std::string out = SvgOpen(c.id, c.title, height);
  out += legend;
  out += Axes(mx, my, xt, yt, c.x, c.y);
  out += "<g class=\"marks\">";
  for (const ReferenceLine& r : c.refs) {
    const double py = my.Map(r.y);
    out += fmt::format(
        "<g class=\"ref\"><title>{}</title><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></g>",
        Escape(r.label + ": " + FormatValue(r.y, c.y.unit, c.start_unix_s)), Num(mx.p0), Num(py),
        Num(mx.p1), Num(py), Num(mx.p1 - 4), Num(py - 5), Escape(r.label));
  }
  for (const Series& s : c.series) {
    const std::string d = SeriesPath(s, mx, my);
    if (d.empty()) continue;
    out += fmt::format(
        "<path class=\"series\" d=\"{}\" stroke=\"{}\"{}><title>{}</title></path>", d,
        PaletteColor(s.color), s.dashed ? " stroke-dasharray=\"5 3\"" : "", Escape(s.name));
  }
  for (const Series& s : c.series) {
    for (std::size_t k = 0; k < s.markers.size(); ++k) {
      const std::size_t i = s.markers[k];
      if (i >= s.x.size() || i >= s.y.size() || !std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        continue;
      }
      out += fmt::format(
          "<circle class=\"marker\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"><title>{}</title>"
          "</circle>",
          Num(mx.Map(s.x[i])), Num(my.Map(s.y[i])), PaletteColor(s.color),
          Escape(k < s.marker_titles.size() ? s.marker_titles[k] : s.name));
    }
  }
  out += "</g>";

  if (c.hover_bands && !c.series.empty() && c.x.scale == Scale::kLinear) {
    out += "<g class=\"hover\">";
    const std::size_t bands = kMaxBands;
    const double w = (xhi - xlo) / static_cast<double>(bands);
    // Per series, a cursor over its (ascending) x.
    std::vector<std::size_t> cursor(c.series.size(), 0);
    for (std::size_t b = 0; b < bands; ++b) {
      const double b0 = xlo + w * static_cast<double>(b), b1 = b0 + w;
      std::string title;
      bool any = false;
      for (std::size_t si = 0; si < c.series.size(); ++si) {
        const Series& s = c.series[si];
        double sum = 0;
        std::size_t n = 0;
        std::size_t& i = cursor[si];
        while (i < s.x.size() && s.x[i] < b0) ++i;
        for (std::size_t j = i; j < s.x.size() && j < s.y.size() && s.x[j] < b1; ++j) {
          if (std::isfinite(s.y[j])) {
            sum += s.y[j];
            ++n;
          }
        }
        if (n == 0) continue;
        any = true;
        title += "\n" + s.name + ": " + FormatValue(sum / static_cast<double>(n), c.y.unit);
      }
      if (!any) continue;
      const std::string when =
          c.x.unit == Unit::kDate
              ? FormatValue(b0, c.x.unit, c.start_unix_s)
              : FormatValue(b0, c.x.unit) + " to " + FormatValue(b1, c.x.unit);
      out += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
          Num(mx.Map(b0)), Num(top), Num(mx.Map(b1) - mx.Map(b0)), Num(kPlotHeight),
          Escape(when + title));
    }
    out += "</g>";
  }
  out += "</svg>";
  return out;
}

std::string RenderStackedBarChart(const StackedBarChart& c) {
  constexpr double kRowHeight = 22, kBarHeight = 14, kGroupHeight = 22;
  // Label column: as wide as the longest label, within limits; longer labels are cut.
  std::size_t longest = 0;
  for (const auto& r : c.rows) longest = std::max(longest, r.label.size());
  const std::size_t max_chars = 44;
  const double label_width =
      std::clamp(kCharWidth * static_cast<double>(std::min(longest, max_chars)) + 12, 80.0, 330.0);
  const double left = label_width;
  // Notes sit in their own column right of the plot (never under a reference line), as wide
  // as the longest note (11 px text: about 6.4 px a character).
  std::vector<std::string> notes;
  std::size_t longest_note = 0;
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    double t = 0;
    for (const double v : c.rows[i].values) t += std::isfinite(v) && v > 0 ? v : 0;
    notes.push_back(c.rows[i].note.empty() ? FormatValue(t, c.x.unit) : c.rows[i].note);
    longest_note = std::max(longest_note, Utf8Length(notes.back()));
  }
  const double note_width = 6.4 * static_cast<double>(longest_note) + 14;

  std::vector<std::pair<std::string, std::size_t>> items;
  for (std::size_t s = 0; s < c.segments.size(); ++s) items.emplace_back(c.segments[s], s);
  double legend_bottom = 0;
  const std::string legend = Legend(items, {}, true, legend_bottom);
  const double top = legend_bottom + 12 + (c.refs.empty() ? 0 : 14);

  std::vector<double> totals;
  for (const auto& r : c.rows) {
    double t = 0;
    for (const double v : r.values) t += std::isfinite(v) && v > 0 ? v : 0;
    totals.push_back(t);
  }
  std::vector<double> extent = totals;
  for (const ReferenceLine& ref : c.refs) extent.push_back(ref.y);
  double xlo, xhi;
  DataRange(c.x, extent, xlo, xhi);
  const std::vector<Tick> xt = AxisTicks(c.x, xlo, xhi, 0);

  // Rows and group headings, top to bottom.
  double y = top;
  std::vector<double> row_y(c.rows.size());
  std::vector<std::pair<double, std::string>> headings;
  std::string group;
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    if (!c.rows[i].group.empty() && (i == 0 || c.rows[i].group != group)) {
      headings.emplace_back(y + 15, c.rows[i].group);
      y += kGroupHeight;
    }
    group = c.rows[i].group;
    row_y[i] = y;
    y += kRowHeight;
  }
  const double plot_bottom = y + 4;
  const double height = plot_bottom + kBottom;
  Mapper mx{xlo, xhi, left, std::max(kWidth - kRight - note_width, left + 200), false};

  std::string out = SvgOpen(c.id, c.title, height);
  out += legend;
  out += "<g class=\"axes\">";
  for (const Tick& t : xt) {
    const double px = mx.Map(t.v);
    out += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", Num(px),
                       Num(top), Num(px), Num(plot_bottom));
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       Num(px), Num(plot_bottom + 16), Escape(t.label));
  }
  out += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", Num(left),
                     Num(plot_bottom), Num(mx.p1), Num(plot_bottom));
  out += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                     Num((mx.p0 + mx.p1) / 2), Num(plot_bottom + 38), Escape(c.x.label));
  for (const auto& [hy, text] : headings) {
    out += fmt::format("<text class=\"group\" x=\"8\" y=\"{}\">{}</text>", Num(hy), Escape(text));
  }
  // Shortened labels; when two different labels of one group shorten alike, every row is
  // numbered so the bars stay told apart (the full label is in each row's tooltip).
  std::vector<std::string> shown;
  for (const auto& r : c.rows) shown.push_back(ShortenMiddle(r.label, max_chars));
  bool clash = false;
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      clash |= c.rows[i].group == c.rows[j].group && shown[i] == shown[j] &&
               c.rows[i].label != c.rows[j].label;
    }
  }
  if (clash) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
      k = i > 0 && c.rows[i].group == c.rows[i - 1].group ? k + 1 : 1;
      shown[i] = ShortenMiddle(fmt::format("{}. {}", k, c.rows[i].label), max_chars);
    }
  }
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const std::string& label = shown[i];
    out += fmt::format(
        "<text class=\"rowlabel\" x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}"
        "</text>",
        Num(left - 6), Num(row_y[i] + 15), Escape(c.rows[i].label), Escape(label));
  }
  out += "</g><g class=\"marks\">";
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const auto& r = c.rows[i];
    double acc = 0;
    for (std::size_t s = 0; s < r.values.size() && s < c.segments.size(); ++s) {
      const double v = r.values[s];
      if (!std::isfinite(v) || v <= 0) continue;
      const double x0 = mx.Map(acc), x1 = mx.Map(acc + v);
      acc += v;
      const std::string share =
          totals[i] > 0 ? fmt::format(" ({:.1f}%)", 100 * v / totals[i]) : std::string();
      out += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title>"
          "</rect>",
          Num(x0), Num(row_y[i] + 4), Num(std::max(x1 - x0, 0.5)), Num(kBarHeight),
          PaletteColor(s),
          Escape((r.group.empty() ? "" : r.group + " \xC2\xB7 ") + r.label + "\n" +
                 (s < r.titles.size() && !r.titles[s].empty()
                      ? r.titles[s]
                      : c.segments[s] + ": " + FormatValue(v, c.x.unit) + share)));
    }
    out += fmt::format("<text class=\"note\" x=\"{}\" y=\"{}\">{}</text>",
                       Num(mx.p1 + 8), Num(row_y[i] + 15), Escape(notes[i]));
  }
  for (const ReferenceLine& ref : c.refs) {
    const double px = mx.Map(ref.y);
    out += fmt::format(
        "<g class=\"ref\"><title>{}</title><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
        Escape(ref.label + ": " + FormatValue(ref.y, c.x.unit)), Num(px), Num(top - 4), Num(px),
        Num(plot_bottom), Num(px), Num(top - 8), Escape(ref.label));
  }
  out += "</g></svg>";
  return out;
}

std::string RenderScatterChart(const ScatterChart& c) {
  std::vector<double> xs, ys;
  for (const ScatterPoint& p : c.points) {
    xs.push_back(p.x);
    ys.push_back(p.y);
  }
  double xlo, xhi, ylo, yhi;
  DataRange(c.x, xs, xlo, xhi);
  DataRange(c.y, ys, ylo, yhi);
  // Room around the points so labels and rings stay inside.
  if (c.x.scale == Scale::kLinear && !c.x.max) xhi += (xhi - xlo) * 0.06;
  if (c.y.scale == Scale::kLinear && !c.y.max) yhi += (yhi - ylo) * 0.06;
  const std::vector<Tick> xt = AxisTicks(c.x, xlo, xhi, 0);
  const std::vector<Tick> yt = AxisTicks(c.y, ylo, yhi, 0);
  double legend_bottom = 0;
  const std::string legend = Legend(c.legend, {}, true, legend_bottom);
  const double top = legend_bottom + 12;
  const double height = top + kPlotHeight + 40 + kBottom;
  Mapper mx{xlo, xhi, kLeft, kWidth - kRight, c.x.scale == Scale::kLog};
  Mapper my{ylo, yhi, top + kPlotHeight + 40, top, c.y.scale == Scale::kLog};

  std::string out = SvgOpen(c.id, c.title, height);
  out += legend;
  out += Axes(mx, my, xt, yt, c.x, c.y);
  out += "<g class=\"marks\">";
  if (c.frontier.size() >= 2) {
    std::string d;
    for (std::size_t k = 0; k < c.frontier.size(); ++k) {
      const ScatterPoint& p = c.points[c.frontier[k]];
      const double px = mx.Map(p.x), py = my.Map(p.y);
      d += k == 0 ? "M" + Num(px) + " " + Num(py) : "H" + Num(px) + "V" + Num(py);
    }
    out += "<path class=\"frontier\" d=\"" + d +
           "\"><title>Pareto frontier: no other point is both cheaper and faster</title></path>";
  }
  struct Box {
    double x, y, w;
  };
  std::vector<Box> placed;
  for (const ScatterPoint& p : c.points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const double px = mx.Map(p.x), py = my.Map(p.y);
    const std::string_view color = PaletteColor(p.color);
    out += "<g class=\"point\"><title>" + Escape(p.title.empty() ? p.label : p.title) + "</title>";
    if (p.emphasis) {
      out += fmt::format(
          "<circle cx=\"{}\" cy=\"{}\" r=\"9\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
          Num(px), Num(py), color);
    }
    out += p.hollow ? fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"#fff\" "
                                  "stroke=\"{}\" stroke-width=\"1.5\"/>",
                                  Num(px), Num(py), color)
                    : fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\"/>", Num(px),
                                  Num(py), color);
    if (p.show_label && !p.label.empty()) {
      // Beside the point, on the side with room, moved down in steps until it overlaps no
      // label placed before it (policies with equal bills sit on one vertical line).
      // Right of the point, else left; nudged up or down a line at most once each way to
      // avoid labels already placed; dropped when there is no room (the legend and the
      // tooltip still name the point).
      const double w = kCharWidth * static_cast<double>(Utf8Length(p.label));
      for (const double x0 : {px + 9, px - 9 - w}) {
        if (x0 < 2 || x0 + w > kWidth - 2) continue;
        bool placed_here = false;
        for (const double ly : {py - 7, py + 16, py - 21}) {
          if (ly < top + 10 || ly > my.p0 - 2) continue;
          bool clash = false;
          for (const Box& b : placed) {
            if (ly > b.y - 13 && ly < b.y + 13 && x0 < b.x + b.w && b.x < x0 + w) clash = true;
          }
          if (clash) continue;
          placed.push_back({x0, ly, w});
          out += fmt::format("<text x=\"{}\" y=\"{}\" style=\"fill:{}\">{}</text>", Num(x0),
                             Num(ly), color, Escape(p.label));
          placed_here = true;
          break;
        }
        if (placed_here) break;
      }
    }
    out += "</g>";
  }
  out += "</g></svg>";
  return out;
}

}  // namespace burnrate::chart
