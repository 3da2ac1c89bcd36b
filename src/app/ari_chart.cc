#include "app/ari_chart.h"

#include <algorithm>
#include <vector>

#include "segd/event/event_time.h"

namespace segd {
namespace {

// First days of months in (from, to], every 1, 2, 3, 6 or 12 months: at most one per 70 px.
std::vector<int64_t> MonthTicks(int64_t from, int64_t to) {
  const std::string first = FormatDay(from);
  int64_t year = std::stoi(first.substr(0, 4));
  unsigned month = unsigned(std::stoi(first.substr(5, 2)));
  const double months = double(to - from) / (30.44 * kMillisPerDay);
  int every = 12;
  for (int m : {1, 2, 3, 6}) {
    if (months / m <= AriChart::kPlotW / 70) {
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

}  // namespace

AriChart::AriChart(int64_t from_ms, int64_t to_ms, double lowest)
    : from_(from_ms), to_(std::max(to_ms, from_ms + 1)), low_(lowest) {
  Add("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  Raw("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
}

void AriChart::DrawAxes(const std::string& title) {
  Add("<text x=\"%.0f\" y=\"24\" font-size=\"15\">%s</text>\n", kLeft, title.c_str());
  for (int i = 0; i <= 10; ++i) {
    const double v = low() + (1.0 - low()) * i / 10.0, y = Y(v);
    Add("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n", kLeft, right(),
        y, y);
    Add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", kLeft - 6, y + 4, v);
  }
  for (int64_t t : MonthTicks(from(), to())) {
    Add("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n", X(t), X(t),
        kTop, bottom());
    Add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", X(t), bottom() + 16,
        FormatDay(t).substr(0, 7).c_str());
  }
  Add("<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" text-anchor=\"middle\">"
      "adjusted Rand index</text>\n",
      kTop + kPlotH / 2, kTop + kPlotH / 2);
  Add("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
      "stroke=\"#999\"/>\n",
      kLeft, kTop, kPlotW, kPlotH);
}

void AriChart::DrawLevels(double threshold, double critical) {
  struct Level {
    double value;
    const char* color;
    const char* name;
  };
  for (const Level& l :
       {Level{threshold, "#e69f00", "retrain threshold"}, Level{critical, "#d55e00", "critical"}}) {
    if (l.value < low() || l.value > 1.0) continue;
    Add("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
        kLeft, right(), Y(l.value), Y(l.value), l.color);
    Add("<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" text-anchor=\"end\">%s %.2f</text>\n", right() - 4,
        Y(l.value) - 4, l.color, l.name, l.value);
  }
}

void AriChart::LegendLine(double y, const char* color, double width, const char* name) {
  Add("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
      "stroke-width=\"%.1f\"/>\n",
      right() + 6, right() + 26, y, y, color, width);
  Add("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", right() + 30, y + 4, name);
}

}  // namespace segd
