// The machine-readable results of one benchmark executable: rows of (case, metric, unit,
// median/min/max over runs), written as JSON for tools/bench.sh, which merges every
// executable's file into bench/results/results.{json,csv}. Not synchronised.
#pragma once

#include <string>
#include <vector>

#include "common/run_summary.h"

namespace segd::bench {

class BenchReport {
 public:
  explicit BenchReport(std::string benchmark) : benchmark_(std::move(benchmark)) {}

  // One figure measured in every run; `note` says how it was measured (path, sizes, tool).
  void Add(const std::string& case_name, const std::string& metric, const std::string& unit,
           const std::vector<double>& runs, const std::string& note = "");
  // A figure measured once (deterministic, e.g. instruction counts or an exact value).
  void AddValue(const std::string& case_name, const std::string& metric, const std::string& unit,
                double value, const std::string& note = "");

  // Writes the rows to `path` as a JSON array; does nothing when `path` is empty. Returns false
  // if the file could not be written.
  bool WriteJson(const std::string& path) const;

 private:
  struct Row {
    std::string case_name, metric, unit, note;
    RunSummary summary;
  };
  std::string benchmark_;
  std::vector<Row> rows_;
};

}  // namespace segd::bench
