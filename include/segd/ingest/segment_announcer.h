// Decides when a customer's segment changed and records the change: the customer's mark
// (CustomerRecord::announced, written with the record) and a customer.segment.changed.v1 event
// for its source partition, kept until the pipeline takes them for the commit that stores the
// mark. Owned by the consumer thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "segd/ingest/segment_change.h"
#include "segd/model/baseline_model.h"
#include "segd/model/live_segmentation.h"
#include "segd/state/customer_record.h"

namespace segd {

class SegmentAnnouncer {
 public:
  // `source`: the events' CloudEvents source, e.g. "/segd/<group id>".
  explicit SegmentAnnouncer(std::string source) : source_(std::move(source)) {}

  // After event `event_id` (time `event_time_ms`, of source partition `partition`) changed the
  // customer: its segment under the live model, features at `watermark_ms`. A segment other than
  // the announced one is a change. Returns whether there was one. No-op without a baseline or
  // for a customer outside the population (no live orders).
  bool OnEvent(std::string_view customer_id, CustomerRecord* record, const LiveSegmentation& live,
               int64_t watermark_ms, int64_t event_time_ms, std::string_view event_id,
               int32_t partition);

  // A new baseline: the customer's segment under `baseline` at `watermark_ms` if it differs
  // from the announced one, else -1. Customers already announced under this baseline's version
  // (or a later one) are left alone (-1).
  int RelabelSegment(const CustomerRecord& record, const BaselineModel& baseline,
                     int64_t watermark_ms);
  // Records the change RelabelSegment found: `segment` becomes the announced one.
  void OnRelabel(std::string_view customer_id, CustomerRecord* record, int segment,
                 const BaselineModel& baseline, int64_t watermark_ms, int32_t partition);

  // The announcements recorded since the last Take, by source partition.
  std::map<int32_t, std::vector<Announcement>> Take() { return std::exchange(pending_, {}); }

  // Changes recorded since the last TakeCounts, by cause (SegmentChangeCause as index).
  std::array<uint64_t, 2> TakeCounts() { return std::exchange(changes_, {}); }

 private:
  // The customer's segment among `centroids` (the baseline's scaled space), or -1.
  int Label(const BaselineModel& baseline, const RowMatrix& centroids, const CustomerState& state,
            int64_t watermark_ms);
  void Record(CustomerSegmentChange change, CustomerRecord* record, const BaselineModel& baseline,
              int32_t partition);

  std::string source_;
  std::map<int32_t, std::vector<Announcement>> pending_;
  std::array<uint64_t, 2> changes_{};
  std::vector<double> row_;
};

}  // namespace segd
