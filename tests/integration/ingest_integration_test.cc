// End to end on the mock cluster: Kafka -> decode -> RocksDB, in-process.
#include <gtest/gtest.h>

#include <algorithm>

#include "integration/kafka_test_env.h"
#include "segd/kafka/topic_reader.h"

namespace segd::testing {
namespace {

class IngestIntegrationTest : public KafkaTestEnv {};

TEST_F(IngestIntegrationTest, EveryEventOfAReplayIsAppliedOnce) {
  const std::string topic = NewTopic(4);
  const auto history = MakeHistory(1500, 1);
  Produce(topic, history);
  const SegdConfig c = Config(topic, dir_.Sub("state"));
  auto run = RunUntilCaughtUp(c);
  IngestStats& stats = *run;

  EXPECT_EQ(stats.messages.load(), history.size());
  EXPECT_EQ(stats.applied(), history.size());
  EXPECT_EQ(stats.duplicates(), 0u);
  EXPECT_EQ(stats.rejected_total(), 0u);
  auto expected = ExpectedState(history);
  EXPECT_EQ(StoredCustomers(c.storage.path), Customers(*expected));
  uint64_t applied = 0, next = 0;
  for (const auto& [tp, p] : StoredProgress(c.storage.path)) {
    applied += p.applied;
    next += static_cast<uint64_t>(p.next_offset);
  }
  EXPECT_EQ(applied, history.size());
  EXPECT_EQ(next, history.size());  // every partition resumes right after its last message
}

TEST_F(IngestIntegrationTest, ReplayWithDuplicatedEventsGivesIdenticalState) {
  const std::string topic = NewTopic(4);
  const auto history = MakeHistory(800, 2);
  // Every third event again, later in the stream (the producer retried), and the whole head of
  // the history once more (an upstream replay).
  std::vector<KeyedEvent> stream = history;
  size_t copies = 0;
  for (size_t i = 0; i < history.size(); i += 3, ++copies) stream.push_back(history[i]);
  for (size_t i = 0; i < 200; ++i, ++copies) stream.push_back(history[i]);
  Produce(topic, stream);
  const SegdConfig c = Config(topic, dir_.Sub("state"));
  auto run = RunUntilCaughtUp(c);
  IngestStats& stats = *run;

  EXPECT_EQ(stats.applied(), history.size());
  EXPECT_EQ(stats.duplicates(), copies);
  EXPECT_EQ(stats.outcomes[static_cast<size_t>(ApplyOutcome::kDuplicateEvent)].load(), copies);
  EXPECT_EQ(StoredCustomers(c.storage.path), Customers(*ExpectedState(history)));
}

TEST_F(IngestIntegrationTest, BadEventsGoToTheDeadLetterTopicAndGoodOnesAroundThemApply) {
  const std::string topic = NewTopic(1);
  const auto history = MakeHistory(50, 3);
  const std::string key = history[0].key;
  std::string placed = history[0].json;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = placed;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const size_t amount_at = placed.find("\"amount\":");
  const std::string amount_field =
      placed.substr(amount_at, placed.find(',', amount_at) - amount_at);
  struct Bad {
    std::string value;
    std::string reason;
    bool keyed = true;
  };
  const std::vector<Bad> bad = {
      {"{not json", "bad_json"},
      {with("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\""), "bad_specversion"},
      {with("order.placed.v1", "order.shipped.v1"), "unknown_type"},
      {with(amount_field, "\"amount\":-1.00"), "bad_amount"},
      {with("\"time\":\"2017", "\"time\":\"2999"), "future_time"},
      {placed, "key_mismatch", false},
      {std::string(70 * 1024, ' ') + "{}", "value_too_large"},
  };
  // Good, bad, good, bad, ...: one partition, so the order is exactly this.
  std::vector<std::string> reasons;
  size_t next_good = 0;
  for (const Bad& b : bad) {
    ProduceRaw(topic, &history[next_good].key, history[next_good].json);
    ++next_good;
    ProduceRaw(topic, b.keyed ? &key : nullptr, b.value);
    reasons.push_back(b.reason);
  }
  std::vector<KeyedEvent> rest(history.begin() + static_cast<long>(next_good), history.end());
  Produce(topic, rest);

  const SegdConfig c = Config(topic, dir_.Sub("state"));
  auto run = RunUntilCaughtUp(c);
  IngestStats& stats = *run;
  EXPECT_EQ(stats.applied(), history.size());
  EXPECT_EQ(stats.rejected_total(), bad.size());
  EXPECT_EQ(StoredCustomers(c.storage.path), Customers(*ExpectedState(history)));

  auto dead = ReadWholeTopic(c.kafka.brokers, topic + ".dlq", 20000);
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  ASSERT_EQ(dead->size(), bad.size());
  std::sort(dead->begin(), dead->end(), [](const ConsumedMessage& a, const ConsumedMessage& b) {
    auto offset = [](const ConsumedMessage& m) {
      for (const auto& [k, v] : m.headers)
        if (k == "segd.source.offset") return std::stol(v);
      return -1L;
    };
    return offset(a) < offset(b);
  });
  for (size_t i = 0; i < bad.size(); ++i) {
    std::map<std::string, std::string> h(dead->at(i).headers.begin(), dead->at(i).headers.end());
    EXPECT_EQ(h["segd.error.reason"], reasons[i]) << i;
    EXPECT_FALSE(h["segd.error.detail"].empty()) << i;
    EXPECT_EQ(h["segd.source.topic"], topic);
    EXPECT_EQ(h["segd.source.partition"], "0");
    EXPECT_EQ(h["segd.source.offset"], std::to_string(2 * i + 1));  // bytes and position kept
    EXPECT_EQ(dead->at(i).message.value, bad[i].value) << i;
  }
}

TEST_F(IngestIntegrationTest, SecondRunOnCaughtUpStoreAppliesNothingNew) {
  const std::string topic = NewTopic(2);
  const auto history = MakeHistory(300, 4);
  Produce(topic, history);
  const SegdConfig c = Config(topic, dir_.Sub("state"));
  EXPECT_EQ(RunUntilCaughtUp(c)->applied(), history.size());
  const auto before = StoredCustomers(c.storage.path);
  auto again_run = RunUntilCaughtUp(c);
  IngestStats& again = *again_run;
  EXPECT_EQ(again.messages.load(), 0u);  // resumed from RocksDB offsets, not from the start
  EXPECT_EQ(StoredCustomers(c.storage.path), before);
}

}  // namespace
}  // namespace segd::testing
