// What one segd instance tells the others about its share of the live model: the contributions
// (decayed sums and weights per centre, see LiveStatistics) of the partitions it owns. Value
// type; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/live_statistics.h"

namespace segd {

// The kind line of a live record on the control topic.
inline constexpr std::string_view kLiveRecordKind = "segd-live 1";

struct LiveRecord {
  uint64_t baseline_version = 0;                // every contribution is of this baseline
  uint64_t baseline_fingerprint = 0;            // LiveBaselineFingerprint of it
  int64_t sent_ms = 0;                          // wall-clock time of publication
  int k = 0, d = 0;                             // shape of every contribution
  std::vector<LiveContribution> contributions;  // one per partition, each partition once
  bool operator==(const LiveRecord&) const = default;
};

// A line-oriented text form: "segd-live 1", then `baseline=`, `fingerprint=` (16 hex digits),
// `sent_ms=`, `k=`, `d=`, then per
// partition a `partition=topic/N` line followed by its `since_ms=`, `time_ms=`, `weights=` (k
// values) and `sums=` (k x d values, row by row). Doubles are written in hexadecimal
// floating point ("1.8p+1"), so they cross exactly. Topics must not contain newlines or spaces.
std::string EncodeLiveRecord(const LiveRecord& record);
// Rejects a record with a missing or malformed field, a shape outside 1..1024, a count of values
// that does not match it, a weight below 0, a value that is not finite, or a partition twice.
// Unknown keys (from a newer version) are ignored.
[[nodiscard]] StatusOr<LiveRecord> DecodeLiveRecord(std::string_view text);

}  // namespace segd
