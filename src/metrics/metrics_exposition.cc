// Counters are read from IngestStats at scrape time and turned into metric families, so every
// reason label exists from the start (a rejection-rate alert needs the zero series too) and no
// label ever carries a customer id.
#include "segd/metrics/metrics_exposition.h"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

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

class IngestCollector : public prometheus::Collectable {
 public:
  IngestCollector(const IngestStats* stats, std::function<bool()> ready)
      : stats_(stats), ready_(std::move(ready)) {}

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
    single("segd_batch_commit_seconds_total", "Time spent in state store commits.", C,
           s.commit_nanos_total.load() / 1e9);
    single("segd_watermark_timestamp_seconds", "Largest accepted event time (Unix seconds).", G,
           s.watermark_ms.load() / 1e3);
    single("segd_ready", "1 when segd is consuming and serving, else 0.", G, ready_() ? 1 : 0);
    out.push_back(Family("segd_build_info", "segd version.", G));
    out.back().metric.push_back(Value(G, 1, {{"version", kVersion}}));
    return out;
  }

 private:
  const IngestStats* stats_;
  std::function<bool()> ready_;
};

}  // namespace

struct MetricsExposition::Impl {
  IngestCollector ingest;
};

MetricsExposition::MetricsExposition(const IngestStats* stats, std::function<bool()> ready)
    : impl_(new Impl{IngestCollector(stats, std::move(ready))}) {}

MetricsExposition::~MetricsExposition() = default;

std::string MetricsExposition::Scrape() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->ingest.Collect());
  return out.str();
}

}  // namespace segd
