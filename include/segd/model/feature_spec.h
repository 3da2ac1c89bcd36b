// Which features describe a customer, and how each is transformed and weighted. Value types;
// not synchronised. Part of a model: a model is always applied with the spec it was fitted with.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/state/customer_state.h"

namespace segd {

enum class FeatureKind : uint8_t {
  kRecencyDays = 0,   // days from the last live order to the watermark
  kFrequency,         // live orders
  kMonetaryTotal,     // total amount of live orders
  kMonetaryMean,      // mean amount per live order
  kMeanReview,        // mean review score (missing_review when the customer has none)
  kMeanItems,         // items per live order
  kMeanInstallments,  // installments per live order
};

enum class FeatureTransform : uint8_t { kNone = 0, kLog1p };

struct FeatureDef {
  FeatureKind kind = FeatureKind::kRecencyDays;
  FeatureTransform transform = FeatureTransform::kNone;
  double clip_min = -std::numeric_limits<double>::infinity();  // applied after the transform
  double clip_max = std::numeric_limits<double>::infinity();
  double weight = 1.0;  // multiplies the standardised value
};

struct FeatureSpec {
  std::vector<FeatureDef> features;
  double missing_review = 4.0;  // imputed mean review for customers without reviews

  // The Olist study's features: recency, log1p(frequency), log1p(total monetary).
  static FeatureSpec Default();
};

// Stable names: "recency_days", "frequency", "monetary_total", "monetary_mean", "mean_review",
// "mean_items", "mean_installments"; "none", "log1p".
const char* FeatureKindName(FeatureKind kind);
const char* FeatureTransformName(FeatureTransform transform);
[[nodiscard]] StatusOr<FeatureKind> ParseFeatureKind(const std::string& name);
[[nodiscard]] StatusOr<FeatureTransform> ParseFeatureTransform(const std::string& name);

// The value of one feature in original units (before transform), for reports and segment names.
double RawFeature(FeatureKind kind, const CustomerState& state, int64_t watermark_ms,
                  double missing_review);

// Fills out[0..spec.features.size()) with transformed, clipped (unscaled, unweighted) values.
// Returns false for a customer outside the population (no live orders); `out` is then unset.
bool ExtractFeatures(const FeatureSpec& spec, const CustomerState& state, int64_t watermark_ms,
                     double* out);

}  // namespace segd
