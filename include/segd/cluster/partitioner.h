// Which partition a producer puts a customer's events in: the key hash the producers use, so
// that any instance can compute the owner of a customer without asking Kafka. Pure functions,
// safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "segd/common/status.h"

namespace segd {

enum class PartitionerKind {
  kConsistentRandom,  // librdkafka's default: crc32(key) % partitions
  kMurmur2Random,     // the Java client's default: (murmur2(key) & 0x7fffffff) % partitions
};

// "consistent_random" | "murmur2_random" (librdkafka's `partitioner` names).
[[nodiscard]] StatusOr<PartitionerKind> ParsePartitionerKind(std::string_view name);
const char* PartitionerKindName(PartitionerKind kind);

// CRC-32 (IEEE 802.3, reflected, as zlib and librdkafka's rd_crc32 compute it).
uint32_t Crc32(std::string_view bytes);
// Kafka's Utils.murmur2 (seed 0x9747b28c), as an unsigned 32-bit value.
uint32_t KafkaMurmur2(std::string_view bytes);

// The partition of a non-empty `key` among `partitions` (> 0) partitions.
int32_t PartitionForKey(PartitionerKind kind, std::string_view key, int32_t partitions);

}  // namespace segd
