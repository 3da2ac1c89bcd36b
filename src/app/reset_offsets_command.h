// `segd reset-offsets`: moves the stored next offset of a topic's partitions to the broker's
// oldest or end offset, or to a given one, so that segd accepts a log that no longer matches
// its state (the topic was recreated, or events were lost to retention). Run while segd is
// stopped (it takes the store's lock). Main thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/config/segd_config.h"
#include "segd/kafka/topic_log_ranges.h"
#include "segd/state/partition_progress.h"

namespace CLI {
class App;
}  // namespace CLI

namespace segd {

struct ResetOffsetsArgs {
  std::string topic;
  std::string to;                   // earliest | latest | an offset
  std::vector<int32_t> partitions;  // empty: every partition of the topic
};

// One partition's reset: its stored progress before and after (nullopt: none stored; `after`
// equal to `before` when nothing changes).
struct OffsetReset {
  TopicPartition tp;
  std::optional<PartitionProgress> before, after;
};

// What `to` does to each selected partition of `topic` (`logs`: every partition of the topic,
// from the broker; `stored`: the store's progress). earliest/latest take the partition's log
// low/high; an offset must lie inside every selected partition's log. A partition with stored
// progress gets the new next offset, its counters and watermark kept; one without gets progress
// only for an explicit offset. InvalidArgument for a bad `to`, an unknown partition or an
// offset outside a log; nothing is planned then.
[[nodiscard]] StatusOr<std::vector<OffsetReset>> PlanOffsetResets(
    const std::string& topic, const std::string& to, const std::vector<int32_t>& partitions,
    const std::vector<PartitionLogRange>& logs,
    const std::vector<std::pair<TopicPartition, PartitionProgress>>& stored);

// Adds the `reset-offsets` subcommand to `app`; its options fill *args (which must outlive
// parsing).
CLI::App* AddResetOffsetsCommand(CLI::App& app, ResetOffsetsArgs* args);

// Opens the store read-write, asks the brokers for the topic's partitions and log ranges,
// writes the planned progress in one commit and prints `topic/partition: old -> new` per
// partition. Returns the exit code: 0 done, 1 a store or broker failure, 2 a bad option.
int RunResetOffsetsCommand(const SegdConfig& config, const ResetOffsetsArgs& args);

}  // namespace segd
