#include "segd/ingest/segment_announcer.h"

#include "segd/model/nearest_centroid.h"

namespace segd {

int SegmentAnnouncer::Label(const BaselineModel& baseline, const RowMatrix& centroids,
                            const CustomerState& state, int64_t watermark_ms) {
  row_.resize(baseline.spec.features.size());
  if (!ExtractFeatures(baseline.spec, state, watermark_ms, row_.data())) return -1;
  baseline.scaler.TransformRow(row_.data());
  return NearestCentroid(centroids, row_.data());
}

bool SegmentAnnouncer::OnEvent(std::string_view customer_id, CustomerRecord* record,
                               const LiveSegmentation& live, int64_t watermark_ms,
                               int64_t event_time_ms, std::string_view event_id,
                               int32_t partition) {
  const BaselineModel* b = live.baseline();
  if (b == nullptr) return false;
  const int segment = Label(*b, live.model().centroids(), record->state, watermark_ms);
  if (segment < 0) return false;
  if (segment == record->announced.segment) {
    record->announced.version = b->version;  // still announced; now under this baseline
    return false;
  }
  Record({.customer_id = std::string(customer_id),
          .segment = segment,
          .cause = SegmentChangeCause::kEvent,
          .baseline_version = b->version,
          .live_updates = live.model().updates(),
          .event_time_ms = event_time_ms,
          .as_of_ms = watermark_ms,
          .cause_event_id = std::string(event_id)},
         record, *b, partition);
  return true;
}

int SegmentAnnouncer::RelabelSegment(const CustomerRecord& record, const BaselineModel& baseline,
                                     int64_t watermark_ms) {
  if (record.announced.segment >= 0 && record.announced.version >= baseline.version) return -1;
  const int segment = Label(baseline, baseline.centroids, record.state, watermark_ms);
  return segment == record.announced.segment ? -1 : segment;
}

void SegmentAnnouncer::OnRelabel(std::string_view customer_id, CustomerRecord* record, int segment,
                                 const BaselineModel& baseline, int64_t watermark_ms,
                                 int32_t partition) {
  Record({.customer_id = std::string(customer_id),
          .segment = segment,
          .cause = SegmentChangeCause::kRelabel,
          .baseline_version = baseline.version,
          .event_time_ms = watermark_ms,
          .as_of_ms = watermark_ms},
         record, baseline, partition);
}

void SegmentAnnouncer::Record(CustomerSegmentChange change, CustomerRecord* record,
                              const BaselineModel& baseline, int32_t partition) {
  // Segment ids are stable across baselines (matched by the Hungarian method), so the previous
  // one is named as this baseline names it.
  change.previous = record->announced.segment;
  if (change.previous >= 0 && size_t(change.previous) < baseline.names.size()) {
    change.previous_name = baseline.names[change.previous];
  }
  change.segment_name = baseline.names[change.segment];
  for (const FeatureDef& f : baseline.spec.features) {
    change.features.emplace_back(
        FeatureKindName(f.kind),
        RawFeature(f.kind, record->state, change.as_of_ms, baseline.spec.missing_review));
  }
  record->announced = {.segment = change.segment, .version = baseline.version};
  ++changes_[static_cast<size_t>(change.cause)];
  pending_[partition].push_back(EncodeSegmentChange(change, source_));
}

}  // namespace segd
