#include "app/customer_json.h"

#include <cmath>

#include "segd/event/event_time.h"
#include "segd/model/nearest_centroid.h"

namespace segd {
namespace {

using nlohmann::json;

json Rfc3339OrNull(int64_t ms) { return ms > 0 ? json(FormatRfc3339(ms)) : json(nullptr); }

// The JSON of a number that may be NaN: null instead.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

std::optional<CustomerSegments> SegmentsOf(const CustomerState& s,
                                           const IngestPipeline::LiveSnapshot* live,
                                           int64_t watermark) {
  const BaselineModel* b = live && live->baseline ? live->baseline.get() : nullptr;
  if (b == nullptr) return std::nullopt;
  std::vector<double> row(b->spec.features.size());
  if (!ExtractFeatures(b->spec, s, watermark, row.data())) return std::nullopt;
  b->scaler.TransformRow(row.data());
  CustomerSegments out;
  double d2 = 0;
  out.baseline = NearestCentroid(b->centroids, row.data(), &d2);
  out.baseline_distance = std::sqrt(d2);
  out.live = NearestCentroid(live->centroids, row.data(), &d2);
  out.live_distance = std::sqrt(d2);
  return out;
}

json CustomerJson(const std::string& id, const CustomerState& s,
                  const IngestPipeline::LiveSnapshot* live, int64_t watermark,
                  const SegmentMark* announced) {
  json j = {{"customer_id", id},
            {"as_of", Rfc3339OrNull(watermark)},
            {"updated_at", Rfc3339OrNull(s.updated_ms)},
            {"segment", nullptr},
            {"baseline_segment", nullptr}};
  json state = {{"order_count", s.order_count},
                {"total_amount", s.total_amount},
                {"items", s.item_sum},
                {"installments", s.installment_sum},
                {"review_count", s.review_count},
                {"first_order", s.order_count ? Rfc3339OrNull(s.first_order_ms) : json(nullptr)},
                {"last_order", s.order_count ? Rfc3339OrNull(s.last_order_ms) : json(nullptr)},
                {"region", s.region}};
  j["state"] = std::move(state);
  const BaselineModel* b = live && live->baseline ? live->baseline.get() : nullptr;
  const FeatureSpec spec = b ? b->spec : FeatureSpec::Default();
  json features = json::object();
  for (const FeatureDef& f : spec.features) {
    const double v = RawFeature(f.kind, s, watermark, spec.missing_review);
    features[FeatureKindName(f.kind)] = s.order_count ? Number(v) : json(nullptr);
  }
  j["features"] = std::move(features);
  j["model"] = {{"baseline_version", b ? json(b->version) : json(nullptr)},
                {"live_updates", live ? live->updates : 0}};
  if (announced != nullptr) {
    // The last customer.segment.changed.v1 event's segment (output.segment_changes_topic).
    j["announced_segment"] = announced->segment < 0
                                 ? json(nullptr)
                                 : json{{"id", announced->segment},
                                        {"name", b && size_t(announced->segment) < b->names.size()
                                                     ? json(b->names[announced->segment])
                                                     : json(nullptr)},
                                        {"baseline_version", announced->version}};
  }
  const std::optional<CustomerSegments> seg = SegmentsOf(s, live, watermark);
  if (!seg) return j;
  j["baseline_segment"] = {{"id", seg->baseline},
                           {"name", b->names[seg->baseline]},
                           {"distance", seg->baseline_distance}};
  j["segment"] = {
      {"id", seg->live}, {"name", b->names[seg->live]}, {"distance", seg->live_distance}};
  return j;
}

}  // namespace segd
