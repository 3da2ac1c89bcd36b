// The partition segd computes for a key is the one a real librdkafka producer picks, for each
// `partitioner` setting segd supports: messages are produced with partition -1 (the
// producer's choice) and read back with their partitions.
#include <gtest/gtest.h>

#include "integration/kafka_test_env.h"
#include "segd/cluster/partitioner.h"
#include "segd/kafka/topic_reader.h"

namespace segd::testing {
namespace {

constexpr int kPartitions = 16;

class PartitionerIntegrationTest : public KafkaTestEnv {
 protected:
  void ProduceAndCompare(const std::string& partitioner) {
    const std::string topic = NewTopic(kPartitions);
    auto producer = NewKafkaProducer(
        {broker_->bootstrap_servers(), "partitioner-test", {{"partitioner", partitioner}}});
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    for (int i = 0; i < 400; ++i) {
      const std::string key = "customer-" + std::to_string(i * 7919) + (i % 3 ? "x" : "");
      ASSERT_TRUE((*producer)->Produce(topic, -1, key, "{}").ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
    auto messages = ReadWholeTopic(broker_->bootstrap_servers(), topic, 30000);
    ASSERT_TRUE(messages.ok()) << messages.status().ToString();
    ASSERT_EQ(messages->size(), 400u);
    const PartitionerKind kind = *ParsePartitionerKind(partitioner);
    std::set<int32_t> used;
    for (const ConsumedMessage& m : *messages) {
      EXPECT_EQ(m.message.partition, PartitionForKey(kind, m.message.key, kPartitions))
          << partitioner << " key " << m.message.key;
      used.insert(m.message.partition);
    }
    EXPECT_EQ(used.size(), size_t(kPartitions));  // the keys spread over every partition
  }
};

TEST_F(PartitionerIntegrationTest, ConsistentRandomMatchesLibrdkafka) {
  ProduceAndCompare("consistent_random");
}

TEST_F(PartitionerIntegrationTest, Murmur2RandomMatchesLibrdkafkasJavaCompatiblePartitioner) {
  ProduceAndCompare("murmur2_random");
}

}  // namespace
}  // namespace segd::testing
