// The event history `segd simulate` replays: a JSONL file of contract events, the Kaggle Olist
// CSV files, or the built-in Olist-like generator, turned into keyed contract JSON in
// event-time order. Pure functions of their inputs; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/replay/olist_generator.h"

namespace segd {

// One message of the history: its Kafka key (the subject; empty: sent without a key, as
// segd-replay does for a line that has none), its contract JSON, and its event time.
struct TimedEvent {
  int64_t time_ms = 0;
  std::string key;
  std::string json;
};

// Where the history comes from: exactly one of the three.
struct HistorySource {
  std::string jsonl_path;  // one contract event per line, in event-time order
  std::string olist_dir;   // olist_*_dataset.csv (Kaggle layout)
  std::optional<GeneratorOptions> generator;
};

// Loads the history in event-time order. A JSONL line the decoder rejects keeps its place (the
// pipeline dead-letters it, as the daemon would) and takes the time of the line before it; a
// line earlier than the one before it is an error, since the study cuts the history by time.
[[nodiscard]] StatusOr<std::vector<TimedEvent>> LoadHistory(const HistorySource& source);

}  // namespace segd
