#include "app/drift_chart.h"

#include <algorithm>
#include <cmath>

#include "app/ari_chart.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

constexpr const char* kRefitColor = "#0072b2";
constexpr const char* kOnlineColor = "#009e73";

void DrawBaselineChanges(const std::vector<DriftRecord>& records, AriChart& c) {
  for (size_t i = 1; i < records.size(); ++i) {
    if (records[i].baseline_version == records[i - 1].baseline_version) continue;
    const double x = c.X(records[i].as_of_ms);
    c.Add(
        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" "
        "stroke-dasharray=\"2 3\"/>\n",
        x, x, AriChart::kTop, c.bottom());
    c.Add("<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">v%llu</text>\n", x + 3, AriChart::kTop + 12,
          static_cast<unsigned long long>(records[i].baseline_version));
  }
}

void DrawCurves(const std::vector<DriftRecord>& records, AriChart& c) {
  std::string online, refit;
  char buf[64];
  for (const DriftRecord& r : records) {
    std::snprintf(buf, sizeof(buf), " %.1f,%.1f", c.X(r.as_of_ms), c.Y(r.ari_online));
    online += buf;
    if (!r.ari_refit) continue;
    std::snprintf(buf, sizeof(buf), " %.1f,%.1f", c.X(r.as_of_ms), c.Y(*r.ari_refit));
    refit += buf;
    c.Add("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", c.X(r.as_of_ms),
          c.Y(*r.ari_refit), kRefitColor);
  }
  for (auto [points, color] : {std::pair{&refit, kRefitColor}, std::pair{&online, kOnlineColor}}) {
    if (points->empty()) continue;
    c.Raw(std::string("<polyline fill=\"none\" stroke=\"") + color +
          "\" stroke-width=\"2.5\" points=\"" + points->substr(1) + "\"/>\n");
  }
}

// A circle at each evaluation where the policy started recommending a retrain.
void DrawRecommendations(const std::vector<DriftRecord>& records, AriChart& c) {
  for (size_t i = 0; i < records.size(); ++i) {
    const DriftRecord& r = records[i];
    const bool before = i > 0 && records[i - 1].policy.recommended &&
                        records[i - 1].baseline_version == r.baseline_version;
    if (!r.policy.recommended || before) continue;
    const double ari = r.method == "refit" && r.ari_refit ? *r.ari_refit : r.ari_online;
    c.Add(
        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#555\" "
        "stroke-width=\"2\"><title>retrain recommended %s (ARI %.3f)</title></circle>\n",
        c.X(r.as_of_ms), c.Y(ari), FormatDay(r.as_of_ms).c_str(), ari);
  }
}

}  // namespace

std::string DriftHistorySvg(const std::vector<DriftRecord>& records, double threshold,
                            double critical) {
  double lowest = std::min(0.0, critical);
  for (const DriftRecord& r : records) {
    lowest = std::min({lowest, r.ari_online, r.ari_refit.value_or(1.0)});
  }
  const int64_t from = records.empty() ? 0 : records.front().as_of_ms;
  const int64_t to = records.empty() ? kMillisPerDay : records.back().as_of_ms;
  AriChart c(from, to, std::floor(lowest * 10) / 10);
  c.DrawAxes(records.empty() ? std::string("No drift evaluation yet")
                             : "ARI of the baseline against the live model and refits, " +
                                   FormatDay(from) + " to " + FormatDay(to) + " (event time)");
  c.DrawLevels(threshold, critical);
  DrawBaselineChanges(records, c);
  DrawCurves(records, c);
  DrawRecommendations(records, c);
  double y = AriChart::kTop + 8;
  c.LegendLine(y, kOnlineColor, 2.5, "online (live model)");
  c.LegendLine(y += 18, kRefitColor, 2.5, "refit");
  c.Add(
      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\" stroke=\"#555\" "
      "stroke-width=\"2\"/>\n",
      c.right() + 16, y += 18);
  c.Add("<text x=\"%.1f\" y=\"%.1f\">retrain recommended</text>\n", c.right() + 30, y + 4);
  return c.Finish();
}

}  // namespace segd
