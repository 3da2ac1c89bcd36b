// The canvas of segd's ARI charts (`segd simulate` and the drift history): a self-contained SVG
// of ARI over time, with the same size, axes, month ticks and threshold lines for both. Not
// thread-safe; one per chart.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace segd {

class AriChart {
 public:
  static constexpr double kWidth = 920, kHeight = 400;
  static constexpr double kLeft = 56, kRight = 190, kTop = 44, kBottom = 58;
  static constexpr double kPlotW = kWidth - kLeft - kRight;
  static constexpr double kPlotH = kHeight - kTop - kBottom;

  // Times from_ms..to_ms across, ARI `lowest`..1 up; starts the SVG document.
  AriChart(int64_t from_ms, int64_t to_ms, double lowest);

  double X(int64_t t) const { return kLeft + kPlotW * double(t - from_) / double(to_ - from_); }
  double Y(double v) const { return kTop + kPlotH * (1.0 - (v - low_) / (1.0 - low_)); }
  int64_t from() const { return from_; }
  int64_t to() const { return to_; }
  double low() const { return low_; }
  double right() const { return kLeft + kPlotW; }
  double bottom() const { return kTop + kPlotH; }

  // `title` (SVG text, already escaped) above; grid every tenth of the ARI range; month ticks.
  void DrawAxes(const std::string& title);
  // Dashed lines at the retrain threshold and the critical level.
  void DrawLevels(double threshold, double critical);
  // A legend line at height `y` right of the plot.
  void LegendLine(double y, const char* color, double width, const char* name);

  void Add(const char* fmt, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), fmt, args...);
    svg_ += buf;
  }
  void Raw(const std::string& text) { svg_ += text; }
  std::string Finish() { return svg_ + "</svg>\n"; }

 private:
  int64_t from_, to_;
  double low_;
  std::string svg_;
};

}  // namespace segd
