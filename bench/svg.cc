#include "bench/svg.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cifarbench {
namespace {

constexpr double kWidth = 720, kHeight = 440;
constexpr double kLeft = 70, kRight = 250, kTop = 40, kBottom = 50;  // margins; legend right
constexpr size_t kLegendChars = 36;  // longer legend labels are shortened with an ellipsis
const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Padded by 5% (and widened when empty or flat) so that points sit inside the frame.
  void Pad() {
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
    const double d = 0.05 * (hi - lo);
    lo -= d;
    hi += d;
  }
};

// A "nice" tick step for a range: 1, 2 or 5 times a power of ten, about 5 ticks.
double TickStep(double span) {
  const double raw = span / 5;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

class Plot {
 public:
  Plot(std::string title, std::string xlabel, std::string ylabel, Range x, Range y)
      : x_(x), y_(y) {
    x_.Pad();
    y_.Pad();
    absl::StrAppendFormat(&out_,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                          "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                          "font-size=\"12\">\n",
                          kWidth, kHeight, kWidth, kHeight);
    absl::StrAppendFormat(&out_, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    absl::StrAppendFormat(&out_,
                          "<text x=\"%.1f\" y=\"22\" font-size=\"15\" "
                          "text-anchor=\"middle\">%s</text>\n",
                          kLeft + PlotWidth() / 2, Escape(title));
    // Frame, ticks, grid, labels.
    absl::StrAppendFormat(&out_,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"none\" stroke=\"black\"/>\n",
                          kLeft, kTop, PlotWidth(), PlotHeight());
    const double xs = TickStep(x_.hi - x_.lo), ys = TickStep(y_.hi - y_.lo);
    for (double t = std::ceil(x_.lo / xs) * xs; t <= x_.hi; t += xs) {
      absl::StrAppendFormat(&out_,
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" "
                            "text-anchor=\"middle\">%s</text>\n",
                            X(t), kTop, X(t), kTop + PlotHeight(), X(t),
                            kTop + PlotHeight() + 16, Number(t, xs));
    }
    for (double t = std::ceil(y_.lo / ys) * ys; t <= y_.hi; t += ys) {
      absl::StrAppendFormat(&out_,
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" "
                            "text-anchor=\"end\">%s</text>\n",
                            kLeft, Y(t), kLeft + PlotWidth(), Y(t), kLeft - 6, Y(t) + 4,
                            Number(t, ys));
    }
    absl::StrAppendFormat(&out_,
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                          kLeft + PlotWidth() / 2, kHeight - 12, Escape(xlabel));
    absl::StrAppendFormat(&out_,
                          "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" "
                          "transform=\"rotate(-90 16 %.1f)\">%s</text>\n",
                          kTop + PlotHeight() / 2, kTop + PlotHeight() / 2, Escape(ylabel));
  }

  double X(double v) const { return kLeft + (v - x_.lo) / (x_.hi - x_.lo) * PlotWidth(); }
  double Y(double v) const { return kTop + (y_.hi - v) / (y_.hi - y_.lo) * PlotHeight(); }
  bool InY(double v) const { return v >= y_.lo && v <= y_.hi; }

  void Point(double x, double y, const std::string& colour) {
    absl::StrAppendFormat(&out_,
                          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" "
                          "fill-opacity=\"0.75\"/>\n",
                          X(x), Y(y), colour);
  }
  void Polyline(const std::vector<std::pair<double, double>>& pts, const std::string& colour) {
    std::string d;
    for (const auto& [x, y] : pts) absl::StrAppendFormat(&d, "%.1f,%.1f ", X(x), Y(y));
    absl::StrAppendFormat(&out_,
                          "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                          "stroke-opacity=\"0.7\" stroke-width=\"1.5\"/>\n",
                          d, colour);
  }
  void HorizontalLine(double y, const std::string& label) {
    if (!InY(y)) return;
    absl::StrAppendFormat(&out_,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"black\" stroke-dasharray=\"6,4\"/><text x=\"%.1f\" "
                          "y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                          kLeft, Y(y), kLeft + PlotWidth(), Y(y), kLeft + PlotWidth() - 4,
                          Y(y) - 4, Escape(label));
  }
  void Legend(const std::vector<std::pair<std::string, std::string>>& entries) {
    double y = kTop + 10;
    for (const auto& [full, colour] : entries) {
      const std::string label =
          full.size() > kLegendChars ? full.substr(0, kLegendChars - 3) + "..." : full;
      absl::StrAppendFormat(&out_,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                            "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                            kWidth - kRight + 15, y - 10, colour, kWidth - kRight + 32, y,
                            Escape(label));
      y += 18;
    }
  }
  std::string Finish() { return out_ + "</svg>\n"; }

 private:
  static double PlotWidth() { return kWidth - kLeft - kRight; }
  static double PlotHeight() { return kHeight - kTop - kBottom; }
  static std::string Number(double v, double step) {
    const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
    return absl::StrFormat("%.*f", decimals, v);
  }
  Range x_, y_;
  std::string out_;
};

std::string SeriesName(const std::string& label, const std::string& recipe) {
  return label.empty() ? recipe : absl::StrCat(label, ": ", recipe);
}

}  // namespace

std::string AccuracyVsTimeSvg(const std::vector<LabelledReport>& reports,
                              const std::string& time_metric) {
  const bool ttr = time_metric == "time_to_result_s";
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  std::vector<std::string> order;
  std::map<std::string, double> targets;
  Range x, y;
  for (const LabelledReport& lr : reports) {
    for (const v1::RunReport& r : lr.report->runs()) {
      if (r.status() != v1::RUN_STATUS_OK) continue;
      const std::string name = SeriesName(lr.label, r.recipe());
      if (!series.count(name)) order.push_back(name);
      const double t = ttr ? r.timings().time_to_result_s() : r.timings().train_s();
      series[name].emplace_back(t, 100 * r.headline_accuracy());
      x.Add(t);
      y.Add(100 * r.headline_accuracy());
    }
    for (const v1::Aggregate& a : lr.report->aggregates()) {
      if (a.target_accuracy() > 0) targets[a.recipe()] = 100 * a.target_accuracy();
    }
  }
  for (const auto& [recipe, t] : targets) {
    if (y.hi - y.lo < 5 || std::abs(t - y.hi) < 2) y.Add(t);  // show a nearby target
  }
  Plot plot(ttr ? "Headline accuracy against time to result (one point per run)"
                : "Headline accuracy against training time (one point per run)",
            (ttr ? "time_to_result_s" : "train_s") + std::string(" (s)"),
            "headline accuracy (%)", x, y);
  // One line per distinct target, naming its recipes (several recipes often share one).
  std::map<double, std::vector<std::string>> by_target;
  for (const auto& [recipe, t] : targets) by_target[t].push_back(recipe);
  for (const auto& [t, recipes] : by_target) {
    plot.HorizontalLine(t, recipes.size() == 1
                               ? absl::StrCat("target ", recipes[0])
                               : absl::StrFormat("target %.2f%% (%d recipes)", t, recipes.size()));
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string colour = kColours[i % (sizeof(kColours) / sizeof(kColours[0]))];
    for (const auto& [t, a] : series[order[i]]) plot.Point(t, a, colour);
    legend.emplace_back(absl::StrCat(order[i], " (", series[order[i]].size(), ")"), colour);
  }
  plot.Legend(legend);
  return plot.Finish();
}

std::string EpochCurvesSvg(const std::vector<LabelledReport>& reports) {
  struct Curve {
    std::string series;
    std::vector<std::pair<double, double>> points;
  };
  std::vector<Curve> curves;
  std::vector<std::string> order;
  Range x, y;
  for (const LabelledReport& lr : reports) {
    for (const v1::RunReport& r : lr.report->runs()) {
      Curve c;
      c.series = SeriesName(lr.label, r.recipe());
      const bool ema = r.headline().rfind("ema", 0) == 0;
      for (const v1::EpochRow& e : r.epochs()) {
        if (!e.evaluated()) continue;
        const double acc = 100 * (ema && e.ema_evaluated() ? e.ema_val_acc() : e.val_acc());
        c.points.emplace_back(e.total_train_seconds(), acc);
        x.Add(e.total_train_seconds());
        y.Add(acc);
      }
      if (c.points.empty()) continue;
      if (std::find(order.begin(), order.end(), c.series) == order.end()) order.push_back(c.series);
      curves.push_back(std::move(c));
    }
  }
  Plot plot("Validation accuracy per epoch (headline network, one line per run)",
            "training time at the end of the epoch (s)", "validation accuracy (%)", x, y);
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string colour = kColours[i % (sizeof(kColours) / sizeof(kColours[0]))];
    int n = 0;
    for (const Curve& c : curves) {
      if (c.series != order[i]) continue;
      plot.Polyline(c.points, colour);
      ++n;
    }
    legend.emplace_back(absl::StrCat(order[i], " (", n, ")"), colour);
  }
  plot.Legend(legend);
  return plot.Finish();
}

}  // namespace cifarbench
