#include "segd/model/feature_spec.h"

#include <algorithm>
#include <cmath>

#include "segd/event/event_time.h"

namespace segd {

FeatureSpec FeatureSpec::Default() {
  FeatureSpec s;
  s.features = {{.kind = FeatureKind::kRecencyDays},
                {.kind = FeatureKind::kFrequency, .transform = FeatureTransform::kLog1p},
                {.kind = FeatureKind::kMonetaryTotal, .transform = FeatureTransform::kLog1p}};
  return s;
}

const char* FeatureKindName(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::kRecencyDays:
      return "recency_days";
    case FeatureKind::kFrequency:
      return "frequency";
    case FeatureKind::kMonetaryTotal:
      return "monetary_total";
    case FeatureKind::kMonetaryMean:
      return "monetary_mean";
    case FeatureKind::kMeanReview:
      return "mean_review";
    case FeatureKind::kMeanItems:
      return "mean_items";
    case FeatureKind::kMeanInstallments:
      return "mean_installments";
  }
  return "unknown";
}

const char* FeatureTransformName(FeatureTransform t) {
  return t == FeatureTransform::kLog1p ? "log1p" : "none";
}

StatusOr<FeatureKind> ParseFeatureKind(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(FeatureKind::kMeanInstallments); ++i) {
    if (name == FeatureKindName(FeatureKind(i))) return FeatureKind(i);
  }
  return InvalidArgument("unknown feature '" + name +
                         "' (recency_days | frequency | monetary_total | monetary_mean | "
                         "mean_review | mean_items | mean_installments)");
}

StatusOr<FeatureTransform> ParseFeatureTransform(const std::string& name) {
  if (name == "none") return FeatureTransform::kNone;
  if (name == "log1p") return FeatureTransform::kLog1p;
  return InvalidArgument("unknown transform '" + name + "' (none | log1p)");
}

double RawFeature(FeatureKind kind, const CustomerState& s, int64_t watermark_ms,
                  double missing_review) {
  const double orders = s.order_count;
  switch (kind) {
    case FeatureKind::kRecencyDays:
      return std::max<double>(0.0, double(watermark_ms - s.last_order_ms) / kMillisPerDay);
    case FeatureKind::kFrequency:
      return orders;
    case FeatureKind::kMonetaryTotal:
      return std::max(0.0, s.total_amount);
    case FeatureKind::kMonetaryMean:
      return std::max(0.0, s.total_amount) / orders;
    case FeatureKind::kMeanReview:
      return s.review_count ? double(s.review_score_sum) / s.review_count : missing_review;
    case FeatureKind::kMeanItems:
      return double(s.item_sum) / orders;
    case FeatureKind::kMeanInstallments:
      return double(s.installment_sum) / orders;
  }
  return 0.0;
}

bool ExtractFeatures(const FeatureSpec& spec, const CustomerState& s, int64_t watermark_ms,
                     double* out) {
  if (s.order_count == 0) return false;
  for (size_t i = 0; i < spec.features.size(); ++i) {
    const FeatureDef& f = spec.features[i];
    double v = RawFeature(f.kind, s, watermark_ms, spec.missing_review);
    if (f.transform == FeatureTransform::kLog1p) v = std::log1p(v);
    out[i] = std::clamp(v, f.clip_min, f.clip_max);
  }
  return true;
}

}  // namespace segd
