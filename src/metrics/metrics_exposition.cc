// Counters are read from IngestStats at scrape time and turned into metric families, so every
// reason label exists from the start (a rejection-rate alert needs the zero series too) and no
// label ever carries a customer id.
#include "segd/metrics/metrics_exposition.h"

#include <prometheus/collectable.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

#include "segd/build_info.h"

namespace segd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

ClientMetric Value(MetricType type, double v, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  return m;
}

ClientMetric Histogram(const LatencyHistogram& h) {
  ClientMetric m;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cumulative += h.counts[i].load(std::memory_order_relaxed);
    m.histogram.bucket.push_back({cumulative, LatencyHistogram::kBounds[i]});
  }
  cumulative += h.counts.back().load(std::memory_order_relaxed);
  m.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = double(h.sum_nanos.load(std::memory_order_relaxed)) / 1e9;
  return m;
}

class IngestCollector : public prometheus::Collectable {
 public:
  explicit IngestCollector(const MetricsSources& s)
      : stats_(s.stats),
        ready_(s.ready),
        model_(s.model),
        lag_(s.lag),
        cluster_(s.cluster),
        backup_(s.backup) {}

  std::vector<MetricFamily> Collect() const override {
    constexpr auto C = MetricType::Counter;
    constexpr auto G = MetricType::Gauge;
    const IngestStats& s = *stats_;
    std::vector<MetricFamily> out;
    auto single = [&](const char* name, const char* help, MetricType type, double v) {
      out.push_back(Family(name, help, type));
      out.back().metric.push_back(Value(type, v));
    };
    single("segd_events_consumed_total", "Messages consumed and committed.", C,
           double(s.messages.load()));
    single("segd_events_applied_total", "Events that changed customer state.", C,
           double(s.applied()));
    out.push_back(
        Family("segd_events_duplicate_total", "Accepted events that changed nothing, by kind.", C));
    for (int i = 1; i < kApplyOutcomeCount; ++i) {
      out.back().metric.push_back(
          Value(C, double(s.outcomes[i].load()), {{"kind", ApplyOutcomeName(ApplyOutcome(i))}}));
    }
    out.push_back(Family("segd_events_rejected_total",
                         "Events sent to the dead-letter topic, by reason.", C));
    for (int i = 0; i < kRejectReasonCount; ++i) {
      out.back().metric.push_back(
          Value(C, double(s.rejected[i].load()),
                {{"reason", std::string(RejectReasonCode(RejectReason(i)))}}));
    }
    single("segd_batches_committed_total", "Micro-batches committed to the state store.", C,
           double(s.batches.load()));
    single("segd_history_gap_accepted_total",
           "Partitions started past a history cut by retention (kafka.accept_history_gap).", C,
           double(s.history_gaps_accepted.load()));
    out.push_back(Family("segd_batch_commit_duration_seconds",
                         "Duration of one micro-batch commit to the state store.",
                         MetricType::Histogram));
    out.back().metric.push_back(Histogram(s.commit_duration));
    single("segd_watermark_timestamp_seconds", "Largest accepted event time (Unix seconds).", G,
           s.watermark_ms.load() / 1e3);
    single("segd_customers", "Customers in the committed state.", G, double(s.customers.load()));
    out.push_back(Family("segd_model_retrains_total", "Baselines fitted by segd, by trigger.", C));
    for (int i = 0; i < kRetrainTriggerCount; ++i) {
      out.back().metric.push_back(Value(C, double(s.retrains[i].load()),
                                        {{"trigger", RetrainTriggerName(RetrainTrigger(i))}}));
    }
    single("segd_changelog_records_total", "Customer records written to the changelog topic.", C,
           double(s.changelog_records.load()));
    single("segd_changelog_append_seconds_total",
           "Time spent waiting for changelog appends to be acknowledged.", C,
           s.changelog_nanos_total.load() / 1e9);
    single("segd_restore_entries_total",
           "Changelog entries read by completed restores on assignment (standby reads: "
           "segd_standby_entries_total).",
           C, double(s.restore_records.load()));
    single("segd_restore_customers_total",
           "Customer records written by completed restores on assignment.", C,
           double(s.restore_customers.load()));
    single("segd_restores_completed_total", "Partitions restored from the changelog.", C,
           double(s.restores_completed.load()));
    single("segd_restore_seconds_total", "Time spent restoring partitions.", C,
           s.restore_nanos_total.load() / 1e9);
    single("segd_restore_active_partitions", "Partitions being restored now.", G,
           double(s.restores_active.load()));
    single("segd_restore_remaining_entries",
           "Changelog entries left to read in the running restore.", G,
           double(s.restore_remaining.load()));
    single("segd_standby_partitions", "Partitions kept warm as a standby replica.", G,
           double(s.standby_partitions.load()));
    single("segd_standby_behind_entries",
           "Changelog entries of standby partitions not applied yet (at the last round).", G,
           double(s.standby_behind.load()));
    single("segd_standby_entries_total", "Changelog entries read for standby partitions.", C,
           double(s.standby_records.load()));
    out.push_back(Family("segd_segment_changes_total",
                         "Customers whose segment changed (customer.segment.changed.v1 events "
                         "committed), by cause.",
                         C));
    out.back().metric.push_back(
        Value(C, double(s.segment_changes[0].load()), {{"cause", "event"}}));
    out.back().metric.push_back(
        Value(C, double(s.segment_changes[1].load()), {{"cause", "relabel"}}));
    single("segd_segment_change_events_sent_total",
           "Segment-change events acknowledged by the output topic (re-sent ones included).", C,
           double(s.announcements_sent.load()));
    single("segd_segment_change_send_seconds_total",
           "Time spent waiting for segment-change events to be acknowledged.", C,
           s.announce_nanos_total.load() / 1e9);
    single("segd_relabel_customers_scanned_total",
           "Customers looked at by relabels after a new baseline.", C,
           double(s.relabel_scanned.load()));
    single("segd_relabel_baseline_version",
           "Baseline version whose relabel is under way (0: none).", G,
           double(s.relabel_version.load()));
    single("segd_ready", "1 when segd is consuming and serving, else 0.", G, ready_() ? 1 : 0);
    out.push_back(Family("segd_build_info", "segd version.", G));
    out.back().metric.push_back(Value(G, 1, {{"version", kVersion}}));
    if (model_) {
      const ModelInfo m = model_();
      out.push_back(Family("segd_model_info", "The current baseline (1 while it is current).", G));
      if (m.baseline_version > 0) {
        out.back().metric.push_back(Value(G, 1,
                                          {{"baseline_version", std::to_string(m.baseline_version)},
                                           {"k", std::to_string(m.k)},
                                           {"features", m.features}}));
      }
    }
    if (lag_) {
      out.push_back(Family("segd_consumer_lag_messages",
                           "Messages between the committed position and the partition end.", G));
      for (const PartitionLag& l : lag_()) {
        out.back().metric.push_back(
            Value(G, double(l.messages),
                  {{"topic", l.topic}, {"partition", std::to_string(l.partition)}}));
      }
    }
    if (cluster_) AddCluster(cluster_(), &out);
    if (backup_) AddBackup(backup_(), &out);
    return out;
  }

