// Both hashes must match the producers bit for bit: a different partition means routing a
// lookup to an instance that never saw the customer (tests/integration/partitioner_test.cc
// produces with librdkafka configured each way).
#include "segd/cluster/partitioner.h"

#include <array>

namespace segd {
namespace {

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

}  // namespace

StatusOr<PartitionerKind> ParsePartitionerKind(std::string_view name) {
  if (name == "consistent_random") return PartitionerKind::kConsistentRandom;
  if (name == "murmur2_random") return PartitionerKind::kMurmur2Random;
  return InvalidArgument("'" + std::string(name) +
                         "' is not one of consistent_random, murmur2_random");
}

const char* PartitionerKindName(PartitionerKind kind) {
  return kind == PartitionerKind::kMurmur2Random ? "murmur2_random" : "consistent_random";
}

uint32_t Crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> kTable = MakeCrcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = kTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t KafkaMurmur2(std::string_view bytes) {
  constexpr uint32_t kSeed = 0x9747b28cu, kM = 0x5bd1e995u;
  const size_t n = bytes.size();
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  uint32_t h = kSeed ^ static_cast<uint32_t>(n);
  for (size_t i = 0; i + 4 <= n; i += 4) {
    uint32_t k = data[i] | uint32_t(data[i + 1]) << 8 | uint32_t(data[i + 2]) << 16 |
                 uint32_t(data[i + 3]) << 24;
    k *= kM;
    k ^= k >> 24;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const size_t tail = n & ~size_t{3};
  switch (n % 4) {
    case 3:
      h ^= uint32_t(data[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t(data[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= data[tail];
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

int32_t PartitionForKey(PartitionerKind kind, std::string_view key, int32_t partitions) {
  const uint32_t n = static_cast<uint32_t>(partitions);
  if (kind == PartitionerKind::kMurmur2Random) {
    return static_cast<int32_t>((KafkaMurmur2(key) & 0x7fffffffu) % n);
  }
  return static_cast<int32_t>(Crc32(key) % n);
}

}  // namespace segd
