// segd's Prometheus metrics. Pipeline counters and drift results are read at scrape time (the
// hot path never calls prometheus-cpp); HTTP request latencies go to prometheus-cpp histograms
// in a registry owned here. Scrape() and ObserveRequest() are safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "segd/cluster/cluster_status.h"
#include "segd/ingest/ingest_stats.h"
#include "segd/model/drift_status.h"
#include "segd/state/store_backup.h"

namespace segd {

// What segd_model_info describes.
struct ModelInfo {
  uint64_t baseline_version = 0;  // 0: no baseline yet
  int k = 0;
  std::string features;  // comma-separated feature names
};

struct MetricsSources {
  const IngestStats* stats = nullptr;              // required; must outlive the exposition
  std::function<bool()> ready;                     // required
  std::function<DriftStatus()> drift;              // optional
  std::function<ModelInfo()> model;                // optional
  std::function<std::vector<PartitionLag>()> lag;  // optional
  std::function<ClusterStatus()> cluster;          // optional: several instances
  std::function<StoreBackupStats()> backup;        // optional: POST /v1/admin/backup results
  double threshold = 0.8, critical = 0.6;          // drift.threshold / drift.critical
};

class MetricsExposition {
 public:
  explicit MetricsExposition(MetricsSources sources);
  ~MetricsExposition();

  // One HTTP request: segd_http_request_duration_seconds{route, code}.
  void ObserveRequest(const std::string& route, int status, double seconds);

  // The Prometheus text format (0.0.4) of every segd metric.
  std::string Scrape() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace segd
