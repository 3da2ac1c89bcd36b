// Shared set-up of the integration tests: one dev broker (librdkafka mock cluster) per test
// binary, fresh topics and consumer groups per test, and segd runs in-process or as a child
// process. Owned by the test thread.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "segd/config/segd_config.h"
#include "segd/ingest/ingest_loop.h"
#include "segd/kafka/dev_broker.h"
#include "segd/kafka/kafka_dead_letter_sink.h"
#include "segd/kafka/kafka_message_source.h"
#include "segd/kafka/message_producer.h"
#include "segd/state/rocksdb_state_store.h"
#include "testing/state_printers.h"
#include "testing/temp_dir.h"
#include "testing/test_history.h"

namespace segd::testing {

// An integer knob from the environment (the full-size campaigns), or `fallback`.
inline int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// The value of an unlabelled sample `name` in a Prometheus text exposition (-1: absent).
inline double MetricValue(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

class KafkaTestEnv : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto b = DevBroker::Start(1);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    broker_ = std::move(*b).release();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  // A fresh topic (and its .dlq) with `partitions` partitions, unique to this test.
  std::string NewTopic(int partitions) {
    const std::string name =
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
        std::to_string(topic_counter_++);
    EXPECT_TRUE(broker_->CreateTopic(name, partitions).ok());
    EXPECT_TRUE(broker_->CreateTopic(name + ".dlq", 2).ok());
    CreateChangelog("g-" + name, partitions);  // the group Config() and most tests use
    return name;
  }

  // The changelog topic of consumer group `group` (the dev broker cannot create topics on
  // request, and would auto-create it with 4 partitions on first use).
  static void CreateChangelog(const std::string& group, int partitions) {
    EXPECT_TRUE(broker_->CreateTopic(group + ".changelog", partitions).ok());
  }

  void Produce(const std::string& topic, const std::vector<KeyedEvent>& events) {
    auto producer = NewKafkaProducer({broker_->bootstrap_servers(), "test-producer", {}});
    ASSERT_TRUE(producer.ok());
    for (const KeyedEvent& e : events) {
      ASSERT_TRUE((*producer)->Produce(topic, -1, e.key, e.json).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  void ProduceRaw(const std::string& topic, const std::string* key, const std::string& value) {
    auto producer = NewKafkaProducer({broker_->bootstrap_servers(), "test-producer", {}});
    ASSERT_TRUE(producer.ok());
    ASSERT_TRUE((*producer)
                    ->Produce(topic, 0, key ? std::string_view(*key) : std::string_view(), value)
                    .ok());
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  // Config for a segd instance of this test: short group timings, loud truncation.
  SegdConfig Config(const std::string& topic, const std::string& state_dir) {
    SegdConfig c;
    c.kafka.brokers = broker_->bootstrap_servers();
    c.kafka.topics = {topic};
    c.kafka.group_id = "g-" + topic;
    c.kafka.auto_offset_reset = "error";
    c.kafka.session_timeout_ms = 3000;
    c.kafka.heartbeat_interval_ms = 500;
    c.storage.path = state_dir;
    c.storage.block_cache_mb = 8;
    c.storage.write_buffer_mb = 4;
    c.ingest.batch_max_events = 500;
    c.ingest.min_event_time = "2000-01-01T00:00:00Z";
    return c;
  }

  // Runs segd's ingest loop in this process until every partition is consumed to its end.
  std::unique_ptr<IngestStats> RunUntilCaughtUp(const SegdConfig& c) {
    auto owned = std::make_unique<IngestStats>();
    IngestStats& stats = *owned;
    auto store = OpenRocksDbStateStore(c.storage);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return owned;
    auto producer = NewKafkaProducer({c.kafka.brokers, "dlq", {}});
    auto dlq = NewKafkaDeadLetterSink(std::move(*producer), "", 10000);
    DecoderOptions d;
    IngestPipeline pipeline(d, store->get(), dlq.get(), &stats, [] {
      return ParseRfc3339Ms("2020-01-01T00:00:00Z").value();  // injected wall clock
    });
    EXPECT_TRUE(pipeline.Load().ok());
    IngestLoopOptions o;
    o.batch_max_events = static_cast<size_t>(c.ingest.batch_max_events);
    o.exit_when_caught_up = true;
    o.start_policy.accept_history_gap = c.kafka.accept_history_gap;
    IngestLoop loop(o, &pipeline);
    auto source = NewKafkaMessageSource(c.kafka, &loop);
    EXPECT_TRUE(source.ok());
    std::atomic<bool> stop{false};
    Status s = loop.Run(source->get(), stop);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return owned;
  }

  // Every customer in a store, for comparing whole states.
  static std::map<std::string, CustomerState> Customers(StateStore& store) {
    std::map<std::string, CustomerState> out;
    EXPECT_TRUE(store
                    .ScanCustomers([&](std::string_view id, const CustomerState& s) {
                      out.emplace(id, s);
                      return true;
                    })
                    .ok());
    return out;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The HTTP port a child segd logs ("serving http://127.0.0.1:PORT/") once it serves, or 0
  // after `timeout_ms`.
  static int WaitForHttpPort(const std::string& log, int timeout_ms = 20000) {
    const std::regex serving(R"(serving http://127\.0\.0\.1:(\d+)/)");
    for (int waited = 0; waited < timeout_ms; waited += 50) {
      std::smatch m;
      const std::string text = ReadFile(log);
      if (std::regex_search(text, m, serving)) return std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  // Sum of the stored next offsets of every partition: messages consumed and committed.
  static uint64_t StoredConsumed(const std::string& path) {
    uint64_t n = 0;
    for (const auto& [tp, p] : StoredProgress(path)) n += static_cast<uint64_t>(p.next_offset);
    return n;
  }

  static std::map<std::string, CustomerState> StoredCustomers(const std::string& path) {
    StorageOptions o;
    o.path = path;
    o.read_only = true;
    auto store = OpenRocksDbStateStore(o);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? Customers(**store) : std::map<std::string, CustomerState>{};
  }

  static std::vector<std::pair<TopicPartition, PartitionProgress>> StoredProgress(
      const std::string& path) {
    StorageOptions o;
    o.path = path;
    o.read_only = true;
    std::vector<std::pair<TopicPartition, PartitionProgress>> out;
    auto store = OpenRocksDbStateStore(o);
    if (store.ok()) {
      EXPECT_TRUE((*store)->ReadProgress(&out).ok());
    } else if (store.status().code() != StatusCode::kNotFound) {
      std::fprintf(stderr, "StoredProgress: %s\n", store.status().ToString().c_str());
    }
    return out;
  }

  static DevBroker* broker_;
  int topic_counter_ = 0;
  TempDir dir_;
};

inline DevBroker* KafkaTestEnv::broker_ = nullptr;

}  // namespace segd::testing
