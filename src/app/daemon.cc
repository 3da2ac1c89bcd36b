#include "app/daemon.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "app/api.h"
#include "app/backup_endpoint.h"
#include "app/drift_monitor.h"
#include "app/group_models.h"
#include "app/model_options.h"
#include "app/service_notifier.h"
#include "app/state_report.h"
#include "segd/build_info.h"
#include "segd/cluster/cluster_node.h"
#include "segd/cluster/live_exchange.h"
#include "segd/cluster/standby_placement.h"
#include "segd/event/event_time.h"
#include "segd/http/http_client.h"
#include "segd/http/http_server.h"
#include "segd/ingest/ingest_loop.h"
#include "segd/kafka/kafka_changelog.h"
#include "segd/kafka/kafka_control_log.h"
#include "segd/kafka/kafka_dead_letter_sink.h"
#include "segd/kafka/kafka_message_source.h"
#include "segd/kafka/kafka_segment_change_sink.h"
#include "segd/metrics/metrics_exposition.h"
#include "segd/state/rocksdb_state_store.h"

namespace segd {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

IngestLoopOptions ToLoopOptions(const SegdConfig& c, const RunOptions& run) {
  IngestLoopOptions o;
  o.batch_max_events = static_cast<size_t>(c.ingest.batch_max_events);
  o.batch_linger_ms = c.ingest.batch_linger_ms;
  o.poll_timeout_ms = c.ingest.poll_timeout_ms;
  o.commit_offsets = c.kafka.commit_offsets;
  o.exit_when_caught_up = run.exit_when_caught_up;
  o.align_partitions = c.ingest.align_partitions;
  o.align_idle_ms = c.ingest.align_idle_ms;
  o.start_policy.accept_history_gap = c.kafka.accept_history_gap;
  return o;
}

// cluster.advertise_url, or http://<bind host>:<bound port> (the host name for a wildcard bind).
std::string AdvertiseUrl(const SegdConfig& c, int port) {
  if (!c.cluster.advertise_url.empty()) return c.cluster.advertise_url;
  std::string host = c.http.bind.substr(0, c.http.bind.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") {
    char name[256] = "";
    gethostname(name, sizeof(name) - 1);
    host = name;
  }
  return "http://" + host + ":" + std::to_string(port);
}

// The group's view of this instance, when cluster.enabled (else null).
StatusOr<std::unique_ptr<ClusterNode>> NewClusterNode(const SegdConfig& c, const IngestLoop* loop,
                                                      const IngestStats* stats) {
  if (!c.cluster.enabled) return std::unique_ptr<ClusterNode>();
  const std::string topic =
      c.cluster.control_topic.empty() ? c.kafka.group_id + ".cluster" : c.cluster.control_topic;
  auto log = NewKafkaControlLog(c.kafka, topic);
  if (!log.ok()) return log.status();
  auto partitioner = ParsePartitionerKind(c.kafka.partitioner);
  if (!partitioner.ok()) return partitioner.status();
  // The member id outlives a restart (host and store directory): a restarted instance's records
  // replace those of its killed predecessor instead of making it a ghost peer until the member
  // timeout (a peer stops local fits, which would change a single instance's bootstrap).
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  std::error_code ec;
  const std::filesystem::path store = std::filesystem::absolute(c.storage.path, ec);
  ClusterNodeOptions o{
      .member_id = std::string(host) + ":" + (ec ? c.storage.path : store.string()),
      .source_topic = c.kafka.topics.front(),
      .partitioner = *partitioner,
      .heartbeat_ms = c.cluster.heartbeat_ms,
      .member_timeout_ms = c.cluster.member_timeout_ms};
  return std::make_unique<ClusterNode>(
      o, std::move(*log),
      [loop, stats] {
        PartitionServing s = loop->serving();
        return LocalPartitions{s.generation, std::move(s.assigned), std::move(s.served),
                               stats->customers.load(), stats->watermark_ms.load()};
      },
      WallClockMs);
}

// Test hooks, for the restore tests: the process exits (as a kill would end it) right after its
// N-th changelog append, before the batch's local commit (env
// SEGD_TEST_EXIT_AFTER_CHANGELOG_APPENDS=N), or after reading N entries in restores (env
// SEGD_TEST_EXIT_AFTER_CHANGELOG_READS=N).
class ExitingChangelog : public Changelog {
 public:
  ExitingChangelog(std::unique_ptr<Changelog> inner, int64_t appends, int64_t reads)
      : inner_(std::move(inner)), appends_(appends), reads_(reads) {}
  StatusOr<std::map<int32_t, int64_t>> Append(std::span<const ChangelogEntry> entries) override {
    auto r = inner_->Append(entries);
    if (--appends_ == 0) Exit("after a changelog append, before its local commit");
    return r;
  }
  StatusOr<ChangelogRange> Range(int32_t partition) override { return inner_->Range(partition); }
  Status Read(int32_t partition, int64_t from, int64_t to,
              const std::function<Status(int64_t, ChangelogEntry&&)>& fn) override {
    return inner_->Read(partition, from, to, [&](int64_t offset, ChangelogEntry&& e) {
      if (--reads_ == 0) Exit("in the middle of a restore");
      return fn(offset, std::move(e));
    });
  }

