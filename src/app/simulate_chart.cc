#include "app/simulate_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "segd/event/event_time.h"

namespace segd {
namespace {

constexpr double kWidth = 920, kHeight = 400;
constexpr double kLeft = 56, kRight = 190, kTop = 44, kBottom = 58;
constexpr const char* kRefitColor = "#0072b2";
constexpr const char* kOnlineColor = "#009e73";

// Maps times and ARI values to the plot area and writes SVG elements.
class Chart {
 public:
  Chart(int64_t from_ms, int64_t to_ms, double lowest)
      : from_(from_ms), to_(std::max(to_ms, from_ms + 1)), low_(lowest) {}

  double X(int64_t t) const { return kLeft + kPlotW * double(t - from_) / double(to_ - from_); }
  double Y(double v) const { return kTop + kPlotH * (1.0 - (v - low_) / (1.0 - low_)); }
  int64_t from() const { return from_; }
  int64_t to() const { return to_; }
  double low() const { return low_; }
  double right() const { return kLeft + kPlotW; }
  double bottom() const { return kTop + kPlotH; }

  void Add(const char* fmt, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), fmt, args...);
    svg_ += buf;
  }
  void Raw(const std::string& text) { svg_ += text; }
  std::string Finish() { return svg_ + "</svg>\n"; }

  static constexpr double kPlotW = kWidth - kLeft - kRight;
  static constexpr double kPlotH = kHeight - kTop - kBottom;

 private:
  int64_t from_, to_;
  double low_;
  std::string svg_;
};

// First days of months in (from, to], every 1, 2, 3, 6 or 12 months: at most one per 70 px.
std::vector<int64_t> MonthTicks(int64_t from, int64_t to) {
  const std::string first = FormatDay(from);
  int64_t year = std::stoi(first.substr(0, 4));
  unsigned month = unsigned(std::stoi(first.substr(5, 2)));
  const double months = double(to - from) / (30.44 * kMillisPerDay);
  int every = 12;
  for (int m : {1, 2, 3, 6}) {
    if (months / m <= Chart::kPlotW / 70) {
      every = m;
      break;
    }
  }
  std::vector<int64_t> ticks;
  for (int64_t t = from; t <= to;) {
    if (++month > 12) {
      month = 1;
      ++year;
    }
    t = DaysFromCivil(year, month, 1) * kMillisPerDay;
    if (t <= to && (month - 1) % every == 0) ticks.push_back(t);
  }
  return ticks;
}

void DrawAxes(const SimulateResult& r, Chart& c) {
  c.Add(
      "<text x=\"%.0f\" y=\"24\" font-size=\"15\">ARI of M0 (fitted %s) against Mi on the "
      "population at each step</text>\n",
      kLeft, FormatDay(r.start_ms).c_str());
  for (int i = 0; i <= 10; ++i) {
    const double v = c.low() + (1.0 - c.low()) * i / 10.0, y = c.Y(v);
    c.Add("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n", kLeft,
          c.right(), y, y);
    c.Add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", kLeft - 6, y + 4, v);
  }
  for (int64_t t : MonthTicks(c.from(), c.to())) {
    c.Add("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n", c.X(t),
          c.X(t), kTop, c.bottom());
    c.Add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", c.X(t), c.bottom() + 16,
          FormatDay(t).substr(0, 7).c_str());
  }
  c.Add(
      "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" text-anchor=\"middle\">"
      "adjusted Rand index</text>\n",
      kTop + Chart::kPlotH / 2, kTop + Chart::kPlotH / 2);
  c.Add(
      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
      "stroke=\"#999\"/>\n",
      kLeft, kTop, Chart::kPlotW, Chart::kPlotH);
}

void DrawLevels(double threshold, double critical, Chart& c) {
  struct Level {
    double value;
    const char* color;
    const char* name;
  };
  for (const Level& l :
       {Level{threshold, "#e69f00", "retrain threshold"}, Level{critical, "#d55e00", "critical"}}) {
    if (l.value < c.low() || l.value > 1.0) continue;
    c.Add(
        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
        kLeft, c.right(), c.Y(l.value), c.Y(l.value), l.color);
    c.Add("<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" text-anchor=\"end\">%s %.2f</text>\n",
          c.right() - 4, c.Y(l.value) - 4, l.color, l.name, l.value);
  }
}

// A polyline from (start, 1.0) through `ari` at steps[first..].
std::string Polyline(const SimulateResult& r, const Chart& c, int64_t start_ms, size_t first,
                     const std::vector<double>& ari) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f,%.1f", c.X(start_ms), c.Y(1.0));
  std::string points = buf;
  for (size_t i = 0; i < ari.size() && first + i < r.steps.size(); ++i) {
    std::snprintf(buf, sizeof(buf), " %.1f,%.1f", c.X(r.steps[first + i].time_ms), c.Y(ari[i]));
    points += buf;
  }
  return points;
}

