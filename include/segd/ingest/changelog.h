// The changelog: a compacted topic, partitioned like the source, that holds every changed
// customer record of every committed micro-batch and, after them, one offset marker per source
// partition the batch touched (its PartitionProgress after the batch). The state as of a marker is
// the newest record of each key before it; records after the last marker belong to a batch whose
// marker never came (a crash) and are ignored by a restore. Implementations are used by one
// thread at a time (the pipeline's commit, or the consumer thread while it restores).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "segd/common/status.h"
#include "segd/state/partition_progress.h"

namespace segd {

struct ChangelogEntry {
  int32_t partition = 0;  // the changelog partition: the source partition of the change
  std::string key;        // customer id; for a marker, kChangelogMarkerPrefix + source topic
  std::string value;      // the customer's record (state codec) or the encoded marker
  bool marker = false;    // carried in a header, never guessed from the key
  // The batch's segment-change events of this partition (EncodeAnnouncements; key
  // kChangelogAnnouncementsKey), before its marker; in a header too.
  bool announcements = false;
};

// The key of a partition's announcements entry: compaction keeps the latest.
inline constexpr std::string_view kChangelogAnnouncementsKey("\0segd.announcements", 19);

// A marker's key starts with this, so that compaction keeps the latest marker of each source
// topic in a partition.
inline constexpr std::string_view kChangelogMarkerPrefix("\0segd.marker:", 13);

// Offsets [low, high) of a changelog partition.
struct ChangelogRange {
  int64_t low = 0;
  int64_t high = 0;
};

class Changelog {
 public:
  virtual ~Changelog() = default;

  // Appends `entries` (each partition's in the given order) and waits until every one is
  // acknowledged. Returns, for each partition written, the offset just after its last entry.
  // An error means some entries may or may not be stored: the caller must not commit locally.
  [[nodiscard]] virtual StatusOr<std::map<int32_t, int64_t>> Append(
      std::span<const ChangelogEntry> entries) = 0;

  // The partition's offsets now.
  [[nodiscard]] virtual StatusOr<ChangelogRange> Range(int32_t partition) = 0;

  // Calls `fn(offset, entry)` for every entry of `partition` in [from, to), in offset order
  // (compaction may leave gaps). Stops at the first error `fn` returns.
  [[nodiscard]] virtual Status Read(int32_t partition, int64_t from, int64_t to,
                                    const std::function<Status(int64_t, ChangelogEntry&&)>& fn) = 0;
};

// A marker's value: the source partition and its progress as of the marker.
std::string EncodeChangelogMarker(const TopicPartition& tp, const PartitionProgress& progress);
[[nodiscard]] Status DecodeChangelogMarker(std::string_view value, TopicPartition* tp,
                                           PartitionProgress* progress);

// Store meta name under which a store keeps, per changelog partition, the changelog offset its
// state corresponds to (the offset after the latest marker it holds).
std::string ChangelogPositionKey(int32_t partition);

}  // namespace segd
