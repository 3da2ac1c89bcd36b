// Compact binary encodings of stored values. Each starts with a version byte so that the layout
// can evolve; decoders reject unknown versions and truncated input. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "segd/common/status.h"
#include "segd/state/customer_state.h"
#include "segd/state/order_record.h"
#include "segd/state/partition_progress.h"

namespace segd {

// Appends the encoding to *out (which is not cleared).
void EncodeCustomerState(const CustomerState& state, std::string* out);
[[nodiscard]] Status DecodeCustomerState(std::string_view in, CustomerState* state);

void EncodeOrderRecord(const OrderRecord& record, std::string* out);
[[nodiscard]] Status DecodeOrderRecord(std::string_view in, OrderRecord* record);

void EncodePartitionProgress(const PartitionProgress& progress, std::string* out);
[[nodiscard]] Status DecodePartitionProgress(std::string_view in, PartitionProgress* progress);

// Key of an order record: the customer id's length (one byte, ids are at most 128 bytes), the
// customer id, the order id. Length-prefixed so that ids may hold any bytes (even NUL), and all
// of one customer's orders are the contiguous key range that starts with OrderKeyPrefix().
std::string OrderKey(std::string_view customer_id, std::string_view order_id);
std::string OrderKeyPrefix(std::string_view customer_id);

// Key of a partition's progress record: topic, a 0 byte, partition as 4 big-endian bytes.
std::string PartitionKey(const TopicPartition& tp);
[[nodiscard]] Status DecodePartitionKey(std::string_view key, TopicPartition* tp);

}  // namespace segd