 private:
  static void AddBackup(const StoreBackupStats& b, std::vector<MetricFamily>* out) {
    out->push_back(Family("segd_backups_total",
                          "Backups of the store taken through POST /v1/admin/backup, by result.",
                          MetricType::Counter));
    out->back().metric.push_back(
        Value(MetricType::Counter, double(b.succeeded), {{"result", "success"}}));
    out->back().metric.push_back(
        Value(MetricType::Counter, double(b.failed), {{"result", "failure"}}));
    out->push_back(Family("segd_backup_last_success_timestamp_seconds",
                          "When the last successful backup was taken (Unix seconds; 0: none yet).",
                          MetricType::Gauge));
    out->back().metric.push_back(Value(MetricType::Gauge, double(b.last_success_unix_s)));
  }
  static void AddCluster(const ClusterStatus& c, std::vector<MetricFamily>* out) {
    constexpr auto G = MetricType::Gauge;
    out->push_back(Family("segd_cluster_members", "Live segd instances in the group.", G));
    out->back().metric.push_back(Value(G, c.members));
    out->push_back(Family("segd_cluster_leader",
                          "1 when this instance is the group's leader (owns partition 0).", G));
    out->back().metric.push_back(Value(G, c.leader ? 1 : 0));
    out->push_back(Family("segd_cluster_member_partitions",
                          "Source partitions owned by each member, as this instance sees it.", G));
    for (const auto& [member, n] : c.partitions_by_member) {
      out->back().metric.push_back(Value(G, n, {{"member", member}}));
    }
    out->push_back(Family("segd_cluster_forwarded_requests_total",
                          "Lookups forwarded to the owning instance.", MetricType::Counter));
    out->back().metric.push_back(Value(MetricType::Counter, double(c.forwarded)));
    out->push_back(Family("segd_cluster_live_partitions",
                          "Partitions whose live statistics come from another member.", G));
    out->back().metric.push_back(Value(G, c.live_peer_partitions));
    out->push_back(Family("segd_cluster_live_oldest_age_seconds",
                          "Age of the oldest live statistics merged from another member.", G));
    out->back().metric.push_back(Value(G, c.live_oldest_age_seconds));
  }