 private:
  [[noreturn]] static void Exit(const char* where) {
    spdlog::error("test hook: exiting {}", where);
    spdlog::default_logger()->flush();
    std::_Exit(86);
  }
  std::unique_ptr<Changelog> inner_;
  int64_t appends_, reads_;
};

int64_t EnvCount(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : -1;
}

// The partition count of `topic`, waiting up to ~10 s for brokers that are still starting.
StatusOr<int32_t> TopicPartitions(const KafkaConfig& kafka, const std::string& topic) {
  auto n = KafkaTopicPartitions(kafka, topic, 10000);
  for (int i = 0; i < 20 && n.status().code() == StatusCode::kUnavailable; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    n = KafkaTopicPartitions(kafka, topic, 10000);
  }
  return n;
}

// The producer of config.output's segment-change events (null when off); the topic must exist.
StatusOr<std::unique_ptr<SegmentChangeSink>> OpenSegmentChangeSink(const SegdConfig& c) {
  const std::string& topic = c.output.segment_changes_topic;
  if (topic.empty()) return std::unique_ptr<SegmentChangeSink>();
  auto n = TopicPartitions(c.kafka, topic);
  if (!n.ok()) {
    return Status(n.status().code(), "output.segment_changes_topic " + topic + ": " +
                                         n.status().message() + " (create it first)");
  }
  SegmentChangeSinkOptions o{.brokers = c.kafka.brokers,
                             .topic = topic,
                             .client_id = c.kafka.client_id + "-segments",
                             .timeout_ms = c.output.send_timeout_ms,
                             .properties = c.kafka.properties};
  o.properties.emplace_back("partitioner", c.kafka.partitioner);
  o.properties.emplace_back("message.timeout.ms", std::to_string(c.output.send_timeout_ms));
  spdlog::info("segment changes to topic {} ({} partitions)", topic, *n);
  return NewKafkaSegmentChangeSink(o);
}

// The changelog of config.changelog (null when disabled): its topic checked or created with the
// source topics' partition count.
StatusOr<std::unique_ptr<Changelog>> OpenChangelog(const SegdConfig& c,
                                                   int32_t* source_partitions) {
  if (!c.changelog.enabled) return std::unique_ptr<Changelog>();
  int32_t& partitions = *source_partitions;
  for (const std::string& topic : c.kafka.topics) {
    if (topic.starts_with("^")) {
      return FailedPrecondition(
          "kafka.topics: the changelog needs the source topics by name, "
          "not the pattern " +
          topic +
          " (its partitions must match the changelog's): name the topics "
          "or set changelog.enabled: false");
    }
    auto n = TopicPartitions(c.kafka, topic);
    if (!n.ok())
      return Status(n.status().code(), "source topic " + topic + ": " + n.status().message());
    if (partitions != 0 && *n != partitions) {
      return FailedPrecondition(
          "with changelog.enabled the source topics must have the same "
          "partition count (partition p of each shares changelog "
          "partition p): " +
          topic + " has " + std::to_string(*n) + ", " + c.kafka.topics.front() + " " +
          std::to_string(partitions));
    }
    partitions = *n;
  }
  ChangelogTopicOptions o{
      .topic = c.changelog.topic.empty() ? c.kafka.group_id + ".changelog" : c.changelog.topic,
      .partitions = partitions,
      .create = c.changelog.create,
      .replication_factor = c.changelog.replication_factor,
      .message_timeout_ms = c.changelog.message_timeout_ms};
  auto changelog = OpenKafkaChangelog(c.kafka, o);
  if (!changelog.ok()) return changelog.status();
  spdlog::info("changelog topic {} ({} partitions)", o.topic, partitions);
  const int64_t appends = EnvCount("SEGD_TEST_EXIT_AFTER_CHANGELOG_APPENDS");
  const int64_t reads = EnvCount("SEGD_TEST_EXIT_AFTER_CHANGELOG_READS");
  if (appends > 0 || reads > 0) {
    return std::unique_ptr<Changelog>(new ExitingChangelog(std::move(*changelog), appends, reads));
  }
  return changelog;
}

}  // namespace

