// Timed runs of segd's ingest path shared by the ingest, Kafka and scale benchmarks: the
// one-core path (IngestPipeline::Process from memory into a fresh RocksDB, no Kafka) and the
// end-to-end path (IngestLoop consuming a dev-broker topic into a fresh RocksDB until caught up).
// Each run owns its store; not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "segd/ingest/raw_message.h"
#include "segd/kafka/dev_broker.h"
#include "segd/state/rocksdb_options.h"
#include "testing/test_history.h"

namespace segd::bench {

struct IngestRunOptions {
  StorageOptions storage;  // path is set per run
  size_t batch = 5000;     // micro-batch size (events)
  // Micro-batches per IngestPipeline::Process call: above 1, each commit runs on a second
  // thread while the next batch is applied (as IngestLoop does under backlog).
  size_t batches_per_process = 1;
  // End to end only: also write every batch to a changelog topic (created in `broker`, which
  // must hold the source), as segd does by default; EndToEndRate then measures a restore of it.
  bool changelog = false;
  DevBroker* broker = nullptr;
  int partitions = 0;  // of the source topic
  // End to end only: librdkafka properties for segd's consumer (config kafka.properties).
  std::vector<std::pair<std::string, std::string>> kafka_properties;
};

// What EndToEndRate measured.
struct EndToEndResult {
  double events_per_second = 0;
  // With options.changelog: every partition restored from the changelog into another fresh
  // store, customers written per second and the whole restore's duration.
  double restore_customers_per_second = 0;
  double restore_seconds = 0;
  uint64_t restored_customers = 0;
};

// 2030-01-01: a wall clock after every generated event (none is "from the future").
int64_t Now2030();

// The events of `history` as one partition's messages (topic "orders", offsets 0..n-1).
std::vector<RawMessage> AsMessages(const std::vector<testing::KeyedEvent>& history);

// A one-broker dev broker holding topic "orders" with `partitions` partitions and every event of
// `history` (keyed by customer, produced and flushed); `history` is emptied and its memory
// released. Aborts on error.
std::unique_ptr<DevBroker> BrokerWithHistory(int partitions,
                                             std::vector<testing::KeyedEvent>& history);

// segd's one-core ingest path into a fresh RocksDB at `dir` (deleted first): IngestPipeline
// with a store and a dead-letter sink that aborts (generated histories are valid).
class OneCoreIngest {
 public:
  OneCoreIngest(const std::string& dir, const IngestRunOptions& options);
  ~OneCoreIngest();

  // Decodes, applies and commits `messages` in micro-batches of options.batch. Aborts on failure.
  void Process(std::span<const RawMessage> messages);
  uint64_t applied() const;
  // Closes the store (RocksDB stays on disk); Process may not be called after.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decode + apply + commit of `messages` into a fresh RocksDB at `dir`, in micro-batches
// (commits overlapped on a second thread with batches_per_process > 1); events per second.
// Aborts unless every message is applied.
double DecodeApplyRate(std::span<const RawMessage> messages, const std::string& dir,
                       const IngestRunOptions& options);

// segd's consumer loop on `topic` of the broker at `brokers` (group "bench-<run>", so each run
// starts from the beginning) into a fresh RocksDB at `dir`, until caught up; events per second
// from the first committed batch (the ~3 s group join is not ingest). Aborts unless exactly
// `events` are applied.
double EndToEndRate(const std::string& brokers, const std::string& topic, size_t events,
                    const std::string& dir, int run, const IngestRunOptions& options);
EndToEndResult EndToEnd(const std::string& brokers, const std::string& topic, size_t events,
                        const std::string& dir, int run, const IngestRunOptions& options);

}  // namespace segd::bench