  const IngestStats* stats_;
  std::function<bool()> ready_;
  std::function<ModelInfo()> model_;
  std::function<std::vector<PartitionLag>()> lag_;
  std::function<ClusterStatus()> cluster_;
  std::function<StoreBackupStats()> backup_;
};

// Drift families exist from the start (NaN ARI before the first evaluation), so dashboards and
// "drift not evaluated recently" alerts see the series.
class DriftCollector : public prometheus::Collectable {
 public:
  explicit DriftCollector(const MetricsSources& s)
      : drift_(s.drift), threshold_(s.threshold), critical_(s.critical) {}

  std::vector<MetricFamily> Collect() const override {
    constexpr auto G = MetricType::Gauge;
    std::vector<MetricFamily> out;
    if (!drift_) return out;
    const DriftStatus d = drift_();
    const DriftReport& r = d.online;
    auto single = [&](const char* name, const char* help, double v) {
      out.push_back(Family(name, help, G));
      out.back().metric.push_back(Value(G, v));
    };
    out.push_back(Family("segd_drift_ari",
                         "Adjusted Rand Index between the baseline and a comparison model.", G));
    out.back().metric.push_back(
        Value(G, d.evaluated ? r.ari : std::nan(""), {{"method", "online"}}));
    out.back().metric.push_back(
        Value(G, d.refit_evaluated ? d.refit.ari : std::nan(""), {{"method", "refit"}}));
    single("segd_retrain_recommended", "1 while a retrain is recommended.",
           d.retrain_recommended ? 1 : 0);
    single("segd_drift_severity", "0 none, 1 warning (ARI below threshold), 2 critical.",
           double(static_cast<int>(d.severity)));
    single("segd_baseline_version", "Version of the current baseline (0: none).",
           double(d.baseline_version));
    single("segd_live_model_updates", "Mini-batch updates of the live model since its baseline.",
           double(d.live_updates));
    single("segd_drift_customers", "Customers in the last drift evaluation.", double(r.customers));
    single("segd_drift_evaluation_duration_seconds", "Duration of the last drift evaluation.",
           r.seconds);
    single("segd_drift_evaluation_timestamp_seconds", "When the last evaluation finished.",
           d.evaluated_unix_ms / 1e3);
    single("segd_drift_detector_statistic",
           "The drift detector's figure at the last evaluation (calibrated: PSI of active "
           "customers' segment shares against the baseline's first evaluations).",
           d.evaluated ? d.statistic : std::nan(""));
    single("segd_drift_detector_limit",
           "The level segd_drift_detector_statistic is compared with (noise bound or floor).",
           d.evaluated ? d.limit : std::nan(""));
    single("segd_drift_as_of_timestamp_seconds",
           "Event time the last evaluation describes (a boundary of the event-time schedule, or "
           "the watermark).",
           d.as_of_ms / 1e3);
    single("segd_segment_share_psi", "Population stability index of segment shares.", r.psi);
    out.push_back(Family("segd_segment_customers", "Customers per segment and model.", G));
    for (size_t c = 0; c < r.baseline_sizes.size(); ++c) {
      out.back().metric.push_back(Value(G, double(r.baseline_sizes[c]),
                                        {{"model", "baseline"}, {"segment", std::to_string(c)}}));
    }
    for (size_t c = 0; c < r.comparison_sizes.size(); ++c) {
      out.back().metric.push_back(Value(G, double(r.comparison_sizes[c]),
                                        {{"model", "live"}, {"segment", std::to_string(c)}}));
    }
    out.push_back(Family("segd_drift_threshold",
                         "ARI below which drift is a warning or critical (drift.threshold, "
                         "drift.critical).",
                         G));
    out.back().metric.push_back(Value(G, threshold_, {{"level", "warning"}}));
    out.back().metric.push_back(Value(G, critical_, {{"level", "critical"}}));
    out.push_back(Family("segd_segment_migration_customers",
                         "Customers by baseline segment (from) and live segment (to), last "
                         "evaluation.",
                         G));
    for (int from = 0; from < r.table.rows(); ++from) {
      for (int to = 0; to < r.table.cols(); ++to) {
        out.back().metric.push_back(
            Value(G, double(r.table.at(from, to)),
                  {{"from", std::to_string(from)}, {"to", std::to_string(to)}}));
      }
    }
    out.push_back(Family("segd_segment_centroid_shift",
                         "Distance between baseline and live centroid (scaled units).", G));
    for (size_t c = 0; c < r.centroid_shift.size(); ++c) {
      out.back().metric.push_back(Value(G, r.centroid_shift[c], {{"segment", std::to_string(c)}}));
    }
    return out;
  }

