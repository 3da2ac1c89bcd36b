// The persisted drift history: every evaluation's DriftRecord, kept in the state store (meta
// blobs named "drift/<as_of>/<evaluated_at>", both as 16 hex digits; 0 for the evaluated_at of
// an event-time evaluation, so a boundary evaluated again after a crash overwrites itself), in
// as_of order, trimmed by count and by age. Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/drift/drift_record.h"
#include "segd/state/state_store.h"

namespace segd {

struct DriftHistoryOptions {
  int64_t keep = 10000;  // drift.history_keep: at most this many records (0: no limit)
  double keep_days = 0;  // drift.history_keep_days: drop records older, in event time (0: none)
};

struct DriftHistoryPage {
  std::vector<DriftRecord> records;
  std::string next_page_token;  // "" on the last page
};

class DriftHistory {
 public:
  // `store` must outlive the history.
  DriftHistory(StateStore* store, DriftHistoryOptions options);

  // Stores `r` (replacing a record with the same key), then trims.
  [[nodiscard]] Status Append(const DriftRecord& r);

  // Records with from_ms <= as_of < to_ms, in as_of order, at most `limit`, starting at
  // `page_token` (from a previous page; "" for the first). InvalidArgument for a bad token.
  [[nodiscard]] StatusOr<DriftHistoryPage> Read(int64_t from_ms, int64_t to_ms, size_t limit,
                                                const std::string& page_token) const;

  // The latest event-time record with as_of < `before_ms`, if any.
  [[nodiscard]] StatusOr<std::optional<DriftRecord>> LastEventTimeBefore(int64_t before_ms) const;

  // The name a record is stored under.
  static std::string Key(const DriftRecord& r);

 private:
  Status Trim(int64_t newest_as_of_ms);

  StateStore* store_;
  DriftHistoryOptions options_;
  mutable std::mutex mu_;
};

}  // namespace segd
