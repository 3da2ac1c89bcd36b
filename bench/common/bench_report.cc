#include "common/bench_report.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace segd::bench {
namespace {

// JSON has no NaN: a figure that could not be measured (reference tool missing) is null.
nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; }

}  // namespace

void BenchReport::Add(const std::string& case_name, const std::string& metric,
                      const std::string& unit, const std::vector<double>& runs,
                      const std::string& note) {
  if (runs.empty()) return;
  rows_.push_back({case_name, metric, unit, note, RunSummary::Of(runs)});
}

void BenchReport::AddValue(const std::string& case_name, const std::string& metric,
                           const std::string& unit, double value, const std::string& note) {
  Add(case_name, metric, unit, {value}, note);
}

bool BenchReport::WriteJson(const std::string& path) const {
  if (path.empty()) return true;
  nlohmann::json rows = nlohmann::json::array();
  for (const Row& r : rows_) {
    nlohmann::json runs = nlohmann::json::array();
    for (double v : r.summary.runs) runs.push_back(Number(v));
    rows.push_back({{"benchmark", benchmark_},
                    {"case", r.case_name},
                    {"metric", r.metric},
                    {"unit", r.unit},
                    {"median", Number(r.summary.median)},
                    {"min", Number(r.summary.min)},
                    {"max", Number(r.summary.max)},
                    {"runs", runs},
                    {"note", r.note}});
  }
  std::ofstream f(path);
  f << rows.dump(1) << "\n";
  return bool(f);
}

}  // namespace segd::bench
