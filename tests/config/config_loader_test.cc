#include "segd/config/config_loader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace segd {
namespace {

std::string ErrorOf(const std::string& yaml) {
  auto c = ParseConfig(yaml);
  EXPECT_FALSE(c.ok()) << yaml;
  return c.ok() ? "" : c.status().message();
}

TEST(ConfigLoaderTest, ShippedConfigLoadsAndEqualsTheBuiltInDefaults) {
  auto c = LoadConfigFile(std::string(SEGD_SOURCE_DIR) + "/config/segd.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const SegdConfig d;
  EXPECT_EQ(c->kafka.brokers, d.kafka.brokers);
  EXPECT_EQ(c->kafka.topics, d.kafka.topics);
  EXPECT_EQ(c->kafka.session_timeout_ms, d.kafka.session_timeout_ms);
  EXPECT_EQ(c->kafka.fetch_wait_max_ms, d.kafka.fetch_wait_max_ms);
  EXPECT_EQ(c->storage.path, d.storage.path);
  EXPECT_EQ(c->storage.block_cache_mb, d.storage.block_cache_mb);
  EXPECT_EQ(c->ingest.batch_max_events, d.ingest.batch_max_events);
  EXPECT_EQ(c->ingest.max_future_skew_seconds, d.ingest.max_future_skew_seconds);
  EXPECT_EQ(c->ingest.min_event_time, d.ingest.min_event_time);
  EXPECT_EQ(c->http.bind, d.http.bind);
  EXPECT_EQ(c->http.threads, d.http.threads);
  EXPECT_EQ(c->model.k, d.model.k);
  EXPECT_EQ(c->model.n_init, d.model.n_init);
  EXPECT_EQ(c->model.keep_versions, d.model.keep_versions);
  EXPECT_EQ(c->model.live_batch_events, d.model.live_batch_events);
  EXPECT_EQ(c->drift.every_seconds, d.drift.every_seconds);
  EXPECT_EQ(c->drift.threshold, d.drift.threshold);
  EXPECT_EQ(c->log.level, d.log.level);
  ASSERT_EQ(c->model.features.features.size(), d.model.features.features.size());
  for (size_t i = 0; i < d.model.features.features.size(); ++i) {
    EXPECT_EQ(c->model.features.features[i].kind, d.model.features.features[i].kind);
    EXPECT_EQ(c->model.features.features[i].transform, d.model.features.features[i].transform);
  }
  EXPECT_EQ(c->model.features.missing_review, d.model.features.missing_review);
  EXPECT_EQ(c->model.bootstrap_min_customers, d.model.bootstrap_min_customers);
  EXPECT_EQ(c->model.segment_names, d.model.segment_names);
  EXPECT_EQ(c->drift.method, d.drift.method);
  EXPECT_EQ(c->drift.retrain, d.drift.retrain);
  EXPECT_EQ(c->drift.every_event_days, d.drift.every_event_days);
  EXPECT_EQ(c->http.max_body_bytes, d.http.max_body_bytes);
  EXPECT_EQ(c->http.max_batch_ids, d.http.max_batch_ids);
  EXPECT_EQ(c->http.admin_token, d.http.admin_token);
  EXPECT_EQ(c->http.admin_wait_ms, d.http.admin_wait_ms);
  EXPECT_EQ(c->http.max_open_listings, d.http.max_open_listings);
  EXPECT_EQ(c->http.listing_idle_s, d.http.listing_idle_s);
  EXPECT_EQ(c->kafka.partitioner, d.kafka.partitioner);
  EXPECT_EQ(c->kafka.auto_offset_reset, d.kafka.auto_offset_reset);
  EXPECT_EQ(c->kafka.accept_history_gap, d.kafka.accept_history_gap);
  EXPECT_EQ(c->cluster.enabled, d.cluster.enabled);
  EXPECT_EQ(c->cluster.control_topic, d.cluster.control_topic);
  EXPECT_EQ(c->cluster.advertise_url, d.cluster.advertise_url);
  EXPECT_EQ(c->cluster.heartbeat_ms, d.cluster.heartbeat_ms);
  EXPECT_EQ(c->cluster.member_timeout_ms, d.cluster.member_timeout_ms);
  EXPECT_EQ(c->cluster.forward_timeout_ms, d.cluster.forward_timeout_ms);
  EXPECT_EQ(c->cluster.live_exchange_ms, d.cluster.live_exchange_ms);
  EXPECT_EQ(c->cluster.standby_replicas, d.cluster.standby_replicas);
  EXPECT_EQ(c->changelog.enabled, d.changelog.enabled);
  EXPECT_EQ(c->changelog.topic, d.changelog.topic);
  EXPECT_EQ(c->changelog.create, d.changelog.create);
  EXPECT_EQ(c->changelog.replication_factor, d.changelog.replication_factor);
  EXPECT_EQ(c->changelog.restore_chunk_customers, d.changelog.restore_chunk_customers);
  EXPECT_EQ(c->changelog.message_timeout_ms, d.changelog.message_timeout_ms);
}

TEST(ConfigLoaderTest, ChangelogAndStandbyKeysAreReadAndChecked) {
  auto c = ParseConfig(
      "changelog: {enabled: true, topic: cl, create: false, replication_factor: 3,\n"
      "            restore_chunk_customers: 700, message_timeout_ms: 9000}\n"
      "cluster: {standby_replicas: 2}\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->changelog.topic, "cl");
  EXPECT_FALSE(c->changelog.create);
  EXPECT_EQ(c->changelog.replication_factor, 3);
  EXPECT_EQ(c->changelog.restore_chunk_customers, 700);
  EXPECT_EQ(c->changelog.message_timeout_ms, 9000);
  EXPECT_EQ(c->cluster.standby_replicas, 2);
  EXPECT_EQ(ErrorOf("changelog: {replication_factor: 0}"),
            "changelog.replication_factor: 0 is not a replication factor");
  EXPECT_EQ(ErrorOf("changelog: {restore_chunk_customers: 0}"),
            "changelog.restore_chunk_customers: 0 is outside 1..10000000");
  EXPECT_EQ(ErrorOf("changelog: {enabled: false}\ncluster: {standby_replicas: 1}"),
            "cluster.standby_replicas: standbys need changelog.enabled and cluster.enabled");
  EXPECT_EQ(ErrorOf("changelog: {compacted: yes}"), "changelog.compacted: unknown key");
}

TEST(ConfigLoaderTest, HistoryGapIsRefusedUnlessAccepted) {
  auto d = ParseConfig("kafka: {auto_offset_reset: earliest}\n");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->kafka.accept_history_gap);
  auto c = ParseConfig("kafka: {accept_history_gap: true}\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->kafka.accept_history_gap);
}

TEST(ConfigLoaderTest, ClusterKeysAndPartitionerAreRead) {
  auto c = ParseConfig(
      "kafka: {partitioner: murmur2_random}\n"
      "cluster: {enabled: false, control_topic: ctl, advertise_url: \"http://segd-1.segd:8080\",\n"
      "          heartbeat_ms: 200, member_timeout_ms: 900, forward_timeout_ms: 300,\n"
      "          live_exchange_ms: 250}\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kafka.partitioner, "murmur2_random");
  EXPECT_FALSE(c->cluster.enabled);
  EXPECT_EQ(c->cluster.control_topic, "ctl");
  EXPECT_EQ(c->cluster.advertise_url, "http://segd-1.segd:8080");
  EXPECT_EQ(c->cluster.heartbeat_ms, 200);
  EXPECT_EQ(c->cluster.member_timeout_ms, 900);
  EXPECT_EQ(c->cluster.forward_timeout_ms, 300);
  EXPECT_EQ(c->cluster.live_exchange_ms, 250);
}

TEST(ConfigLoaderTest, BadClusterKeysAreRejectedWithTheirPath) {
  EXPECT_EQ(ErrorOf("kafka: {partitioner: random}"),
            "kafka.partitioner: 'random' is not one of consistent_random, murmur2_random");
  EXPECT_EQ(ErrorOf("cluster: {advertise_url: segd-0:8080}"),
            "cluster.advertise_url: 'segd-0:8080' is not an http:// URL");
  EXPECT_EQ(ErrorOf("cluster: {heartbeat_ms: 1000, member_timeout_ms: 1000}"),
            "cluster.member_timeout_ms: must be above cluster.heartbeat_ms");
  EXPECT_EQ(ErrorOf("cluster: {heartbeat_ms: 10}"),
            "cluster.heartbeat_ms: 10 is outside 50..600000");
  EXPECT_EQ(ErrorOf("cluster: {live_exchange_ms: 0}"),
            "cluster.live_exchange_ms: 0 is outside 10..600000");
  EXPECT_EQ(ErrorOf("cluster: {leader: me}"), "cluster.leader: unknown key");
}

TEST(ConfigLoaderTest, AdvertiseUrlComesFromTheEnvironment) {
  SegdConfig c;
  ASSERT_TRUE(ApplyEnvOverrides(&c, [](const char* name) -> std::optional<std::string> {
                if (std::string(name) == "SEGD_ADVERTISE_URL") return "http://segd-2.segd:8080";
                return std::nullopt;
              }).ok());
  EXPECT_EQ(c.cluster.advertise_url, "http://segd-2.segd:8080");
}

TEST(ConfigLoaderTest, FeaturesAreConfigurable) {
  auto c = ParseConfig(R"(
model:
  features:
    - {name: monetary_mean, transform: log1p, clip_max: 8, weight: 2}
    - {name: mean_review}
  missing_review: 3
  k: 3
  segment_names: [low, "", high]
)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const auto& f = c->model.features.features;
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].kind, FeatureKind::kMonetaryMean);
  EXPECT_EQ(f[0].transform, FeatureTransform::kLog1p);
  EXPECT_EQ(f[0].clip_max, 8);
  EXPECT_EQ(f[0].weight, 2);
  EXPECT_EQ(f[1].kind, FeatureKind::kMeanReview);
  EXPECT_EQ(f[1].transform, FeatureTransform::kNone);
  EXPECT_EQ(c->model.features.missing_review, 3);
  EXPECT_EQ(c->model.segment_names, (std::vector<std::string>{"low", "", "high"}));
}

TEST(ConfigLoaderTest, BadFeaturesAreRejectedWithTheirPath) {
  EXPECT_EQ(ErrorOf("model: {features: []}"),
            "model.features: expected a non-empty list of features");
  EXPECT_EQ(ErrorOf("model: {features: [recency_days]}"), "model.features[0]: expected a mapping");
  EXPECT_NE(ErrorOf("model: {features: [{name: age}]}")
                .find("model.features[0].name: unknown "
                      "feature 'age'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("model: {features: [{name: frequency, transform: sqrt}]}")
                .find("model.features[0].transform: unknown transform 'sqrt'"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("model: {features: [{name: frequency}, {name: frequency}]}"),
            "model.features[1].name: 'frequency' is listed twice");
  EXPECT_EQ(ErrorOf("model: {features: [{name: frequency, colour: red}]}"),
            "model.features[0].colour: unknown key");
  EXPECT_EQ(ErrorOf("model: {features: [{name: frequency, clip_min: 5, clip_max: 1}]}"),
            "model.features[0].clip_max: must not be below clip_min");
  EXPECT_EQ(ErrorOf("model: {k: 3, segment_names: [a, b]}"),
            "model.segment_names: has 2 names for k = 3 segments");
}

TEST(ConfigLoaderTest, DriftMethodRetrainModeAndSchedule) {
  auto c = ParseConfig(
      "drift: {method: refit, retrain: auto, every_seconds: 0, "
      "every_event_days: 7}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->drift.method, "refit");
  EXPECT_EQ(c->drift.retrain, "auto");
  EXPECT_EQ(c->drift.every_seconds, 0);
  EXPECT_EQ(c->drift.every_event_days, 7);
  EXPECT_EQ(ErrorOf("drift: {method: psi}"), "drift.method: 'psi' is not one of online, refit");
  EXPECT_EQ(ErrorOf("drift: {retrain: yes}"), "drift.retrain: 'yes' is not one of alert, auto");
  EXPECT_EQ(ErrorOf("drift: {every_seconds: 0, every_event_days: 0}"),
            "drift.every_seconds: 0 needs drift.every_event_days > 0 (one schedule must be on)");
  // The event-time schedule is on by default (every 14 days), so wall clock alone can be off,
  // and every_event_days: 0 leaves the wall-clock schedule alone.
  EXPECT_EQ(SegdConfig{}.drift.every_event_days, 14);
  c = ParseConfig("drift: {every_seconds: 0}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->drift.every_event_days, 14);
  c = ParseConfig("drift: {every_event_days: 0}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->drift.every_event_days, 0);
  EXPECT_EQ(c->drift.every_seconds, 60);
  c = ParseConfig("ingest: {align_partitions: false, align_idle_ms: 100}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->ingest.align_partitions);
  EXPECT_EQ(c->ingest.align_idle_ms, 100);
  EXPECT_NE(ErrorOf("ingest: {align_partitions: maybe}").find("ingest.align_partitions:"),
            std::string::npos);
  c = ParseConfig("drift: {detector: psi, min_psi: 0.05, active_days: 14, psi_warning: 0.2}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->drift.detector, "psi");
  EXPECT_EQ(c->drift.min_psi, 0.05);
  EXPECT_EQ(c->drift.active_days, 14);
  EXPECT_EQ(ErrorOf("drift: {detector: magic}"),
            "drift.detector: 'magic' is not one of ari_threshold, calibrated, psi");
  EXPECT_EQ(ErrorOf("drift: {psi_warning: 0.3, psi_critical: 0.2}"),
            "drift.psi_critical: must not be below drift.psi_warning");
  c = ParseConfig("drift: {history_keep: 500, history_keep_days: 730}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->drift.history_keep, 500);
  EXPECT_EQ(c->drift.history_keep_days, 730);
  EXPECT_NE(ErrorOf("drift: {history_keep: -1}").find("drift.history_keep:"), std::string::npos);
  EXPECT_NE(ErrorOf("drift: {history_keep_days: lots}").find("drift.history_keep_days:"),
            std::string::npos);
}

TEST(ConfigLoaderTest, ModelKIsANumberOrAuto) {
  auto c = ParseConfig("model: {k: auto, k_min: 3, k_max: 6}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->model.auto_k);
  EXPECT_EQ(c->model.k_max, 6);
  EXPECT_EQ(ErrorOf("model: {k: many}"), "model.k: expected an integer, got 'many'");
  EXPECT_EQ(ErrorOf("model: {k_min: 5, k_max: 3}"), "model.k_max: must not be below model.k_min");
}

TEST(ConfigLoaderTest, DriftThresholdsAreChecked) {
  auto c = ParseConfig("drift: {every_seconds: 5, threshold: 0.7, critical: 0.5}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->drift.every_seconds, 5);
  EXPECT_DOUBLE_EQ(c->drift.threshold, 0.7);
  EXPECT_EQ(ErrorOf("drift: {threshold: 0.5, critical: 0.6}"),
            "drift.critical: must not exceed drift.threshold");
  EXPECT_EQ(ErrorOf("drift: {threshold: high}"), "drift.threshold: expected a number, got 'high'");
  EXPECT_EQ(ErrorOf("model: {half_life_days: -1}"), "model.half_life_days: -1 is outside 0..36500");
}

TEST(ConfigLoaderTest, HttpBindMustBeHostPort) {
  EXPECT_EQ(ErrorOf("http: {bind: localhost}"), "http.bind: 'localhost' is not host:port");
  EXPECT_EQ(ErrorOf("http: {threads: 0}"), "http.threads: 0 is outside 1..1024");
}

TEST(ConfigLoaderTest, ListingKeysAreReadAndChecked) {
  auto c = ParseConfig("http: {max_open_listings: 3, listing_idle_s: 60}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.max_open_listings, 3);
  EXPECT_EQ(c->http.listing_idle_s, 60);
  EXPECT_EQ(ErrorOf("http: {max_open_listings: 0}"),
            "http.max_open_listings: 0 is outside 1..10000");
  EXPECT_EQ(ErrorOf("http: {listing_idle_s: 0}"), "http.listing_idle_s: 0 is outside 1..86400");
}

TEST(ConfigLoaderTest, ReadsValues) {
  auto c = ParseConfig(R"(
kafka: {brokers: "h:1", topics: [a, b], properties: {linger.ms: 5}}
storage: {path: /x, sync_writes: true}
ingest: {batch_max_events: 10}
)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kafka.brokers, "h:1");
  EXPECT_EQ(c->kafka.topics, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(c->kafka.properties.size(), 1u);
  EXPECT_EQ(c->kafka.properties[0].second, "5");
  EXPECT_TRUE(c->storage.sync_writes);
  EXPECT_EQ(c->ingest.batch_max_events, 10);
}

TEST(ConfigLoaderTest, UnknownKeyIsRejectedWithItsPath) {
  EXPECT_EQ(ErrorOf("kafka: {brokerz: x}"), "kafka.brokerz: unknown key");
  EXPECT_EQ(ErrorOf("kafkaa: {}"), "kafkaa: unknown key");
}

TEST(ConfigLoaderTest, WrongTypeIsRejectedWithItsPath) {
  EXPECT_EQ(ErrorOf("kafka: {session_timeout_ms: abc}"),
            "kafka.session_timeout_ms: expected an integer, got 'abc'");
  EXPECT_EQ(ErrorOf("storage: {sync_writes: maybe}"),
            "storage.sync_writes: expected true or false, got 'maybe'");
  EXPECT_EQ(ErrorOf("kafka: {topics: orders}"),
            "kafka.topics: expected a non-empty list of strings");
  EXPECT_EQ(ErrorOf("ingest: 5"), "ingest: expected a mapping");
}

TEST(ConfigLoaderTest, OutOfRangeAndBadChoicesAreRejected) {
  EXPECT_EQ(ErrorOf("ingest: {batch_max_events: 0}"),
            "ingest.batch_max_events: 0 is outside 1..1000000");
  EXPECT_EQ(ErrorOf("kafka: {auto_offset_reset: latest}"),
            "kafka.auto_offset_reset: 'latest' is not one of earliest, error");
  EXPECT_EQ(ErrorOf("ingest: {min_event_time: yesterday}"),
            "ingest.min_event_time: 'yesterday' is not an RFC 3339 timestamp");
  EXPECT_EQ(ErrorOf("kafka: {session_timeout_ms: 2000, heartbeat_interval_ms: 2000}"),
            "kafka.heartbeat_interval_ms: must be lower than kafka.session_timeout_ms");
}

TEST(ConfigLoaderTest, SyntaxErrorNamesTheLine) {
  EXPECT_NE(ErrorOf("kafka:\n  brokers: [unclosed\n").find("line "), std::string::npos);
}

TEST(ConfigLoaderTest, MissingFileIsNamed) {
  auto c = LoadConfigFile("/nonexistent/segd.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/segd.yaml"), std::string::npos);
}

TEST(ConfigLoaderTest, EnvironmentOverridesBrokersPathAndSecrets) {
  std::map<std::string, std::string> env = {{"SEGD_KAFKA_BROKERS", "b:9"},
                                            {"SEGD_STORAGE_PATH", "/state"},
                                            {"SEGD_KAFKA_SASL_PASSWORD", "s3cret"}};
  SegdConfig c;
  ASSERT_TRUE(ApplyEnvOverrides(&c, [&](const char* name) -> std::optional<std::string> {
                auto it = env.find(name);
                return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
              }).ok());
  EXPECT_EQ(c.kafka.brokers, "b:9");
  EXPECT_EQ(c.storage.path, "/state");
  ASSERT_EQ(c.kafka.properties.size(), 1u);
  EXPECT_EQ(c.kafka.properties[0],
            (std::pair<std::string, std::string>{"sasl.password", "s3cret"}));
}

TEST(ConfigLoaderTest, AdminTokenComesFromEnvOrAFileThatWins) {
  auto env = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "SEGD_ADMIN_TOKEN") return "from-env";
    return std::nullopt;
  };
  SegdConfig c;
  ASSERT_TRUE(ApplyEnvOverrides(&c, env).ok());
  EXPECT_EQ(c.http.admin_token, "from-env");
  const std::string path = ::testing::TempDir() + "/segd-admin-token";
  std::ofstream(path) << "from-file\n";
  c.http.admin_token_file = path;
  ASSERT_TRUE(ApplyEnvOverrides(&c, env).ok());
  EXPECT_EQ(c.http.admin_token, "from-file");  // without its newline
  c.http.admin_token_file = path + ".missing";
  auto missing = ApplyEnvOverrides(&c, env);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("http.admin_token_file"), std::string::npos);
}

}  // namespace
}  // namespace segd
