// segd's configuration: plain structs, each default written beside its field. Produced once by
// the config loader at start-up, then read-only (safe to share between threads).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "segd/http/http_server.h"
#include "segd/model/feature_spec.h"
#include "segd/state/rocksdb_options.h"

namespace segd {

struct KafkaConfig {
  std::string brokers = "127.0.0.1:9092";        // kafka.brokers (env SEGD_KAFKA_BROKERS)
  std::string group_id = "segd";                 // kafka.group_id
  std::string client_id = "segd";                // kafka.client_id
  std::vector<std::string> topics = {"orders"};  // kafka.topics
  std::string dead_letter_topic;                 // kafka.dead_letter_topic ("" = "<topic>.dlq")
  std::string auto_offset_reset = "earliest";    // kafka.auto_offset_reset: earliest | error
  bool accept_history_gap = false;               // kafka.accept_history_gap
  int32_t session_timeout_ms = 10000;            // kafka.session_timeout_ms
  int32_t heartbeat_interval_ms = 1000;          // kafka.heartbeat_interval_ms
  int32_t fetch_wait_max_ms = 10;                // kafka.fetch_wait_max_ms
  bool commit_offsets = true;                    // kafka.commit_offsets (lag monitoring only)
  // kafka.partitioner: how producers map keys to partitions (consistent_random | murmur2_random).
  std::string partitioner = "consistent_random";
  // kafka.properties: extra librdkafka properties, applied last (secrets via env, see README).
  std::vector<std::pair<std::string, std::string>> properties;
};

struct IngestConfig {
  int32_t batch_max_events = 5000;                      // ingest.batch_max_events
  int32_t batch_linger_ms = 100;                        // ingest.batch_linger_ms
  int32_t poll_timeout_ms = 50;                         // ingest.poll_timeout_ms
  int64_t max_event_bytes = 65536;                      // ingest.max_event_bytes
  int64_t max_future_skew_seconds = 86400;              // ingest.max_future_skew_seconds
  std::string min_event_time = "2000-01-01T00:00:00Z";  // ingest.min_event_time
  int32_t dead_letter_timeout_ms = 30000;  // ingest.dead_letter_timeout_ms (per attempt)
  bool align_partitions = true;            // ingest.align_partitions (event-time schedule)
  int32_t align_idle_ms = 5000;            // ingest.align_idle_ms
  int32_t fold_horizon_days = 365;         // ingest.fold_horizon_days (see FoldPolicy)
  int32_t max_orders_per_customer = 500;   // ingest.max_orders_per_customer
};

struct ModelConfig {
  int32_t k = 4;  // model.k: segments, or "auto" (k_min..k_max by silhouette)
  bool auto_k = false;
  int32_t k_min = 2;                 // model.k_min
  int32_t k_max = 8;                 // model.k_max
  int32_t n_init = 10;               // model.n_init: k-means restarts
  int64_t seed = 0;                  // model.seed
  int32_t silhouette_sample = 2000;  // model.silhouette_sample
  int32_t keep_versions = 10;        // model.keep_versions: baselines kept in the store
  int32_t live_batch_events = 1000;  // model.live_batch_events: points per live update
  double half_life_days = 30;        // model.half_life_days: live forgetting (0: none)
  int32_t dead_after_updates = 0;    // model.dead_after_updates: reseed idle centres (0: never)
  // model.features (list of {name, transform, clip_min, clip_max, weight}) and
  // model.missing_review: what describes a customer. Default: the Olist study's three.
  FeatureSpec features = FeatureSpec::Default();
  std::vector<std::string> segment_names;  // model.segment_names: by segment id ("": derived)
  // model.bootstrap_min_customers: the first baseline is fitted automatically when this many
  // customers exist (0: only by `segd train` or the admin endpoint).
  int64_t bootstrap_min_customers = 10000;
};

struct DriftConfig {
  int32_t every_seconds = 60;     // drift.every_seconds: wall-clock evaluation interval (0: off)
  double every_event_days = 14;   // drift.every_event_days: event-time interval (0: off)
  std::string method = "online";  // drift.method: online | refit (which ARI drives the policy)
  std::string retrain = "alert";  // drift.retrain: alert (flag only) | auto (fit a new baseline)
  double threshold = 0.8;         // drift.threshold: ARI below it counts as drifted
  double critical = 0.6;          // drift.critical
  int32_t consecutive_evaluations = 3;  // drift.consecutive_evaluations
  double hysteresis = 0.05;             // drift.hysteresis: clear only at threshold + this
  int32_t refit_every = 10;  // drift.refit_every: every Nth evaluation also refits (0: off)
  // What flags a behaviour change at event-time evaluations: calibrated (active customers'
  // segment shares against the baseline's first evaluations, beyond sampling noise), the
  // study's ari_threshold rule, or psi alone. Wall-clock-only schedules use ari_threshold.
  std::string detector = "calibrated";  // drift.detector
  int32_t calibration_evaluations = 4;  // drift.calibration_evaluations
  double min_psi = 0.02;                // drift.min_psi
  double noise_z = 3.09;                // drift.noise_z
  int32_t detector_consecutive = 2;     // drift.detector_consecutive
  double psi_warning = 0.1;             // drift.psi_warning
  double psi_critical = 0.25;           // drift.psi_critical
  double active_days = 28;              // drift.active_days
  double report_min_sd = 0.1;           // drift.report_min_sd
  int64_t history_keep = 10000;         // drift.history_keep: evaluations kept (0: no limit)
  double history_keep_days = 0;         // drift.history_keep_days: in event time (0: no limit)
};

struct ClusterConfig {
  bool enabled = true;        // cluster.enabled: membership and lookup routing
  std::string control_topic;  // cluster.control_topic ("" = "<kafka.group_id>.cluster")
  // cluster.advertise_url (env SEGD_ADVERTISE_URL): where the other instances reach this one;
  // "" = http://<http.bind host, or the host name for 0.0.0.0>:<bound port>.
  std::string advertise_url;
  int32_t heartbeat_ms = 1000;        // cluster.heartbeat_ms
  int32_t member_timeout_ms = 10000;  // cluster.member_timeout_ms: silent members are dropped
  int32_t forward_timeout_ms = 2000;  // cluster.forward_timeout_ms: one forwarded lookup
  int32_t live_exchange_ms = 1000;    // cluster.live_exchange_ms: live statistics exchange
  int32_t standby_replicas = 0;       // cluster.standby_replicas: warm copies kept per partition
};

// The changelog topic that lets a partition's state move between instances and survive a lost
// disk (README, "Changelog and restore").
struct ChangelogConfig {
  bool enabled = true;              // changelog.enabled
  std::string topic;                // changelog.topic ("" = "<kafka.group_id>.changelog")
  bool create = true;               // changelog.create: create it (compacted) when missing
  int32_t replication_factor = -1;  // changelog.replication_factor (-1: the broker's default)
  int32_t restore_chunk_customers = 5000;  // changelog.restore_chunk_customers: per commit
  int32_t message_timeout_ms = 60000;      // changelog.message_timeout_ms: per append
};

// What segd publishes for downstream systems.
struct OutputConfig {
  // output.segment_changes_topic: customer.segment.changed.v1 events ("" = none).
  std::string segment_changes_topic;
  int32_t relabel_chunk_customers = 5000;  // output.relabel_chunk_customers: per step
  int32_t send_timeout_ms = 30000;         // output.send_timeout_ms: per batch of events
};

struct LogConfig {
  std::string level = "info";   // log.level: trace | debug | info | warn | error
  std::string format = "text";  // log.format: text | json
};

struct SegdConfig {
  KafkaConfig kafka;
  StorageOptions storage;
  IngestConfig ingest;
  HttpOptions http;
  ModelConfig model;
  DriftConfig drift;
  ClusterConfig cluster;
  ChangelogConfig changelog;
  OutputConfig output;
  LogConfig log;
};

}  // namespace segd