 private:
  std::function<DriftStatus()> drift_;
  double threshold_, critical_;
};

}  // namespace

struct MetricsExposition::Impl {
  explicit Impl(const MetricsSources& s)
      : ingest(s),
        drift(s),
        registry(std::make_shared<prometheus::Registry>()),
        http(prometheus::BuildHistogram()
                 .Name("segd_http_request_duration_seconds")
                 .Help("Duration of HTTP requests, by route template and status code.")
                 .Register(*registry)) {}

  IngestCollector ingest;
  DriftCollector drift;
  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Histogram>& http;
  std::mutex mu;
  std::map<std::pair<std::string, int>, prometheus::Histogram*> by_route;  // guarded by mu
};

MetricsExposition::MetricsExposition(MetricsSources sources) : impl_(new Impl(sources)) {}

MetricsExposition::~MetricsExposition() = default;

void MetricsExposition::ObserveRequest(const std::string& route, int status, double seconds) {
  prometheus::Histogram* h = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto& slot = impl_->by_route[{route, status}];
    if (slot == nullptr) {
      // Family::Add is ~100 ns: look each series up once and keep it.
      static const prometheus::Histogram::BucketBoundaries kBuckets = {
          0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
      slot = &impl_->http.Add({{"route", route}, {"code", std::to_string(status)}}, kBuckets);
    }
    h = slot;
  }
  h->Observe(seconds);
}

std::string MetricsExposition::Scrape() const {
  std::ostringstream out;
  auto families = impl_->ingest.Collect();
  for (auto& f : impl_->drift.Collect()) families.push_back(std::move(f));
  for (auto& f : impl_->registry->Collect()) families.push_back(std::move(f));
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace segd
