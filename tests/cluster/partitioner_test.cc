#include "segd/cluster/partitioner.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

// Kafka's UtilsTest.testMurmur2 (as signed Java ints).
TEST(KafkaMurmur2Test, MatchesKafkasPublishedVectors) {
  const std::pair<const char*, int32_t> cases[] = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  for (const auto& [key, expected] : cases) {
    EXPECT_EQ(static_cast<int32_t>(KafkaMurmur2(key)), expected) << key;
  }
}

TEST(Crc32Test, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

TEST(PartitionForKeyTest, UsesEachProducersRule) {
  // (0xCBF43926 = 3421780262) % 16 = 6
  EXPECT_EQ(PartitionForKey(PartitionerKind::kConsistentRandom, "123456789", 16), 6);
  // (-790332482 & 0x7fffffff) = 1357151166; % 16 = 14, % 7 = 0
  EXPECT_EQ(PartitionForKey(PartitionerKind::kMurmur2Random, "foobar", 16), 14);
  EXPECT_EQ(PartitionForKey(PartitionerKind::kMurmur2Random, "foobar", 7), 0);
  EXPECT_EQ(PartitionForKey(PartitionerKind::kConsistentRandom, "anything", 1), 0);
}

TEST(PartitionerKindTest, ParsesLibrdkafkaNames) {
  EXPECT_EQ(*ParsePartitionerKind("consistent_random"), PartitionerKind::kConsistentRandom);
  EXPECT_EQ(*ParsePartitionerKind("murmur2_random"), PartitionerKind::kMurmur2Random);
  EXPECT_FALSE(ParsePartitionerKind("random").ok());
  EXPECT_STREQ(PartitionerKindName(PartitionerKind::kMurmur2Random), "murmur2_random");
}

}  // namespace
}  // namespace segd
