#include "segd/model/segment_namer.h"

#include <algorithm>

namespace segd {
namespace {

std::string Word(FeatureKind kind, double value, double median) {
  const bool above = value > median;
  switch (kind) {
    case FeatureKind::kRecencyDays:
      return above ? "lapsed" : "recent";
    case FeatureKind::kFrequency:
      return value <= 1.5 ? "one-time" : "repeat";
    case FeatureKind::kMonetaryTotal:
    case FeatureKind::kMonetaryMean:
      return above ? "high spend" : "low spend";
    case FeatureKind::kMeanReview:
      return above ? "satisfied" : "dissatisfied";
    case FeatureKind::kMeanItems:
      return above ? "large baskets" : "small baskets";
    case FeatureKind::kMeanInstallments:
      return above ? "many installments" : "few installments";
  }
  return "";
}

}  // namespace

std::string NameSegment(const FeatureSpec& spec, const std::vector<double>& centroid,
                        const std::vector<double>& medians) {
  std::string name;
  for (size_t i = 0; i < spec.features.size(); ++i) {
    if (spec.features[i].weight == 0) continue;
    if (!name.empty()) name += ", ";
    name += Word(spec.features[i].kind, centroid[i], medians[i]);
  }
  return name;
}

std::vector<double> ColumnMedians(const std::vector<std::vector<double>>& rows) {
  if (rows.empty()) return {};
  std::vector<double> medians(rows[0].size());
  std::vector<double> column(rows.size());
  for (size_t j = 0; j < medians.size(); ++j) {
    for (size_t i = 0; i < rows.size(); ++i) column[i] = rows[i][j];
    const auto mid = column.begin() + static_cast<long>(column.size() / 2);
    std::nth_element(column.begin(), mid, column.end());
    medians[j] = *mid;
  }
  return medians;
}

}  // namespace segd
