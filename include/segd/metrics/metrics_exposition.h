// segd's Prometheus metrics, rendered on scrape from the live counters (the hot path never calls
// prometheus-cpp). Scrape() is safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "segd/ingest/ingest_stats.h"
#include "segd/model/drift_status.h"

namespace segd {

class MetricsExposition {
 public:
  // `stats` must outlive this object; `ready` and `drift` (optional) are called on each scrape.
  MetricsExposition(const IngestStats* stats, std::function<bool()> ready,
                    std::function<DriftStatus()> drift = nullptr);
  ~MetricsExposition();

  // The Prometheus text format (0.0.4) of every segd metric.
  std::string Scrape() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace segd
