// Compact binary encodings of stored values. Each starts with a version byte so that the layout
// can evolve; decoders reject unknown versions and truncated input. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "segd/common/status.h"
#include "segd/state/customer_record.h"
#include "segd/state/customer_state.h"
#include "segd/state/order_record.h"
#include "segd/state/partition_progress.h"

namespace segd {

// A customer's record, storage format 2 (state, folded orders, order entries). Appends to *out.
void EncodeCustomerRecord(const CustomerRecord& record, std::string* out);
// Decodes a format-2 record; a format-1 value (state only, orders stored apart) is DataLoss
// naming the migration.
[[nodiscard]] Status DecodeCustomerRecord(std::string_view in, CustomerRecord* record);
// Only the state of a stored customer value, format 1 or 2 (lookups and scans need no more).
[[nodiscard]] Status DecodeCustomerState(std::string_view in, CustomerState* state);

// Format 1, kept for migrating stores written by releases before format 2 (and for tests that
// build such stores): the customer value held the state alone, orders had their own keys.
void EncodeCustomerStateV1(const CustomerState& state, std::string* out);
void EncodeOrderRecordV1(const OrderRecord& record, std::string* out);
[[nodiscard]] Status DecodeOrderRecordV1(std::string_view in, OrderRecord* record);
// Format 1 key of an order record: the customer id's length (one byte), the customer id, the
// order id; all of one customer's orders are the key range that starts with OrderKeyPrefixV1().
std::string OrderKeyV1(std::string_view customer_id, std::string_view order_id);
std::string OrderKeyPrefixV1(std::string_view customer_id);

void EncodePartitionProgress(const PartitionProgress& progress, std::string* out);
[[nodiscard]] Status DecodePartitionProgress(std::string_view in, PartitionProgress* progress);

// Key of a partition's progress record: topic, a 0 byte, partition as 4 big-endian bytes.
std::string PartitionKey(const TopicPartition& tp);
[[nodiscard]] Status DecodePartitionKey(std::string_view key, TopicPartition* tp);

// A stable 64-bit hash of an event id (FNV-1a, then a SplitMix64 finaliser): what an order entry
// remembers of the events applied to it. The same on every machine and release.
uint64_t EventIdHash(std::string_view event_id);
// The same hash of an order id (FoldedOrders::recent).
inline uint64_t OrderIdHash(std::string_view order_id) { return EventIdHash(order_id); }

}  // namespace segd