int RunDaemon(const SegdConfig& config, const RunOptions& options) {
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGINT, OnStopSignal);
  auto store = OpenRocksDbStateStore(config.storage);
  if (!store.ok()) {
    spdlog::error("cannot open state store: {}", store.status().ToString());
    return 1;
  }
  ProducerOptions producer_options{config.kafka.brokers, config.kafka.client_id + "-dlq",
                                   config.kafka.properties};
  producer_options.properties.emplace_back("message.timeout.ms",
                                           std::to_string(config.ingest.dead_letter_timeout_ms));
  auto producer = NewKafkaProducer(producer_options);
  if (!producer.ok()) {
    spdlog::error("cannot create dead-letter producer: {}", producer.status().ToString());
    return 1;
  }
  auto dlq = NewKafkaDeadLetterSink(std::move(*producer), config.kafka.dead_letter_topic,
                                    config.ingest.dead_letter_timeout_ms);
  IngestStats stats;
  IngestPipeline pipeline(ToDecoderOptions(config.ingest), store->get(), dlq.get(), &stats,
                          WallClockMs);
  pipeline.SetFoldPolicy(ToFoldPolicy(config.ingest));
  // The drift monitor first: an event-time schedule changes when the bootstrap is due.
  DriftMonitor drift(config.drift, store->get(), &pipeline, &stats);
  int32_t source_partitions = 0;  // known once the source topics are looked up (below)
  // The source partition of a customer id under the producers' partitioner (nullopt: unknown).
  const auto partition_of = [&config, &source_partitions](std::string_view id) {
    auto kind = ParsePartitionerKind(config.kafka.partitioner);
    return source_partitions > 0 && kind.ok()
               ? std::optional<int32_t>(PartitionForKey(*kind, id, source_partitions))
               : std::nullopt;
  };
  auto changes = OpenSegmentChangeSink(config);
  if (!changes.ok()) {
    spdlog::error("cannot publish segment changes: {}", changes.status().ToString());
    return 1;
  }
  if (*changes) {
    pipeline.SetAnnouncements(
        {.sink = changes->get(),
         .source = "/segd/" + config.kafka.group_id,
         .relabel_chunk_customers = size_t(config.output.relabel_chunk_customers),
         .partition_of = partition_of});
  }
  if (Status s = pipeline.Load(ToLifecycleOptions(config.model)); !s.ok()) {
    spdlog::error("cannot load the stored state: {}", s.ToString());
    return 1;
  }
  IngestLoop loop(ToLoopOptions(config, options), &pipeline);
  auto changelog = OpenChangelog(config, &source_partitions);
  if (!changelog.ok()) {
    spdlog::error("cannot use the changelog: {}", changelog.status().ToString());
    return 1;
  }
  // Segment changes and a group member's listings need the partition of a customer also
  // without the changelog (which looked the count up above), brokers still starting or not.
  if ((*changes || config.cluster.enabled) && source_partitions == 0 &&
      !config.kafka.topics.front().starts_with("^")) {
    auto n = TopicPartitions(config.kafka, config.kafka.topics.front());
    if (n.ok()) source_partitions = *n;  // else: every stored customer counts as this one's
  }
  if (*changelog) {
    pipeline.SetChangelog(changelog->get());
    loop.SetChangelog(changelog->get(), size_t(config.changelog.restore_chunk_customers));
  }
  auto cluster = NewClusterNode(config, &loop, &stats);
  if (!cluster.ok()) {
    spdlog::error("cannot join the cluster: {}", cluster.status().ToString());
    return 1;
  }
  ClusterNode* node = cluster->get();
  if (node && *changelog && config.cluster.standby_replicas > 0) {
    loop.SetStandbys([node, replicas = config.cluster.standby_replicas] {
      std::map<std::string, std::set<int32_t>> by_member;
      for (const auto& [id, m] : node->members()) {
        auto& owned = by_member[id];
        for (const TopicPartition& tp : m.partitions) owned.insert(tp.partition);
      }
      return StandbyPartitions(by_member, node->member_id(), replicas);
    });
  }
  // One baseline for the group (before the node starts: it subscribes to published baselines).
  std::unique_ptr<GroupModels> group;
  if (node) {
    group = std::make_unique<GroupModels>(config, store->get(), &pipeline, node, SendHttpRequest);
    group->SetDriftMonitor(&drift);
  }
  // One live model for the group: contributions out to the control topic, the peers' into the
  // pipeline (subscribed before the node starts).
  std::unique_ptr<LiveExchange> live_exchange;
  std::function<ClusterStatus()> cluster_status;  // for the metrics (none without a node)
  if (node) {
    live_exchange = std::make_unique<LiveExchange>(
        node, LiveExchangeOptions{.interval_ms = config.cluster.live_exchange_ms},
        [&pipeline] {
          OwnLiveStatistics own;
          auto live = pipeline.live_snapshot();
          if (live && live->baseline) {
            own = {live->baseline->version, LiveBaselineFingerprint(*live->baseline),
                   live->baseline->k(), int(live->centroids.cols()), live->contributions};
          }
          return own;
        },
        [&pipeline](PeerStatistics peers) { pipeline.SetPeerStatistics(std::move(peers)); },
        WallClockMs);
    cluster_status = [node, exchange = live_exchange.get()] {
      ClusterStatus s = node->status();
      const LiveExchangeStatus live = exchange->status();
      s.live_peer_partitions = live.peer_partitions;
      if (live.oldest_sent_ms > 0) {
        s.live_oldest_age_seconds =
            double(std::max<int64_t>(0, WallClockMs() - live.oldest_sent_ms)) / 1000.0;
      }
      return s;
    };
  }
  char hostname[256] = "";
  gethostname(hostname, sizeof(hostname) - 1);
  BackupEndpoint backup(store->get(), config.storage.path,
                        fmt::format("segd {} (running) on {}", kVersion, hostname));
  MetricsExposition metrics(
      {.stats = &stats,
       .ready = [&loop] { return loop.ready(); },
       .drift = [&drift] { return drift.status(); },
       .model =
           [&pipeline] {
             ModelInfo info;
             auto live = pipeline.live_snapshot();
             if (live && live->baseline) {
               info.baseline_version = live->baseline->version;
               info.k = live->baseline->k();
               for (const FeatureDef& f : live->baseline->spec.features) {
                 if (!info.features.empty()) info.features += ',';
                 info.features += FeatureKindName(f.kind);
               }
             }
             return info;
           },
       .lag = [&loop] { return loop.lag(); },
       .cluster = node ? std::function<ClusterStatus()>(std::move(cluster_status)) : nullptr,
       .backup = [&backup] { return backup.stats(); },
       .threshold = config.drift.threshold,
       .critical = config.drift.critical});
  const Api api(
      config,
      {.store = store->get(),
       .pipeline = &pipeline,
       .stats = &stats,
       .drift = [&drift] { return drift.status(); },
       .not_ready_reason = [&loop] { return loop.not_ready_reason(); },
       .metrics = [&metrics] { return metrics.Scrape(); },
       .drift_history = &drift.history(),
       .locator = node,
       .forward = SendHttpRequest,
       .cluster_rows = group ? std::function<HttpResponse(const HttpRequest&)>(
                                   [&group](const HttpRequest& r) { return group->Rows(r); })
                             : nullptr,
       .group_watermark = node ? std::function<int64_t()>([node] {
         int64_t w = 0;
         for (const auto& [id, m] : node->members()) {
           w = std::max(w, m.watermark_ms);
         }
         return w;
       })
                               : nullptr,
       .group_follower = group ? std::function<bool()>([&group] {
         return group->role() == DriftGroup::Role::kFollower;
       })
                               : nullptr,
       .cluster_drift_table =
           group ? std::function<HttpResponse(const HttpRequest&)>(
                       [&group](const HttpRequest& r) { return group->DriftTable(r); })
                 : nullptr,
       .restoring = [&loop] { return loop.serving().restoring; },
       .partition_of = partition_of,
       .own_partitions = node ? std::function<std::vector<int32_t>()>([&loop] {
         std::vector<int32_t> own;
         for (const TopicPartition& tp : loop.serving().assigned) own.push_back(tp.partition);
         return own;
       })
                              : nullptr,

       .admin_backup = [&backup](const HttpRequest& r) { return backup.Handle(r); },
       .lag = [&loop] { return loop.lag(); },
       .members = node ? std::function<std::vector<MemberRecord>()>([node] {
         std::vector<MemberRecord> members;
         for (auto& [id, m] : node->members()) members.push_back(std::move(m));
         return members;
       })
                       : nullptr});
  auto http = HttpServer::Start(
      config.http, [&api](const HttpRequest& r) { return api.Handle(r); },
      [&metrics](const std::string& route, int status, double seconds) {
        metrics.ObserveRequest(route, status, seconds);
      });
  if (!http.ok()) {
    spdlog::error("cannot start the HTTP server: {}", http.status().ToString());
    return 1;
  }
  const std::string host = config.http.bind.substr(0, config.http.bind.rfind(':'));
  spdlog::info(
      "serving http://{}:{}/ (the status page; /v1/customers/ID, /v1/segments, /v1/model, "
      "/v1/drift, /v1/status, /metrics, /livez, /readyz; admin {})",
      host, (*http)->port(), config.http.admin_token.empty() ? "disabled" : "enabled");
  if (node) {
    const std::string url = AdvertiseUrl(config, (*http)->port());
    node->Start(url);
    group->Start();
    live_exchange->Start();
    spdlog::info("cluster member {} (control topic {})", url,
                 config.cluster.control_topic.empty() ? config.kafka.group_id + ".cluster"
                                                      : config.cluster.control_topic);
  }
  auto source = NewKafkaMessageSource(config.kafka, &loop);
  if (!source.ok()) {
    spdlog::error("cannot create Kafka consumer: {}", source.status().ToString());
    return 1;
  }
  spdlog::info(
      "segd started brokers={} topics={} store={} baseline={}", config.kafka.brokers,
      config.kafka.topics.size(), config.storage.path,
      pipeline.live().has_baseline() ? fmt::format("v{}", pipeline.live().baseline()->version)
      : config.model.bootstrap_min_customers > 0
          ? fmt::format("none (fitted at {} customers)", config.model.bootstrap_min_customers)
          : std::string("none (run segd train)"));
  drift.Start();
  ServiceNotifier systemd([&loop] { return loop.heartbeat_ns(); });
  systemd.Ready("consuming " + std::to_string(config.kafka.topics.size()) + " topic(s)");
  const auto start = std::chrono::steady_clock::now();
  Status result = loop.Run(source->get(), g_stop);
  systemd.Stopping();
  if (group) group->Stop();
  if (live_exchange) live_exchange->Stop();
  if (node) node->Stop();
  drift.Stop();
  const auto end = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(end - start).count();
  // Consumption rate from the first committed batch: joining the group is not ingest time.
  const int64_t first_ns = stats.first_commit_steady_ns.load();
  const double consuming =
      first_ns == 0
          ? 0.0
          : std::chrono::duration<double>(end.time_since_epoch()).count() - first_ns / 1e9;
  spdlog::info("segd stopped messages={} applied={} duplicates={} rejected={} seconds={:.2f}",
               stats.messages.load(), stats.applied(), stats.duplicates(), stats.rejected_total(),
               seconds);
  if (!result.ok()) {
    spdlog::error("consumption stopped: {}", result.ToString());
    return 1;
  }
  if (options.print_summary) PrintStoreSummary(**store, &stats, consuming);
  return 0;
}

}  // namespace segd
