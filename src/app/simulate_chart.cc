#include "app/simulate_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/ari_chart.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

constexpr double kLeft = AriChart::kLeft, kTop = AriChart::kTop, kHeight = AriChart::kHeight;
constexpr const char* kRefitColor = "#0072b2";
constexpr const char* kOnlineColor = "#009e73";
using Chart = AriChart;

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
    c.LegendLine(y, e.color, e.width, e.name);
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
  c.DrawAxes("ARI of M0 (fitted " + FormatDay(r.start_ms) +
             ") against Mi on the population at each step");
  c.DrawLevels(threshold, critical);
  DrawCurves(r, c);
  DrawRetrainPoints(r, threshold, c);
  DrawLegend(r, c);
  return c.Finish();
}

}  // namespace segd
