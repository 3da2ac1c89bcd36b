#include "common/ingest_runs.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "segd/event/event_time.h"
#include "segd/ingest/ingest_loop.h"
#include "segd/kafka/kafka_changelog.h"
#include "segd/kafka/kafka_dead_letter_sink.h"
#include "segd/kafka/kafka_message_source.h"
#include "segd/kafka/message_producer.h"
#include "segd/state/rocksdb_state_store.h"

namespace segd::bench {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

struct OneCoreIngest::Impl {
  std::unique_ptr<StateStore> store;
  CountingDeadLetterSink dlq;  // none expected: every run checks that all events applied
  IngestStats stats;
  std::unique_ptr<IngestPipeline> pipeline;
  size_t batch = 0;
};

OneCoreIngest::OneCoreIngest(const std::string& dir, const IngestRunOptions& options)
    : impl_(std::make_unique<Impl>()) {
  std::filesystem::remove_all(dir);
  StorageOptions o = options.storage;
  o.path = dir;
  auto store = OpenRocksDbStateStore(o);
  if (!store.ok()) std::abort();
  impl_->store = std::move(*store);
  impl_->batch = options.batch;
  impl_->pipeline = std::make_unique<IngestPipeline>(DecoderOptions{}, impl_->store.get(),
                                                     &impl_->dlq, &impl_->stats, Now2030);
}

OneCoreIngest::~OneCoreIngest() { Close(); }

void OneCoreIngest::Process(std::span<const RawMessage> messages) {
  if (!impl_->pipeline->Process(messages, impl_->batch).ok()) std::abort();
}

uint64_t OneCoreIngest::applied() const { return impl_->stats.applied(); }

void OneCoreIngest::Close() {
  impl_->pipeline.reset();
  impl_->store.reset();
}

int64_t Now2030() { return ParseRfc3339Ms("2030-01-01T00:00:00Z").value(); }

std::vector<RawMessage> AsMessages(const std::vector<testing::KeyedEvent>& history) {
  std::vector<RawMessage> messages(history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    messages[i] = {"orders", 0, static_cast<int64_t>(i), true, history[i].key, history[i].json};
  }
  return messages;
}

std::unique_ptr<DevBroker> BrokerWithHistory(int partitions,
                                             std::vector<testing::KeyedEvent>& history) {
  auto broker = DevBroker::Start(1);
  if (!broker.ok() || !(*broker)->CreateTopic("orders", partitions).ok()) std::abort();
  auto producer = NewKafkaProducer({(*broker)->bootstrap_servers(), "bench", {}});
  if (!producer.ok()) std::abort();
  for (const auto& e : history) {
    if (!(*producer)->Produce("orders", -1, e.key, e.json).ok()) std::abort();
  }
  if (!(*producer)->Flush(120000).ok()) std::abort();
  history.clear();
  history.shrink_to_fit();
  return std::move(*broker);
}

double DecodeApplyRate(std::span<const RawMessage> messages, const std::string& dir,
                       const IngestRunOptions& options) {
  OneCoreIngest ingest(dir, options);
  const auto start = Clock::now();
  const size_t call = options.batch * std::max<size_t>(1, options.batches_per_process);
  for (size_t i = 0; i < messages.size(); i += call) {
    ingest.Process(messages.subspan(i, std::min(call, messages.size() - i)));
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  if (ingest.applied() != messages.size()) std::abort();
  return messages.size() / s;
}

double EndToEndRate(const std::string& brokers, const std::string& topic, size_t events,
                    const std::string& dir, int run, const IngestRunOptions& options) {
  return EndToEnd(brokers, topic, events, dir, run, options).events_per_second;
}

namespace {

// Restores every partition of `changelog` into a fresh store at `dir`.
void MeasureRestore(Changelog* changelog, int partitions, const std::string& dir,
                    const IngestRunOptions& options, EndToEndResult* out) {
  std::filesystem::remove_all(dir);
  StorageOptions storage = options.storage;
  storage.path = dir;
  auto store = OpenRocksDbStateStore(storage);
  if (!store.ok()) std::abort();
  IngestStats stats;
  IngestPipeline pipeline(DecoderOptions{}, store->get(), nullptr, &stats, Now2030);
  if (!pipeline.Load().ok()) std::abort();
  const auto start = Clock::now();
  for (int32_t p = 0; p < partitions; ++p) {
    auto range = changelog->Range(p);
    if (!range.ok()) std::abort();
    auto report = pipeline.Restore(changelog, p, range->low, range->high, 5000, {});
    if (!report.ok()) {
      std::fprintf(stderr, "restore: %s\n", report.status().ToString().c_str());
      std::abort();
    }
    out->restored_customers += report->customers;
  }
  out->restore_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out->restore_customers_per_second = out->restored_customers / out->restore_seconds;
  std::filesystem::remove_all(dir);
}

}  // namespace

EndToEndResult EndToEnd(const std::string& brokers, const std::string& topic, size_t events,
                        const std::string& dir, int run, const IngestRunOptions& options) {
  std::filesystem::remove_all(dir);
  SegdConfig c;
  c.kafka.brokers = brokers;
  c.kafka.topics = {topic};
  c.kafka.group_id = (options.changelog ? "bench-changelog-" : "bench-") + std::to_string(run);
  c.kafka.properties = options.kafka_properties;
  c.kafka.auto_offset_reset = "error";  // truncation by the mock's retention must fail loudly
  c.storage = options.storage;
  c.storage.path = dir;
  auto store = OpenRocksDbStateStore(c.storage);
  auto producer = NewKafkaProducer({brokers, "bench-dlq", {}});
  if (!store.ok() || !producer.ok()) std::abort();
  auto dlq = NewKafkaDeadLetterSink(std::move(*producer), "", 10000);
  IngestStats stats;
  IngestPipeline pipeline(DecoderOptions{}, store->get(), dlq.get(), &stats, Now2030);
  if (!pipeline.Load().ok()) std::abort();
  IngestLoopOptions lo;
  lo.exit_when_caught_up = true;
  lo.batch_max_events = options.batch;
  IngestLoop loop(lo, &pipeline);
  std::unique_ptr<Changelog> changelog;
  if (options.changelog) {
    const std::string name = c.kafka.group_id + ".changelog";
    if (!options.broker->CreateTopic(name, options.partitions).ok()) std::abort();
    auto opened = OpenKafkaChangelog(c.kafka, {.topic = name, .partitions = options.partitions});
    if (!opened.ok()) {
      std::fprintf(stderr, "changelog: %s\n", opened.status().ToString().c_str());
      std::abort();
    }
    changelog = std::move(*opened);
    pipeline.SetChangelog(changelog.get());
    loop.SetChangelog(changelog.get(), 5000);
  }
  auto source = NewKafkaMessageSource(c.kafka, &loop);
  if (!source.ok()) std::abort();
  std::atomic<bool> stop{false};
  if (!loop.Run(source->get(), stop).ok()) std::abort();
  const int64_t end_ns = Clock::now().time_since_epoch().count();
  if (stats.applied() != events) {
    std::fprintf(stderr, "applied %llu of %zu\n", (unsigned long long)stats.applied(), events);
    std::abort();
  }
  std::printf("  segd run %d: %llu batches, %.0f messages per batch\n", run,
              (unsigned long long)stats.batches.load(),
              double(stats.messages.load()) / std::max<uint64_t>(1, stats.batches.load()));
  const int64_t first_ns = stats.first_commit_steady_ns.load();
  EndToEndResult result;
  result.events_per_second = events / (double(end_ns - first_ns) / 1e9);
  if (changelog)
    MeasureRestore(changelog.get(), options.partitions, dir + "-restore", options, &result);
  return result;
}

}  // namespace segd::bench
