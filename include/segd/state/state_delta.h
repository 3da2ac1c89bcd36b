// The writes of one micro-batch, applied by StateStore::Commit in one atomic write. Points into
// the MicroBatch that built it; valid while that batch is unchanged. Owned by the consumer thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "segd/state/customer_record.h"
#include "segd/state/partition_progress.h"

namespace segd {

struct StateDelta {
  std::vector<std::pair<std::string_view, const CustomerRecord*>> customers;  // by customer id
  // customer_partitions[i]: the source partition of the event that last changed customers[i]
  // (where its changelog record goes); empty when the writer does not know.
  std::vector<int32_t> customer_partitions;
  std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
  std::vector<std::pair<std::string, std::string>> meta;  // opaque blobs (models, ...) by name
  std::vector<std::string> meta_deletes;                  // blobs to remove
};

}  // namespace segd