void DrawCurves(const SimulateResult& r, Chart& c) {
  for (size_t j = 1; j < r.starts.size(); ++j) {  // later start dates, behind the main curves
    const StartCurve& s = r.starts[j];
    c.Raw("<polyline fill=\"none\" stroke=\"#bbb\" stroke-width=\"1\" points=\"" +
          Polyline(r, c, s.start_ms, s.first_step, s.ari) + "\"/>\n");
  }
  std::vector<double> refit, online;
  for (const SimulateStep& s : r.steps) {
    refit.push_back(s.ari_refit);
    online.push_back(s.ari_online);
  }
  for (auto [ari, color] : {std::pair{&online, kOnlineColor}, std::pair{&refit, kRefitColor}}) {
    c.Raw(std::string("<polyline fill=\"none\" stroke=\"") + color +
          "\" stroke-width=\"2.5\" points=\"" + Polyline(r, c, r.start_ms, 0, *ari) + "\"/>\n");
  }
}

// Circles where each curve first fell below the threshold; ticks at the recommended schedule.
void DrawRetrainPoints(const SimulateResult& r, double threshold, Chart& c) {
  for (const SimulateStep& s : r.steps) {
    for (auto [when, ari, color] :
         {std::tuple{r.refit_below_threshold_ms, s.ari_refit, kRefitColor},
          std::tuple{r.online_below_threshold_ms, s.ari_online, kOnlineColor}}) {
      if (!when || *when != s.time_ms) continue;
      c.Add(
          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"%s\" "
          "stroke-width=\"2\"><title>retrain due %s (ARI %.3f)</title></circle>\n",
          c.X(s.time_ms), c.Y(ari), color, FormatDay(s.time_ms).c_str(), ari);
    }
  }
  const RetrainInterval& in = r.interval;
  if (in.starts == 0 || in.censored == in.starts || in.median_days <= 0) return;
  const int64_t every = std::llround(in.median_days * kMillisPerDay);
  for (int64_t t = r.start_ms + every; t <= c.to(); t += every) {
    c.Add(
        "<path d=\"M%.1f %.1f l-5 9 h10 z\" fill=\"#555\"><title>retrain %s (every %.0f days)"
        "</title></path>\n",
        c.X(t), c.bottom() + 22, FormatDay(t).c_str(), in.median_days);
  }
  c.Add(
      "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">&#9650; recommended retraining every %.0f days "
      "(median over %d start dates, ARI refit &#8805; %.2f)</text>\n",
      kLeft, kHeight - 8, in.median_days, in.starts, threshold);
}

void DrawLegend(const SimulateResult& r, Chart& c) {
  struct Entry {
    const char* color;
    double width;
    const char* name;
  };
  double y = kTop + 8;
  for (const Entry& e : {Entry{kRefitColor, 2.5, "refit (the study)"},
                         Entry{kOnlineColor, 2.5, "online (segd's live model)"},
                         Entry{"#bbb", 1, "refit, later start dates"}}) {
    if (e.width < 2 && r.starts.size() < 2) continue;
    c.Add(
        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
        "stroke-width=\"%.1f\"/>\n",
        c.right() + 6, c.right() + 26, y, y, e.color, e.width);
    c.Add("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", c.right() + 30, y + 4, e.name);
    y += 18;
  }
  c.Add(
      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\" stroke=\"#555\" "
      "stroke-width=\"2\"/>\n",
      c.right() + 16, y);
  c.Add("<text x=\"%.1f\" y=\"%.1f\">retrain due</text>\n", c.right() + 30, y + 4);
}

}  // namespace

std::string SimulateSvg(const SimulateResult& r, double threshold, double critical) {
  double lowest = std::min(0.0, critical);  // the axis goes below 0 only for a negative ARI
  for (const SimulateStep& s : r.steps) lowest = std::min({lowest, s.ari_refit, s.ari_online});
  for (const StartCurve& s : r.starts) {
    for (double a : s.ari) lowest = std::min(lowest, a);
  }
  const int64_t to = r.steps.empty() ? r.start_ms : r.steps.back().time_ms;
  Chart c(r.start_ms, to, std::floor(lowest * 10) / 10);
  c.Add(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  c.Add("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  DrawAxes(r, c);
  DrawLevels(threshold, critical, c);
  DrawCurves(r, c);
  DrawRetrainPoints(r, threshold, c);
  DrawLegend(r, c);
  return c.Finish();
}

}  // namespace segd
